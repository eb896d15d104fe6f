/**
 * The capability names a template may list under `capabilities.features`.
 *
 * The capability registry (src/capability/registry.ts) is the authority; `registryKnowledge`
 * reads it. It loads every definition (scripts included), so the cheap commands (`templates
 * list`) use the static copy below instead; a test asserts that the two agree.
 */
export const BUILTIN_CAPABILITY_NAMES: readonly string[] = [
  'docker',
  'docker-optimize',
  'gpu-nvidia',
  'redis',
  'postgresql-14',
  'postgresql-15',
  'postgresql-16',
  'python-3.10',
  'python-3.11',
  'python-3.12',
  'nodejs-20',
  'nodejs-22',
  'buildwatch',
];

/** Deprecated name → current name. */
export const BUILTIN_CAPABILITY_ALIASES: ReadonlyMap<string, string> = new Map([['nodejs-18', 'nodejs-20']]);

export interface CapabilityKnowledge {
  readonly knownCapabilities: ReadonlySet<string>;
  readonly capabilityAliases: ReadonlyMap<string, string>;
}

export function builtinCapabilityKnowledge(): CapabilityKnowledge {
  return {
    knownCapabilities: new Set(BUILTIN_CAPABILITY_NAMES),
    capabilityAliases: BUILTIN_CAPABILITY_ALIASES,
  };
}

/**
 * Feature names from the registry: every feature, plus the `docker` runtime (templates of the
 * original tool list it as a feature). `packages` is excluded: it is fed by
 * `capabilities.packages`, not listed as a feature.
 */
export async function registryKnowledge(): Promise<CapabilityKnowledge> {
  const registry = await import('../capability/registry.js');
  const names = registry
    .listCapabilities()
    .filter(
      (definition) =>
        (definition.kind === 'feature' && definition.name !== 'packages') || definition.name === 'docker',
    )
    .map((definition) => definition.name);
  return { knownCapabilities: new Set(names), capabilityAliases: registry.capabilityAliases() };
}

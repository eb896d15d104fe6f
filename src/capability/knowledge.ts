/**
 * What template validation knows about capabilities: the names a template may list under
 * `capabilities.features` and the deprecated aliases, read from the capability set
 * (src/capability/set.ts), the one authority.
 */
import { builtinCapabilitySet } from './set.js';

export interface CapabilityKnowledge {
  readonly knownCapabilities: ReadonlySet<string>;
  readonly capabilityAliases: ReadonlyMap<string, string>;
}

/**
 * Feature names from the capability set: every feature, plus the `docker` runtime (templates of the
 * original tool list it as a feature). `packages` is excluded: it is fed by
 * `capabilities.packages`, not listed as a feature.
 */
export function capabilityKnowledge(): CapabilityKnowledge {
  const set = builtinCapabilitySet();
  const names = set
    .list()
    .filter(
      (definition) =>
        (definition.kind === 'feature' && definition.name !== 'packages') || definition.name === 'docker',
    )
    .map((definition) => definition.name);
  return { knownCapabilities: new Set(names), capabilityAliases: set.aliases() };
}

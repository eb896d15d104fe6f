/**
 * Resolves a template's capabilities into an ordered set: runtime first, then features in
 * declaration order, requirements added automatically, each config validated against its
 * schema (defaults applied), conflicts and runtime/image incompatibilities reported naming
 * both sides, and the result sorted so dependencies come first (stable: otherwise declaration
 * order), with `capabilities.packages` last. Pure: same template and context, same result.
 */
import { gpuPlanProblem, isGpuPlan } from '../template/rules.js';
import type { Diagnostic, Runtime, Template } from '../template/types.js';
import { configDiagnostic } from './config-errors.js';
import { type ConfigValidator, configValidators } from './config-validators.generated.js';
import { schemaDefaults } from './schema-defaults.js';
import { builtinCapabilitySet, type CapabilitySet } from './set.js';
import { didYouMeanName } from './suggest-name.js';
import type { CapabilityDefinition, ResolvedCapability } from './types.js';

export interface ResolveContext {
  /** The Linode image, e.g. `linode/ubuntu24.04`. */
  readonly image: string;
  /** The Linode type, e.g. `g2-gpu-rtx4000a1-s`. */
  readonly type: string;
  readonly runtime: Runtime;
}

export interface CapabilityResolution {
  readonly capabilities: ResolvedCapability[];
  readonly diagnostics: Diagnostic[];
}

/** The pseudo-capability fed from `capabilities.packages`; always last. */
export const PACKAGES_CAPABILITY = 'packages';
/** Runtimes that may also be listed as a feature: Docker on the host serves native apps too. */
const RUNTIMES_ALLOWED_AS_FEATURES: ReadonlySet<string> = new Set(['docker']);

interface Entry {
  readonly definition: CapabilityDefinition;
  rawConfig: Readonly<Record<string, unknown>>;
  config: Record<string, unknown>;
  readonly addedBy: string;
  /** Where it was declared (or, when added automatically, where its requirer was). */
  readonly path: string;
  /** Where its config was written, for error paths. */
  configPath: string | undefined;
  readonly requires: string[];
}

/**
 * The validator of a capability's config: Ajv's own code, generated from the schema at build
 * time (scripts/gen-config-validators.mjs), so validating costs neither loading nor compiling
 * Ajv. Every built-in capability has one; a definition without one is a build mistake.
 */
function validatorFor(definition: CapabilityDefinition): ConfigValidator {
  const validate = configValidators[definition.name];
  if (validate === undefined) {
    throw new Error(
      `capability '${definition.name}' has no generated config validator; run node scripts/gen-config-validators.mjs`,
    );
  }
  return validate;
}

function validateConfig(
  definition: CapabilityDefinition,
  raw: Readonly<Record<string, unknown>>,
  configPath: string,
  diagnostics: Diagnostic[],
): Record<string, unknown> {
  // An empty config is valid for every schema without `required`, and its value is the
  // schema defaults (a test checks this equals Ajv's useDefaults): most capabilities are
  // listed by name only.
  if (Object.keys(raw).length === 0 && !('required' in definition.configSchema)) {
    return schemaDefaults(definition.configSchema);
  }
  const config = structuredClone(raw) as Record<string, unknown>;
  const validate = validatorFor(definition);
  if (!validate(config)) {
    for (const error of validate.errors ?? [])
      diagnostics.push(configDiagnostic(definition, error, configPath));
  }
  return config;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function error(path: string, message: string, hint: string): Diagnostic {
  return { severity: 'error', path, message, hint };
}

function warning(path: string, message: string, hint: string): Diagnostic {
  return { severity: 'warning', path, message, hint };
}

export function resolveCapabilities(template: Template, context: ResolveContext): CapabilityResolution {
  return resolveWithSet(builtinCapabilitySet(), template, context);
}

export function resolveWithSet(
  set: CapabilitySet,
  template: Template,
  context: ResolveContext,
): CapabilityResolution {
  const diagnostics: Diagnostic[] = [];
  const entries = new Map<string, Entry>();
  const declare = (
    definition: CapabilityDefinition,
    fields: Partial<Entry> & { path: string; addedBy: string },
  ) => {
    const entry: Entry = {
      definition,
      rawConfig: {},
      config: {},
      configPath: undefined,
      requires: [],
      ...fields,
    };
    entries.set(definition.name, entry);
    return entry;
  };

  // 1. The runtime.
  const runtimeNames = set
    .list()
    .filter((definition) => definition.kind === 'runtime')
    .map((definition) => definition.name);
  const runtime = set.get(context.runtime);
  if (runtime === undefined || runtime.kind !== 'runtime') {
    diagnostics.push(
      error(
        'capabilities.runtime',
        `runtime '${context.runtime}' is not supported${didYouMeanName(context.runtime, runtimeNames)}`,
        `use one of: ${runtimeNames.join(', ')} (docker runs the app as a container, native runs setup.script)`,
      ),
    );
  } else {
    declare(runtime, { path: 'capabilities.runtime', addedBy: 'template' });
  }

  // 2. Features, in declaration order.
  const knownNames = [...set.names(), ...set.aliases().keys()].filter((name) => name !== PACKAGES_CAPABILITY);
  template.capabilities.features.forEach((feature, index) => {
    const path = `capabilities.features[${index}]`;
    let name = feature.name;
    const current = set.aliases().get(name);
    if (current !== undefined) {
      diagnostics.push(
        warning(
          path,
          `capability '${name}' is deprecated; using '${current}'`,
          `replace '${name}' with '${current}'`,
        ),
      );
      name = current;
    }
    const definition = set.get(name);
    if (definition === undefined) {
      diagnostics.push(
        error(
          path,
          `unknown capability '${name}'${didYouMeanName(name, knownNames)}`,
          `built-in capabilities: ${knownNames.filter((known) => !set.aliases().has(known)).join(', ')} (see docs/capabilities.md)`,
        ),
      );
      return;
    }
    if (definition.deprecated !== undefined) {
      diagnostics.push(
        warning(
          path,
          `capability '${definition.name}' is deprecated: ${definition.deprecated.reason}`,
          `use ${definition.deprecated.use}`,
        ),
      );
    }
    if (definition.name === PACKAGES_CAPABILITY) {
      diagnostics.push(
        error(
          path,
          `'${PACKAGES_CAPABILITY}' is not a feature`,
          'list extra apt packages under capabilities.packages',
        ),
      );
      return;
    }
    if (
      definition.kind === 'runtime' &&
      definition.name !== context.runtime &&
      !RUNTIMES_ALLOWED_AS_FEATURES.has(definition.name)
    ) {
      diagnostics.push(
        error(
          path,
          `'${definition.name}' is a runtime, not a feature`,
          `set capabilities.runtime: ${definition.name} and remove it from capabilities.features`,
        ),
      );
      return;
    }
    const existing = entries.get(definition.name);
    if (existing === undefined) {
      declare(definition, {
        path,
        addedBy: 'template',
        rawConfig: feature.config,
        configPath: `${path}.config`,
      });
      return;
    }
    if (existing.path === 'capabilities.runtime' && existing.configPath === undefined) {
      // Listing the selected runtime as a feature is how its config is given.
      existing.rawConfig = feature.config;
      existing.configPath = `${path}.config`;
      if (Object.keys(feature.config).length === 0) {
        diagnostics.push(
          warning(
            path,
            `'${definition.name}' is already the runtime; this entry adds nothing`,
            `remove ${path}`,
          ),
        );
      }
      return;
    }
    if (canonicalJson(existing.rawConfig) === canonicalJson(feature.config)) {
      diagnostics.push(
        warning(
          path,
          `'${definition.name}' is listed twice (first at ${existing.path}); the duplicate is ignored`,
          `remove ${path}`,
        ),
      );
    } else {
      diagnostics.push(
        error(
          path,
          `'${definition.name}' is listed twice with different config (first at ${existing.path})`,
          `keep one '${definition.name}' entry with the config you want`,
        ),
      );
    }
  });

  // 3. Config of everything declared (defaults applied).
  for (const entry of entries.values()) {
    entry.config = validateConfig(
      entry.definition,
      entry.rawConfig,
      entry.configPath ?? `${entry.path}.config`,
      diagnostics,
    );
  }

  // 4. Requirements, added automatically (breadth-first, so discovery order is stable).
  const queue = [...entries.values()];
  for (let entry = queue.shift(); entry !== undefined; entry = queue.shift()) {
    const required = entry.definition.requires?.(entry.config, { runtime: context.runtime }) ?? [];
    for (const name of required) {
      if (!entry.requires.includes(name)) entry.requires.push(name);
      if (entries.has(name)) continue;
      const definition = set.get(name);
      if (definition === undefined) {
        diagnostics.push(
          error(
            entry.path,
            `capability '${entry.definition.name}' requires '${name}', which does not exist`,
            'this is a bug in the capability definition; please report it',
          ),
        );
        continue;
      }
      const added = declare(definition, { path: entry.path, addedBy: entry.definition.name });
      added.config = validateConfig(definition, {}, `${entry.path}.config`, diagnostics);
      queue.push(added);
    }
  }

  // 5. Runtime and image compatibility, then conflicts; all name both sides.
  const resolved = [...entries.values()];
  for (const entry of resolved) {
    const { definition } = entry;
    const via = entry.addedBy === 'template' ? '' : ` (required by '${entry.addedBy}')`;
    if (definition.runtimes !== undefined && !definition.runtimes.includes(context.runtime)) {
      diagnostics.push(
        error(
          entry.path,
          `'${definition.name}'${via} needs runtime ${definition.runtimes.join(' or ')}, but capabilities.runtime is '${context.runtime}'`,
          `set capabilities.runtime: ${definition.runtimes[0]} or remove '${entry.addedBy === 'template' ? definition.name : entry.addedBy}'`,
        ),
      );
    }
    if (definition.images !== undefined && !definition.images.includes(context.image)) {
      diagnostics.push(
        error(
          entry.path,
          `'${definition.name}'${via} does not support image '${context.image}' (deploy.linode.image)`,
          `use image ${definition.images.join(' or ')}, or remove '${definition.name}'`,
        ),
      );
    }
  }
  resolved.forEach((later, index) => {
    for (const earlier of resolved.slice(0, index)) {
      const clash =
        (earlier.definition.conflicts ?? []).includes(later.definition.name) ||
        (later.definition.conflicts ?? []).includes(earlier.definition.name);
      if (clash) {
        diagnostics.push(
          error(
            later.path,
            `'${later.definition.name}' conflicts with '${earlier.definition.name}' (${earlier.path})`,
            `keep only one of '${earlier.definition.name}' and '${later.definition.name}'`,
          ),
        );
      }
    }
  });

  // 6. A GPU capability on a non-GPU plan fails at boot, after the instance is paid for: refuse
  //    it here, for the type actually chosen (--type overrides type_default). The reverse only
  //    wastes money, so it is a warning.
  const gpuPlan = isGpuPlan(context.type);
  if (context.type !== '' && entries.has('gpu-nvidia')) {
    const problem = gpuPlanProblem(context.type);
    if (problem) diagnostics.push(problem);
  }
  if (gpuPlan && !entries.has('gpu-nvidia')) {
    diagnostics.push(
      warning(
        'capabilities.features',
        `instance type '${context.type}' is a GPU plan but gpu-nvidia is not enabled, so the GPU is unusable`,
        'add gpu-nvidia to capabilities.features',
      ),
    );
  }

  // 7. Order: dependencies first, otherwise declaration order; then extra packages.
  const ordered = orderByDependencies(resolved, diagnostics);
  const packages = packagesEntry(set, template, diagnostics);
  if (packages !== undefined) ordered.push(packages);

  return {
    capabilities: ordered.map((entry) => ({
      definition: entry.definition,
      config: entry.config,
      addedBy: entry.addedBy,
      dependsOn: dependenciesOf(entry, entries),
    })),
    diagnostics,
  };
}

/** Requirements plus `after` entries that are present, in that order, without repeats. */
function dependenciesOf(entry: Entry, entries: ReadonlyMap<string, Entry>): string[] {
  const names = [...entry.requires, ...(entry.definition.after ?? [])];
  return names.filter(
    (name, index) => entries.has(name) && names.indexOf(name) === index && name !== entry.definition.name,
  );
}

/** Depth-first topological sort visiting entries in declaration order: stable and cycle-checked. */
function orderByDependencies(resolved: readonly Entry[], diagnostics: Diagnostic[]): Entry[] {
  const byName = new Map(resolved.map((entry) => [entry.definition.name, entry]));
  const done = new Set<string>();
  const visiting: string[] = [];
  const ordered: Entry[] = [];
  const visit = (entry: Entry): void => {
    const name = entry.definition.name;
    if (done.has(name)) return;
    if (visiting.includes(name)) {
      const cycle = [...visiting.slice(visiting.indexOf(name)), name].join(' → ');
      diagnostics.push(
        error(
          entry.path,
          `capabilities depend on each other in a cycle: ${cycle}`,
          'this is a bug in the capability definitions; please report it',
        ),
      );
      return;
    }
    visiting.push(name);
    for (const dependency of dependenciesOf(entry, byName)) visit(byName.get(dependency)!);
    visiting.pop();
    done.add(name);
    ordered.push(entry);
  };
  for (const entry of resolved) visit(entry);
  return ordered;
}

/** `capabilities.packages` as the `packages` capability, de-duplicated (with a warning). */
function packagesEntry(set: CapabilitySet, template: Template, diagnostics: Diagnostic[]): Entry | undefined {
  const listed = template.capabilities.packages;
  if (listed.length === 0) return undefined;
  const definition = set.get(PACKAGES_CAPABILITY);
  if (definition === undefined) return undefined;
  const unique: string[] = [];
  listed.forEach((name, index) => {
    if (unique.includes(name)) {
      diagnostics.push(
        warning(
          `capabilities.packages[${index}]`,
          `package '${name}' is listed twice; installed once`,
          `remove capabilities.packages[${index}]`,
        ),
      );
    } else {
      unique.push(name);
    }
  });
  // Validated as written, so an error points at the item's own index; installed de-duplicated.
  const config = {
    ...validateConfig(definition, { packages: [...listed] }, 'capabilities', diagnostics),
    packages: unique,
  };
  return {
    definition,
    rawConfig: { packages: [...listed] },
    config,
    addedBy: 'template',
    path: 'capabilities.packages',
    configPath: 'capabilities',
    requires: [],
  };
}

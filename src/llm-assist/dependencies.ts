/**
 * The user's dependencies ("redis, postgres 15, node") mapped to capability names. Pure; the
 * set of known names comes from the capability set, so a mapping never names a
 * capability that does not exist.
 */

export interface DependencyMapping {
  /** What the user wrote, trimmed. */
  readonly input: string;
  /** The capability that provides it, when there is one. */
  readonly capability?: string;
  /** Why nothing (or something other than asked) was chosen. */
  readonly note?: string;
}

/** Common names → the capability a template should list (the newest supported version). */
export const DEPENDENCY_ALIASES: ReadonlyMap<string, string> = new Map([
  ['redis', 'redis'],
  ['postgres', 'postgresql-16'],
  ['postgresql', 'postgresql-16'],
  ['pg', 'postgresql-16'],
  ['node', 'nodejs-22'],
  ['nodejs', 'nodejs-22'],
  ['node.js', 'nodejs-22'],
  ['python', 'python-3.12'],
  ['python3', 'python-3.12'],
  ['docker', 'docker'],
  ['gpu', 'gpu-nvidia'],
  ['cuda', 'gpu-nvidia'],
  ['nvidia', 'gpu-nvidia'],
]);

/** `postgres 15`, `node-20`, `python3.11` → a versioned capability name. */
const VERSIONED: readonly { pattern: RegExp; family: string; name: (version: string) => string }[] = [
  {
    pattern: /^(?:postgres|postgresql|pg)[\s-]?(\d+)$/,
    family: 'postgresql-',
    name: (v) => `postgresql-${v}`,
  },
  { pattern: /^(?:node|nodejs|node\.js)[\s-]?(\d+)$/, family: 'nodejs-', name: (v) => `nodejs-${v}` },
  { pattern: /^python[\s-]?(3\.\d+)$/, family: 'python-', name: (v) => `python-${v}` },
];

/** Splits "redis, postgres 15; node" into its entries. */
export function splitDependencies(text: string): string[] {
  return text
    .split(/[,;\n]+/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

export function mapDependency(input: string, known: ReadonlySet<string>): DependencyMapping {
  const word = input.trim().toLowerCase();
  if (known.has(word)) return { input, capability: word };
  const alias = DEPENDENCY_ALIASES.get(word);
  if (alias && known.has(alias)) return { input, capability: alias };
  for (const rule of VERSIONED) {
    const match = rule.pattern.exec(word);
    if (!match) continue;
    const wanted = rule.name(match[1]!);
    if (known.has(wanted)) return { input, capability: wanted };
    const available = [...known].filter((name) => name.startsWith(rule.family)).sort();
    return {
      input,
      note: `no capability ${wanted}; available: ${available.join(', ') || 'none'}`,
    };
  }
  return {
    input,
    note: 'no capability provides it: install it in the container image, or list its apt package under capabilities.packages',
  };
}

/** Maps each entry once, in order, dropping repeats of the same input. */
export function mapDependencies(inputs: readonly string[], known: ReadonlySet<string>): DependencyMapping[] {
  const seen = new Set<string>();
  const result: DependencyMapping[] = [];
  for (const input of inputs) {
    const key = input.trim().toLowerCase();
    if (key === '' || seen.has(key)) continue;
    seen.add(key);
    result.push(mapDependency(input.trim(), known));
  }
  return result;
}

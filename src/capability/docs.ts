/**
 * docs/capabilities.md, generated from the capability set: one section per capability with its
 * summary, description, config table (types and defaults from its schema), requirements,
 * conflicts, runtimes, images and an example. `templates scaffold --llm-assist` reuses it.
 * Regenerate with `node scripts/gen-capability-docs.mjs`; a test fails when the file is stale.
 */
import type { Runtime } from '../template/types.js';
import { schemaDefaults, schemaProperties } from './schema-defaults.js';
import { listCapabilities } from './set.js';
import type { CapabilityDefinition, JsonSchema } from './types.js';

const RUNTIMES: readonly Runtime[] = ['docker', 'native'];

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function typeOf(property: Readonly<Record<string, unknown>>): string {
  if (Array.isArray(property.enum)) return property.enum.map((value) => `\`${String(value)}\``).join(' \\| ');
  if (property.type === 'array') {
    const items = (property.items ?? {}) as Readonly<Record<string, unknown>>;
    return `list of ${String(items.type ?? 'value')}`;
  }
  return String(property.type ?? 'value');
}

function defaultOf(property: Readonly<Record<string, unknown>>): string {
  if (!('default' in property)) return '—';
  const value = property.default;
  if (
    typeof value === 'object' &&
    value !== null &&
    Object.keys(value).length === 0 &&
    !Array.isArray(value)
  ) {
    return '—';
  }
  return `\`${JSON.stringify(value)}\``;
}

function limitsOf(property: Readonly<Record<string, unknown>>): string {
  const limits: string[] = [];
  if (typeof property.minimum === 'number') limits.push(`≥ ${property.minimum}`);
  if (typeof property.maximum === 'number') limits.push(`≤ ${property.maximum}`);
  if (typeof property.pattern === 'string') limits.push(`pattern \`${property.pattern}\``);
  return limits.length === 0 ? '' : ` (${limits.join(', ')})`;
}

function configRows(schema: JsonSchema, prefix = ''): string[] {
  const rows: string[] = [];
  for (const [key, property] of Object.entries(schemaProperties(schema))) {
    const description = typeof property.description === 'string' ? property.description : '';
    if (property.type === 'object' && typeof property.properties === 'object') {
      rows.push(`| \`${prefix}${key}\` | object | — | ${cell(description)} |`);
      rows.push(...configRows(property as JsonSchema, `${prefix}${key}.`));
      continue;
    }
    rows.push(
      `| \`${prefix}${key}\` | ${cell(typeOf(property))} | ${cell(defaultOf(property))} | ${cell(description + limitsOf(property))} |`,
    );
  }
  return rows;
}

/** "docker" or "docker (with runtime docker)", from evaluating `requires` for each runtime. */
function requirements(definition: CapabilityDefinition): string {
  if (definition.requires === undefined) return 'nothing';
  const defaults = schemaDefaults(definition.configSchema);
  const perRuntime = RUNTIMES.map((runtime) => ({
    runtime,
    names: definition.requires?.(defaults, { runtime }) ?? [],
  }));
  const all = [...new Set(perRuntime.flatMap((entry) => entry.names))];
  if (all.length === 0) return 'nothing';
  return all
    .map((name) => {
      const when = perRuntime.filter((entry) => entry.names.includes(name)).map((entry) => entry.runtime);
      return when.length === RUNTIMES.length
        ? `\`${name}\``
        : `\`${name}\` (with runtime ${when.join(', ')})`;
    })
    .join(', ');
}

function list(values: readonly string[] | undefined, none: string): string {
  return values === undefined || values.length === 0
    ? none
    : values.map((value) => `\`${value}\``).join(', ');
}

function section(definition: CapabilityDefinition): string {
  const rows = configRows(definition.configSchema);
  const facts = [
    `- **Kind:** ${definition.kind}`,
    `- **Requires (added automatically):** ${requirements(definition)}`,
    `- **Conflicts with:** ${list(definition.conflicts, 'nothing')}`,
    `- **Runtimes:** ${list(definition.runtimes, 'any')}`,
    `- **Images:** ${list(definition.images, 'any')}`,
  ];
  if (definition.deprecated !== undefined) {
    facts.push(
      `- **Deprecated:** ${definition.deprecated.reason}; use ${definition.deprecated.use} (accepted with a warning)`,
    );
  }
  if (definition.aliases !== undefined && definition.aliases.length > 0) {
    facts.push(`- **Deprecated aliases:** ${list(definition.aliases, '')} (accepted with a warning)`);
  }
  return [
    `## ${definition.name}`,
    '',
    `${definition.summary}`,
    '',
    definition.description,
    '',
    ...facts,
    '',
    '### Config',
    '',
    ...(rows.length === 0
      ? ['No settings.']
      : ['| Key | Type | Default | Description |', '| --- | --- | --- | --- |', ...rows]),
    '',
    '### Example',
    '',
    '```yaml',
    definition.example,
    '```',
    '',
  ].join('\n');
}

/** Images named by any capability, in the order first seen: the columns of the support table. */
function imageTable(definitions: readonly CapabilityDefinition[]): string[] {
  const images = [...new Set(definitions.flatMap((definition) => definition.images ?? []))];
  if (images.length === 0) return [];
  return [
    '## Image support',
    '',
    'Which Linode images each capability supports; `no` is refused when the deployment is planned.',
    "A capability with no image list installs only from the image's own archive and takes any",
    'Ubuntu or Debian image (last column). Debian 12 is booted for real in CI (`test/boot/`:',
    'systemd-nspawn + cloud-init, and `docker` with `buildwatch` once more in a full QEMU VM with',
    "Debian's own kernel and AppArmor on). Ubuntu images are not booted in CI: it reaches only",
    "Debian's archive.",
    '',
    '`linode/ubuntu26.04` ("resolute") is **not booted** by the tests (the test machines reach',
    "only Debian's archive); its plans pass the same `cloud-init schema` and shellcheck checks",
    'as the others (`test/conformance/`). What the capabilities rely on there was checked on',
    "packages.ubuntu.com and in the third-party repositories' trackers (2026-12-02): `docker.io`",
    '29.1.3 and `redis-server` 8.0.5 (same `/etc/redis/redis.conf` and `redis-server.service`)',
    'are in its archive; its own PostgreSQL is 18 and its Python 3.14, so `postgresql-14/15/16`',
    'come from PGDG (`resolute-pgdg`, seen in use in a 26.04 upgrade guide; its index was not',
    'fetched) and `python-3.10/3.11/3.12` from the deadsnakes PPA, which builds for 26.04 since',
    'May 2026 (deadsnakes/issues#338; which versions it builds there was not confirmed); the',
    'NVIDIA `570-server` packages',
    "there are transitional packages to `580-server` (see `gpu-nvidia`); NodeSource's `nodistro`",
    "and NVIDIA's container toolkit repository are distribution-independent; the watcher brings",
    'its own Node.js build.',
    '',
    `| Capability | ${images.map((image) => `\`${image}\``).join(' | ')} | other images |`,
    `| --- |${images.map(() => ' :-: |').join('')} :-: |`,
    ...definitions.map(
      (definition) =>
        `| \`${definition.name}\` | ${images.map((image) => (definition.images === undefined || definition.images.includes(image) ? 'yes' : 'no')).join(' | ')} | ${definition.images === undefined ? 'yes' : 'no'} |`,
    ),
  ];
}

export function renderCapabilityDocs(): string {
  const definitions = listCapabilities();
  const index = definitions.map(
    (definition) =>
      `| [\`${definition.name}\`](#${definition.name.replace(/\./g, '')}) | ${definition.kind} | ${cell(definition.summary)} |`,
  );
  return [
    '# Capabilities',
    '',
    '<!-- Generated from capabilities/ by `node scripts/gen-capability-docs.mjs`. Do not edit by hand. -->',
    '',
    'A template selects a runtime (`capabilities.runtime`) and features (`capabilities.features`);',
    'a feature is a name or `{ name, config }`. Requirements are added automatically, conflicts and',
    'unsupported runtime/image combinations are errors, and each `config` is checked against the',
    'table below (unknown keys are errors). Capabilities run in dependency order, then in the order',
    'declared; `capabilities.packages` is installed last, in a step of its own.',
    '',
    '| Capability | Kind | Summary |',
    '| --- | --- | --- |',
    ...index,
    '',
    ...imageTable(definitions),
    '',
    ...definitions.map(section),
  ].join('\n');
}

/**
 * A schema-valid raw document → the Template type, with every default filled in. The defaults
 * here are the documented ones (docs/templates.md, "Defaults"); change both together.
 */
import { featureName } from './rules.js';
import type {
  ContainerSpec,
  EnvVarSpec,
  FeatureRef,
  FirewallRuleSpec,
  HealthCheck,
  LinodeSpec,
  Runtime,
  SetupFile,
  Template,
} from './types.js';

type Raw = Record<string, unknown>;

export const DEFAULTS = {
  image: 'linode/ubuntu24.04',
  internalPort: 8000,
  externalPort: 80,
  health: {
    type: 'http',
    successCodes: [200],
    initialDelaySeconds: 60,
    timeoutSeconds: 5,
    intervalSeconds: 10,
    maxRetries: 30,
  },
  filePermissions: '0644',
  fileOwner: 'root:root',
  firewallSources: ['0.0.0.0/0', '::/0'],
} as const;

const record = (value: unknown): Raw =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Raw) : {};
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const optionalString = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

/** `my-llm-api` → `My Llm Api`. */
export function titleCase(name: string): string {
  return name
    .split('-')
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join(' ');
}

export function normalizeTemplate(raw: Raw, aliases: ReadonlyMap<string, string>): Template {
  const name = String(raw.name);
  const capabilities = record(raw.capabilities);
  const runtime = (capabilities.runtime ?? 'docker') as Runtime;
  const features: FeatureRef[] = list(capabilities.features).map((entry) => {
    const raw = featureName(entry)!;
    return { name: aliases.get(raw) ?? raw, config: { ...record(record(entry).config) } };
  });
  const setup = record(raw.setup);
  const env = record(raw.env);
  const guidance = raw.guidance === undefined ? undefined : record(raw.guidance);
  const description = optionalString(raw.description)?.trim() ?? '';

  return {
    name,
    display_name: optionalString(raw.display_name) ?? titleCase(name),
    version: String(raw.version),
    description,
    ...(typeof raw.app_name === 'string' ? { app_name: raw.app_name } : {}),
    capabilities: { runtime, features, packages: list(capabilities.packages).map(String) },
    deploy: { target: 'linode', linode: normalizeLinode(record(record(raw.deploy).linode)) },
    setup: {
      ...(typeof setup.script === 'string' ? { script: setup.script } : {}),
      files: list(setup.files).map((file) => normalizeSetupFile(record(file))),
    },
    env: {
      required: list(env.required).map((item) => normalizeEnvVar(record(item))),
      optional: list(env.optional).map((item) => normalizeEnvVar(record(item))),
    },
    ...(guidance
      ? {
          guidance: {
            ...(typeof guidance.summary === 'string' ? { summary: guidance.summary } : {}),
            examples: list(guidance.examples).map((example) => ({
              description: optionalString(record(example).description) ?? '',
              command: String(record(example).command),
            })),
          },
        }
      : {}),
    ...lifetimeFields(raw.lifetime),
  };
}

function normalizeLinode(linode: Raw): LinodeSpec {
  const firewall = record(linode.firewall);
  return {
    image: optionalString(linode.image) ?? DEFAULTS.image,
    ...(optionalString(linode.image) === undefined ? { imageIsDefault: true as const } : {}),
    ...(typeof linode.region_default === 'string' ? { region_default: linode.region_default } : {}),
    ...(typeof linode.type_default === 'string' ? { type_default: linode.type_default } : {}),
    tags: list(linode.tags).map(String),
    ...(typeof linode.replicas === 'number' ? { replicas: linode.replicas } : {}),
    ...(linode.container === undefined ? {} : { container: normalizeContainer(record(linode.container)) }),
    firewall: { inbound: list(firewall.inbound).map((rule) => normalizeFirewallRule(record(rule))) },
  };
}

function normalizeContainer(container: Raw): ContainerSpec {
  const internalPort =
    typeof container.internal_port === 'number' ? container.internal_port : DEFAULTS.internalPort;
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(record(container.env))) env[key] = String(value);
  const command = container.command;
  return {
    image: String(container.image ?? ''),
    internal_port: internalPort,
    external_port:
      typeof container.external_port === 'number' ? container.external_port : DEFAULTS.externalPort,
    ...(typeof command === 'string'
      ? { command }
      : Array.isArray(command)
        ? { command: command.map(String) }
        : {}),
    env,
    volumes: list(container.volumes).map(String),
    ...(typeof container.post_start_script === 'string'
      ? { post_start_script: container.post_start_script }
      : {}),
    ...(container.health === undefined
      ? {}
      : { health: normalizeHealth(record(container.health), internalPort) }),
    allow_metadata_access: container.allow_metadata_access === true,
  };
}

function normalizeHealth(health: Raw, internalPort: number): HealthCheck {
  const defaults = DEFAULTS.health;
  const number = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);
  return {
    type: (health.type ?? defaults.type) as HealthCheck['type'],
    ...(typeof health.path === 'string' ? { path: health.path } : {}),
    port: number(health.port, internalPort),
    ...(Array.isArray(health.command) ? { command: health.command.map(String) } : {}),
    success_codes: Array.isArray(health.success_codes)
      ? health.success_codes.map(Number)
      : [...defaults.successCodes],
    initial_delay_seconds: number(health.initial_delay_seconds, defaults.initialDelaySeconds),
    timeout_seconds: number(health.timeout_seconds, defaults.timeoutSeconds),
    interval_seconds: number(health.interval_seconds, defaults.intervalSeconds),
    max_retries: number(health.max_retries, defaults.maxRetries),
  };
}

function normalizeFirewallRule(rule: Raw): FirewallRuleSpec {
  return {
    ports: String(rule.ports),
    protocol: rule.protocol === 'UDP' ? 'UDP' : 'TCP',
    sources: Array.isArray(rule.sources) ? rule.sources.map(String) : [...DEFAULTS.firewallSources],
    ...(typeof rule.description === 'string' ? { description: rule.description } : {}),
  };
}

function normalizeSetupFile(file: Raw): SetupFile {
  const permissions = optionalString(file.permissions) ?? DEFAULTS.filePermissions;
  return {
    path: String(file.path),
    // '644' and '0644' mean the same; cloud-init and the planner get the 4-digit form.
    permissions: permissions.length === 3 ? `0${permissions}` : permissions,
    owner: optionalString(file.owner) ?? DEFAULTS.fileOwner,
    content: optionalString(file.content) ?? '',
    ...(typeof file.source === 'string' ? { source: file.source } : {}),
  };
}

function normalizeEnvVar(item: Raw): EnvVarSpec {
  return {
    name: String(item.name),
    description: optionalString(item.description)?.trimEnd() ?? '',
    secret: item.secret !== false,
  };
}

/** `lifetime: 8h`, or `lifetime: {ttl: 8h, idle: 2h}`. */
function lifetimeFields(value: unknown): { lifetime?: string; idleLifetime?: string } {
  if (typeof value === 'string') return { lifetime: value };
  if (!value || typeof value !== 'object') return {};
  const { ttl, idle } = value as Record<string, unknown>;
  return {
    ...(typeof ttl === 'string' ? { lifetime: ttl } : {}),
    ...(typeof idle === 'string' ? { idleLifetime: idle } : {}),
  };
}

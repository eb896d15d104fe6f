/**
 * Templates and capability definitions built in code, so plan tests do not depend on the
 * bundled templates or the real capability registry.
 */
import type { CapabilityDefinition, Fragments, ResolvedCapability } from '../../src/capability/types.js';
import type { DeploymentContext } from '../../src/plan/types.js';
import type {
  ContainerSpec,
  EnvVarSpec,
  HealthCheck,
  Runtime,
  SetupFile,
  Template,
} from '../../src/template/types.js';

export interface TemplateOptions {
  readonly name?: string;
  readonly runtime?: Runtime;
  readonly env?: { required: EnvVarSpec[]; optional: EnvVarSpec[] };
  readonly containerEnv?: Record<string, string>;
  readonly container?: Partial<ContainerSpec> | null;
  readonly health?: HealthCheck;
  readonly setupScript?: string;
  readonly setupFiles?: SetupFile[];
  readonly tags?: string[];
  readonly packages?: string[];
}

export const defaultHealth: HealthCheck = {
  type: 'http',
  path: '/health',
  port: 8000,
  success_codes: [200],
  initial_delay_seconds: 5,
  timeout_seconds: 2,
  interval_seconds: 3,
  max_retries: 10,
};

export function makeTemplate(options: TemplateOptions = {}): Template {
  const container: ContainerSpec | undefined =
    options.container === null
      ? undefined
      : {
          image: 'registry.example.com/team/app:1.0',
          internal_port: 8000,
          external_port: 80,
          env: options.containerEnv ?? {},
          volumes: [],
          allow_metadata_access: false,
          health: options.health ?? defaultHealth,
          ...options.container,
        };
  return {
    name: options.name ?? 'demo',
    display_name: 'Demo',
    version: '1.0.0',
    description: 'A demo template',
    capabilities: { runtime: options.runtime ?? 'docker', features: [], packages: options.packages ?? [] },
    deploy: {
      target: 'linode',
      linode: {
        image: 'linode/ubuntu24.04',
        tags: options.tags ?? ['ai'],
        container,
        firewall: { inbound: [] },
      },
    },
    setup: { script: options.setupScript, files: options.setupFiles ?? [] },
    env: options.env ?? { required: [], optional: [] },
  };
}

export function makeContext(overrides: Partial<DeploymentContext> = {}): DeploymentContext {
  return {
    deploymentId: 'abcd1234',
    appName: 'demo-app',
    envName: 'prod',
    now: new Date('2026-01-02T03:04:05Z'),
    region: 'us-ord',
    type: 'g6-standard-2',
    image: 'linode/ubuntu24.04',
    sshKeys: ['ssh-ed25519 AAAAC3NzaTEST test@example'],
    rootPass: 'root-pass-CANARY-1234567890',
    secrets: { watcherToken: 'watcher-token-CANARY-abcdef' },
    ...overrides,
  };
}

export function fakeCapability(
  name: string,
  fragments: Fragments,
  extra: Partial<CapabilityDefinition> = {},
): CapabilityDefinition {
  return {
    name,
    kind: 'feature',
    summary: name,
    description: name,
    configSchema: { type: 'object' },
    example: '',
    fragments: () => fragments,
    ...extra,
  };
}

export function resolved(definition: CapabilityDefinition, addedBy = 'template'): ResolvedCapability {
  return { definition, config: {}, addedBy };
}

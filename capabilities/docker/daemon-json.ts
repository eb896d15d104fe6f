/**
 * /etc/docker/daemon.json: written once, by the docker capability, from its own config plus
 * docker-optimize's when that capability is present. Keys are sorted so the same inputs give
 * the same bytes.
 */
import { schemaDefaults } from '../../src/capability/schema-defaults.js';
import type { CapabilityContext } from '../../src/capability/types.js';
import {
  type DockerOptimizeConfig,
  dockerOptimizeSchema,
  optimizeDaemonSettings,
} from '../docker-optimize/settings.js';

export interface DockerConfig {
  readonly log_max_size: string;
  readonly log_max_file: number;
  readonly data_root?: string;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return Object.fromEntries(entries.map(([key, inner]) => [key, sortKeys(inner)]));
  }
  return value;
}

/** docker-optimize's config as the composer resolved it (validated, defaults applied). */
function dockerOptimizeConfig(context: CapabilityContext): DockerOptimizeConfig {
  const resolved = context.configs['docker-optimize'] ?? schemaDefaults(dockerOptimizeSchema);
  return resolved as unknown as DockerOptimizeConfig;
}

export function daemonJson(config: DockerConfig, context: CapabilityContext): string {
  const logOpts: Record<string, string> = {
    'max-file': String(config.log_max_file),
    'max-size': config.log_max_size,
  };
  let settings: Record<string, unknown> = {};
  if (context.capabilities.has('docker-optimize')) {
    const contributed = optimizeDaemonSettings(dockerOptimizeConfig(context));
    settings = contributed.settings;
    Object.assign(logOpts, contributed.logOpts);
  }
  const document: Record<string, unknown> = {
    ...settings,
    'log-driver': 'json-file',
    'log-opts': logOpts,
  };
  if (config.data_root !== undefined) document['data-root'] = config.data_root;
  return `${JSON.stringify(sortKeys(document), null, 2)}\n`;
}

/**
 * docker-optimize's config and the daemon.json settings it stands for. Kept apart from the
 * definition because the docker capability owns /etc/docker/daemon.json and folds these in:
 * one writer of that file, merged deterministically.
 */
import type { JsonSchema } from '../../src/capability/types.js';

export interface DockerOptimizeConfig {
  readonly max_concurrent_downloads: number;
  readonly max_concurrent_uploads: number;
  readonly live_restore: boolean;
  readonly nofile_limit: number;
  readonly log_compress: boolean;
}

export const dockerOptimizeSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    max_concurrent_downloads: {
      type: 'integer',
      minimum: 1,
      maximum: 64,
      default: 10,
      description: 'Layers pulled in parallel (large ML images pull much faster than with the default 3).',
    },
    max_concurrent_uploads: {
      type: 'integer',
      minimum: 1,
      maximum: 64,
      default: 5,
      description: 'Layers pushed in parallel.',
    },
    live_restore: {
      type: 'boolean',
      default: true,
      description:
        'Keep containers running while the Docker daemon restarts (e.g. when the GPU toolkit reconfigures it).',
    },
    nofile_limit: {
      type: 'integer',
      minimum: 1024,
      maximum: 1048576,
      default: 1048576,
      description: 'Default open-files limit (soft and hard) for containers.',
    },
    log_compress: {
      type: 'boolean',
      default: true,
      description: 'Compress rotated container log files.',
    },
  },
};

/** The daemon.json keys docker-optimize contributes (log-opts are merged by the caller). */
export function optimizeDaemonSettings(config: DockerOptimizeConfig): {
  readonly settings: Record<string, unknown>;
  readonly logOpts: Record<string, string>;
} {
  return {
    settings: {
      'default-ulimits': { nofile: { Name: 'nofile', Hard: config.nofile_limit, Soft: config.nofile_limit } },
      'live-restore': config.live_restore,
      'max-concurrent-downloads': config.max_concurrent_downloads,
      'max-concurrent-uploads': config.max_concurrent_uploads,
    },
    logOpts: config.log_compress ? { compress: 'true' } : {},
  };
}

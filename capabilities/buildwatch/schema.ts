/**
 * BuildWatch's config: the thresholds, retention and access the on-instance watcher uses.
 * Kept in its own module so the watcher's delivery (bundle, unit, token) can extend the
 * capability without rewriting its config contract.
 */
import type { JsonSchema } from '../../src/capability/types.js';

export interface BuildwatchRetention {
  readonly events: number;
  readonly issues: number;
  readonly days: number;
}

export interface BuildwatchGpu {
  readonly interval_seconds: number;
}

export interface BuildwatchConfig {
  readonly port: number;
  readonly crash_loop_count: number;
  readonly crash_loop_window_seconds: number;
  readonly slow_start_seconds: number;
  readonly retention: BuildwatchRetention;
  readonly allowed_sources: readonly string[];
  readonly enable_metrics: boolean;
  /** GPU sampling, used when the deployment has `gpu-nvidia`. */
  readonly gpu: BuildwatchGpu;
  /** Accepted from the original tool's templates; same meaning as retention.days. */
  readonly log_retention_days?: number;
}

const CIDR =
  '^(((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])/([0-9]|[12][0-9]|3[0-2])|[0-9A-Fa-f:]+:[0-9A-Fa-f:]*/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8]))$';

export const buildwatchSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    port: {
      type: 'integer',
      minimum: 1024,
      maximum: 65535,
      default: 9090,
      description: "Port of the watcher's HTTP API on the instance.",
    },
    crash_loop_count: {
      type: 'integer',
      minimum: 2,
      maximum: 100,
      default: 3,
      description: 'Container exits within the window that count as a crash loop.',
    },
    crash_loop_window_seconds: {
      type: 'integer',
      minimum: 10,
      maximum: 86400,
      default: 300,
      description: 'Window for crash-loop detection, in seconds.',
    },
    slow_start_seconds: {
      type: 'integer',
      minimum: 10,
      maximum: 86400,
      default: 600,
      description: 'Report a slow start when the app is not healthy this long after it started.',
    },
    retention: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'How much history the watcher keeps on disk.',
      properties: {
        events: {
          type: 'integer',
          minimum: 100,
          maximum: 1000000,
          default: 10000,
          description: 'Events kept.',
        },
        issues: { type: 'integer', minimum: 10, maximum: 100000, default: 1000, description: 'Issues kept.' },
        days: { type: 'integer', minimum: 1, maximum: 365, default: 7, description: 'Days of history kept.' },
      },
    },
    allowed_sources: {
      type: 'array',
      items: { type: 'string', pattern: CIDR },
      uniqueItems: true,
      default: [],
      description:
        "CIDRs allowed through the firewall to the watcher's port (e.g. `203.0.113.7/32`). Default: none; the CLI reaches it over SSH.",
    },
    enable_metrics: {
      type: 'boolean',
      default: true,
      description: 'Serve `/metrics` (Prometheus text format).',
    },
    gpu: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'GPU sampling (only with the `gpu-nvidia` capability).',
      properties: {
        interval_seconds: {
          type: 'integer',
          minimum: 5,
          maximum: 3600,
          default: 15,
          description: 'Seconds between `nvidia-smi` samples.',
        },
      },
    },
    log_retention_days: {
      type: 'integer',
      minimum: 1,
      maximum: 365,
      description:
        "Accepted from the original tool's templates; same as `retention.days`, which wins when both are set.",
    },
  },
};

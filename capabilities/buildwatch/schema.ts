/**
 * BuildWatch's config: the thresholds, retention and access the on-instance watcher uses.
 * Kept in its own module so the watcher's delivery (bundle, unit, token) can extend the
 * capability without rewriting its config contract.
 */
import type { JsonSchema } from '../../src/capability/types.js';
import watcherNode from './node.json';

export interface BuildwatchRetention {
  readonly events: number;
  readonly issues: number;
  readonly days: number;
}

export interface BuildwatchGpu {
  readonly interval_seconds: number;
}

/** Where the watcher's Node.js build comes from (both set, or neither: the pinned default). */
export interface BuildwatchNode {
  readonly url?: string;
  readonly sha256?: string;
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
  /** The Node.js build the watcher runs on (default: node.json's official build). */
  readonly node: BuildwatchNode;
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
    node: {
      type: 'object',
      additionalProperties: false,
      default: {},
      // Half an override would check one source against another's checksum: both or neither.
      dependencies: { url: ['sha256'], sha256: ['url'] },
      description: `The Node.js build the watcher runs on, downloaded at boot and checked against \`sha256\` before it is unpacked. Default: the official Linux x64 build of Node.js ${watcherNode.version} from nodejs.org, with its published sha256. Set both fields to use a mirror or your own copy (a \`.tar.xz\` or \`.tar.gz\` holding \`<dir>/bin/node\`, Node 22 or newer).`,
      properties: {
        url: {
          type: 'string',
          // No quotes, spaces or shell/systemd metacharacters, although it reaches curl quoted.
          pattern: '^https?://[A-Za-z0-9._~:/?#@&+,=%-]+$',
          description:
            'URL of the Node.js archive (`https://` or `http://`; the sha256 guards it either way).',
        },
        sha256: {
          type: 'string',
          pattern: '^[0-9a-f]{64}$',
          description: 'SHA-256 of the archive at `url`, lower-case hex.',
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

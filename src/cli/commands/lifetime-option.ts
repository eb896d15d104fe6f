import { parseLifetime } from '../../util/duration.js';
import type { OptionSpec } from '../framework/command.js';

/** `--ttl` for deploy and plan (and so deploy --dry-run): checked while parsing, one rule. */
export const ttlOption = {
  type: 'string',
  description: 'Lifetime from 10m to 365d, e.g. 8h, 2d, 1w (recorded as an expiry tag)',
  placeholder: 'DURATION',
  check: (value: string) => {
    parseLifetime(value, '--ttl');
  },
} as const satisfies OptionSpec;

/** `--idle` for deploy and plan: recorded as a build-idle: tag that `reap` applies. */
export const idleOption = {
  type: 'string',
  description: 'Destroy by reap once idle (no requests, GPUs idle) this long, e.g. 2h (recorded as a tag)',
  placeholder: 'DURATION',
  check: (value: string) => {
    parseLifetime(value, '--idle');
  },
} as const satisfies OptionSpec;

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

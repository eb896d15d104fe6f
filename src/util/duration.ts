/**
 * Deployment lifetimes (`deploy --ttl`, a template's `lifetime:`): the one grammar and the one
 * rule, used by the flag parser, the template rules and the planner. Pure.
 *
 * Grammar: one or more `<digits><unit>` with units m, h, d, w (`30m`, `8h`, `2d`, `1w`,
 * `1h30m`), nothing else — no sign, no spaces, no seconds. Rule: at least 10 minutes (`reap`
 * acts on the minute-precision expiry tag, and a lifetime shorter than a deploy makes a
 * deployment that `reap --yes` destroys before anyone used it) and at most 365 days.
 */
import { CliError, UsageError } from '../errors.js';

export const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** The grammar, also the `lifetime` pattern in schema/template.schema.json (a test keeps them equal). */
export const DURATION_PATTERN = '^(?:[0-9]+[mhdw])+$';

export const MIN_LIFETIME_MS = 10 * 60_000;
export const MAX_LIFETIME_MS = 365 * 86_400_000;

const grammar = new RegExp(DURATION_PATTERN);

export type LifetimeCheck =
  | { readonly ms: number }
  | {
      /** Why the text is not a lifetime, e.g. "is shorter than the minimum, 10m". */
      readonly problem: string;
      readonly hint: string;
    };

const exampleHint = 'Write a number and a unit m, h, d or w (combine them as 1h30m), e.g. 8h.';

/** Checks a lifetime: its length in milliseconds, or what is wrong with it. */
export function checkLifetime(text: string): LifetimeCheck {
  const trimmed = text.trim();
  if (/^-\s*\d/.test(trimmed)) return { problem: 'cannot be negative', hint: exampleHint };
  if (/^\+?\d+(\.\d+)?\s*s(ec(ond)?s?)?$/i.test(trimmed)) {
    return { problem: 'is in seconds; the shortest lifetime is 10m', hint: exampleHint };
  }
  if (!grammar.test(trimmed))
    return { problem: 'is not a duration like 30m, 8h, 2d or 1w', hint: exampleHint };
  let ms = 0;
  for (const part of trimmed.matchAll(/(\d+)([mhdw])/g)) {
    ms += Number(part[1]) * DURATION_UNITS_MS[part[2]!]!;
  }
  if (ms < MIN_LIFETIME_MS) {
    return {
      problem: 'is shorter than the minimum, 10m',
      hint: '`reap` destroys an expired deployment at once; give it time to be used, e.g. 1h.',
    };
  }
  if (!Number.isFinite(ms) || ms > MAX_LIFETIME_MS) {
    return {
      problem: 'is longer than the maximum, 365d',
      hint: 'Leave the lifetime out for a deployment that should stay until you destroy it.',
    };
  }
  return { ms };
}

/**
 * A lifetime in milliseconds. `what` names its source in the error: `--ttl` (a usage error,
 * exit 2) or `lifetime` (the template's field, exit 1).
 */
export function parseLifetime(text: string, what: '--ttl' | 'lifetime' | '--idle' | 'lifetime.idle'): number {
  const checked = checkLifetime(text);
  if ('ms' in checked) return checked.ms;
  const message = `${what} '${text}' ${checked.problem}.`;
  throw what.startsWith('--') ? new UsageError(message, checked.hint) : new CliError(message, checked.hint);
}

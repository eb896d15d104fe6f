/**
 * "Did you mean" for capability names and config keys: the CLI's typo rule (util/suggest.ts:
 * a swapped pair of characters, `prot` → `port`, is one edit), plus a name that extends a known
 * one at a `-` (`redis-server` → `redis`), since package names are a common mix-up.
 */
import { closestMatch } from '../util/suggest.js';

export function suggestName(input: string, candidates: readonly string[]): string | undefined {
  const lowered = input.toLowerCase();
  return (
    closestMatch(input, candidates) ??
    candidates.find((candidate) => lowered.startsWith(`${candidate.toLowerCase()}-`))
  );
}

/** " (did you mean 'x'?)" or "". */
export function didYouMeanName(input: string, candidates: readonly string[]): string {
  const match = suggestName(input, candidates);
  return match === undefined ? '' : ` (did you mean '${match}'?)`;
}

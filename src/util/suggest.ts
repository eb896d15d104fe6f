/**
 * Edit distance for "did you mean" suggestions: insertions, deletions, substitutions and swaps
 * of neighbouring letters each count 1 (optimal string alignment), so `lsit` is one edit from
 * `list`: a swap is the most common typo and plain Levenshtein counts it as two.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, beforePrevious[j - 2]! + 1);
      }
      current[j] = best;
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The closest candidate to `input`, if it is close enough to be a plausible typo
 * (distance at most a third of the longer word, and at least 1 allowed for short words).
 */
export function closestMatch(input: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(input.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  const allowed = Math.max(1, Math.floor(Math.max(input.length, best.length) / 3));
  return bestDistance <= allowed ? best : undefined;
}

/**
 * " (did you mean 'x'?)" or "". `show` spells the match the way the user must type it (an
 * option is compared by name but suggested as `--name`).
 */
export function didYouMean(
  input: string,
  candidates: Iterable<string>,
  show: (match: string) => string = (match) => match,
): string {
  const match = closestMatch(input, candidates);
  return match === undefined ? '' : ` (did you mean '${show(match)}'?)`;
}

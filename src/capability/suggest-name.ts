/**
 * "Did you mean" for capability names and config keys. Stricter about what counts as one
 * edit than a plain Levenshtein distance: a swapped pair of characters (`prot` → `port`,
 * `postgresql-61` → `postgresql-16`) is one typo. A name that extends a known one at a `-`
 * (`redis-server` → `redis`) is also suggested, since package names are a common mix-up.
 */

/** Optimal string alignment distance: Levenshtein plus adjacent transpositions. */
export function typoDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

export function suggestName(input: string, candidates: readonly string[]): string | undefined {
  const lowered = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = typoDistance(lowered, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (
    best !== undefined &&
    bestDistance <= Math.max(1, Math.floor(Math.max(input.length, best.length) / 3))
  ) {
    return best;
  }
  return candidates.find((candidate) => lowered.startsWith(`${candidate.toLowerCase()}-`));
}

/** " (did you mean 'x'?)" or "". */
export function didYouMeanName(input: string, candidates: readonly string[]): string {
  const match = suggestName(input, candidates);
  return match === undefined ? '' : ` (did you mean '${match}'?)`;
}

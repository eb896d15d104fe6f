/**
 * Idle policies, pure: the `build-idle:<duration>` tag (written from `deploy --idle` or a
 * template's `idle_lifetime`), and which instances `reap` must ask their watcher about: those
 * with our `build-id:` tag and either that tag or a `reap --idle` threshold.
 */
import type { InstanceFacts, TypePrice } from '../status/merge.js';
import { tagValue } from '../status/merge.js';
import { checkLifetime } from '../util/duration.js';
import { byDeployment, deploymentFacts, type ReapableFacts, type ScaleFacts } from './lifetime.js';

export const IDLE_TAG = 'build-idle';

/** The idle limit recorded in an instance's tags (ms), or undefined if absent or unreadable. */
export function idleLimitFromTags(tags: readonly string[]): number | undefined {
  const value = tagValue(tags, 'idle');
  if (!value) return undefined;
  // Not our own duration: never guess what a hand-written tag meant.
  const checked = checkLifetime(value);
  return 'ms' in checked ? checked.ms : undefined;
}

export interface IdleCandidate extends ReapableFacts {
  /** Idle this long (or longer) and it is destroyed. */
  readonly limitMs: number;
  readonly limitSource: 'flag' | 'tag';
}

/**
 * Instances with our `build-id:` tag and an idle limit: `--idle` (all of them) or their own
 * `build-idle:` tag; with both, the shorter wins (each is a promise to stop paying by then).
 */
export function findIdleCandidates(
  instances: readonly InstanceFacts[],
  types: readonly TypePrice[],
  now: Date,
  flagMs: number | undefined,
  exclude: ReadonlySet<string>,
  scale?: ScaleFacts,
): IdleCandidate[] {
  const candidates: IdleCandidate[] = [];
  for (const [id, group] of byDeployment(instances)) {
    if (exclude.has(id)) continue;
    const instance = group[0]!;
    const tagMs = idleLimitFromTags(instance.tags);
    const limitMs = Math.min(flagMs ?? Number.POSITIVE_INFINITY, tagMs ?? Number.POSITIVE_INFINITY);
    if (!Number.isFinite(limitMs)) continue;
    candidates.push({
      ...deploymentFacts(group, id, types, now, scale),
      limitMs,
      limitSource: tagMs !== undefined && tagMs === limitMs ? 'tag' : 'flag',
    });
  }
  return candidates.sort((a, b) => a.id.localeCompare(b.id));
}

/** What idle hours have cost at an hourly price (undefined without a price). */
export function idleCost(idleMs: number, hourlyPrice: number | undefined): number | undefined {
  if (hourlyPrice === undefined) return undefined;
  return Math.round((idleMs / 3_600_000) * hourlyPrice * 100) / 100;
}

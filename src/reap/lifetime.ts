/**
 * Deployment lifetimes, pure: reading the `build-expires:<UTC minute>` tag, choosing which
 * instances are expired, and the "3h 12m left" / "expired 2h ago" wording that `status` and
 * `reap` share. The clock is always passed in.
 */
import {
  accruedCost,
  deploymentIdOf,
  type InstanceFacts,
  parseApiTime,
  priceOf,
  type TypePrice,
  tagValue,
} from '../status/merge.js';
import { expiryFromTags } from './expiry-tag.js';

export { expiryFromTags };

/** `2d 3h`, `3h 12m`, `12m`, `<1m`: the two largest units, rounded down. */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  if (minutes < 1) return '<1m';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days > 0) return hours > 0 ? `${days}d ${hours}h` : `${days}d`;
  if (hours > 0) return rest > 0 ? `${hours}h ${rest}m` : `${hours}h`;
  return `${rest}m`;
}

/** `3h 12m left`, `expired 2h ago`, or `-` when the deployment has no lifetime. */
export function timeLeftText(expiresAt: string | undefined, now: Date): string {
  if (!expiresAt) return '-';
  const ms = Date.parse(expiresAt);
  if (Number.isNaN(ms)) return '-';
  const left = ms - now.getTime();
  return left > 0 ? `${formatDuration(left)} left` : `expired ${formatDuration(-left)} ago`;
}

export function isExpired(expiresAt: string | undefined, now: Date): boolean {
  if (!expiresAt) return false;
  const ms = Date.parse(expiresAt);
  return !Number.isNaN(ms) && ms <= now.getTime();
}

/** What `reap` shows of a deployment of ours: who it is, where, what it costs. */
export interface ReapableFacts {
  readonly id: string;
  readonly linodeId: number;
  readonly label: string;
  readonly app: string;
  readonly env: string;
  readonly region: string;
  readonly type: string;
  readonly hourlyPrice?: number;
  readonly accruedCost?: number;
}

export interface ExpiredDeployment extends ReapableFacts {
  readonly expiresAt: string;
  readonly expiredForMs: number;
}

export function deploymentFacts(
  instance: InstanceFacts,
  id: string,
  types: readonly TypePrice[],
  now: Date,
): ReapableFacts {
  const type = instance.type ?? 'unknown';
  const price = priceOf(types, type, instance.region);
  const createdMs = parseApiTime(instance.created);
  return {
    id,
    linodeId: instance.id,
    label: instance.label,
    app: tagValue(instance.tags, 'app') ?? 'unknown',
    env: tagValue(instance.tags, 'env') ?? 'unknown',
    region: instance.region,
    type,
    ...(price ? { hourlyPrice: price.hourly } : {}),
    ...(price && !Number.isNaN(createdMs)
      ? { accruedCost: accruedCost(price, createdMs, now.getTime()) }
      : {}),
  };
}

/**
 * The instances `reap` may destroy: those carrying BOTH a `build-id:` and a readable
 * `build-expires:` tag whose time has come. Anything without our tags is never a candidate.
 * Oldest expiry first.
 */
export function findExpired(
  instances: readonly InstanceFacts[],
  types: readonly TypePrice[],
  now: Date,
): ExpiredDeployment[] {
  // One entry per deployment: replicas share its build-id, and their prices add up.
  const byId = new Map<string, ExpiredDeployment>();
  for (const instance of instances) {
    const id = deploymentIdOf(instance);
    const expiresAt = expiryFromTags(instance.tags);
    if (!id || !expiresAt || !isExpired(expiresAt, now)) continue;
    const facts = deploymentFacts(instance, id, types, now);
    const seen = byId.get(id);
    if (seen) {
      byId.set(id, {
        ...seen,
        ...(seen.hourlyPrice !== undefined && facts.hourlyPrice !== undefined
          ? { hourlyPrice: Math.round((seen.hourlyPrice + facts.hourlyPrice) * 10_000) / 10_000 }
          : {}),
        ...(seen.accruedCost !== undefined && facts.accruedCost !== undefined
          ? { accruedCost: Math.round((seen.accruedCost + facts.accruedCost) * 10_000) / 10_000 }
          : {}),
      });
      continue;
    }
    byId.set(id, { ...facts, expiresAt, expiredForMs: now.getTime() - Date.parse(expiresAt) });
  }
  const expired = [...byId.values()];
  return expired.sort((a, b) => a.expiresAt.localeCompare(b.expiresAt) || a.id.localeCompare(b.id));
}

/** What the listed deployments cost per hour together (unknown prices count as 0). */
export function hourlyTotal(deployments: readonly Pick<ExpiredDeployment, 'hourlyPrice'>[]): number {
  return Math.round(deployments.reduce((sum, d) => sum + (d.hourlyPrice ?? 0), 0) * 10_000) / 10_000;
}

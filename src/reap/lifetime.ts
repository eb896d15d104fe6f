/**
 * Deployment lifetimes, pure: reading the `build-expires:<UTC minute>` tag, choosing which
 * instances are expired, and the "3h 12m left" / "expired 2h ago" wording that `status` and
 * `reap` share. The clock is always passed in.
 */

import { replicaIndexOf } from '../plan/scale.js';
import {
  accruedCost,
  deploymentIdOf,
  type InstanceFacts,
  parseApiTime,
  priceOf,
  type TypePrice,
  tagValue,
} from '../status/merge.js';
import { isReplicated, type NodeBalancerFacts, replicatedCost } from '../status/replicas.js';
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
  /** A deployment with replicas: how many instances it has (prices cover them and its NodeBalancer). */
  readonly replicas?: number;
  readonly nodeBalancerId?: number;
}

/** The NodeBalancers of the account and their prices: what a replicated deployment adds. */
export interface ScaleFacts {
  readonly nodeBalancers: readonly NodeBalancerFacts[];
  readonly nodeBalancerTypes: readonly TypePrice[];
}

/** The account's instances with our `build-id:` tag, grouped by deployment (replicas share it). */
export function byDeployment(instances: readonly InstanceFacts[]): Map<string, InstanceFacts[]> {
  const groups = new Map<string, InstanceFacts[]>();
  for (const instance of instances) {
    const id = deploymentIdOf(instance);
    if (id) groups.set(id, [...(groups.get(id) ?? []), instance]);
  }
  for (const group of groups.values())
    group.sort((a, b) => (replicaIndexOf(a.tags) ?? 0) - (replicaIndexOf(b.tags) ?? 0) || a.id - b.id);
  return groups;
}

export interface ExpiredDeployment extends ReapableFacts {
  readonly expiresAt: string;
  readonly expiredForMs: number;
}

/**
 * One deployment's facts from its instances (one, or its replicas in index order). A
 * deployment with replicas is one entry: replica 1 names it, and its price is every replica's
 * plus its NodeBalancer's, so what reap says it saves is what destroying it saves.
 */
export function deploymentFacts(
  instances: readonly InstanceFacts[],
  id: string,
  types: readonly TypePrice[],
  now: Date,
  scale?: ScaleFacts,
): ReapableFacts {
  const instance = instances[0]!;
  if (!isReplicated(undefined, instances) && instances.length === 1)
    return singleFacts(instance, id, types, now);
  const nodeBalancer = scale?.nodeBalancers.find((candidate) => deploymentIdOf(candidate) === id);
  const cost = replicatedCost({
    instances,
    nodeBalancer,
    types,
    nodeBalancerTypes: scale?.nodeBalancerTypes ?? [],
    now,
  });
  const { hourlyPrice: _hourly, accruedCost: _accrued, ...facts } = singleFacts(instance, id, types, now);
  return {
    ...facts,
    ...(cost ? { hourlyPrice: cost.hourly, accruedCost: cost.accrued } : {}),
    replicas: instances.length,
    ...(nodeBalancer ? { nodeBalancerId: nodeBalancer.id } : {}),
  };
}

function singleFacts(
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
  scale?: ScaleFacts,
): ExpiredDeployment[] {
  const expired: ExpiredDeployment[] = [];
  for (const [id, group] of byDeployment(instances)) {
    // Replicas carry the same lifetime; should one differ, the earliest one counts.
    const expiresAt = group
      .map((instance) => expiryFromTags(instance.tags))
      .filter((value): value is string => value !== undefined)
      .sort()[0];
    if (!expiresAt || !isExpired(expiresAt, now)) continue;
    expired.push({
      ...deploymentFacts(group, id, types, now, scale),
      expiresAt,
      expiredForMs: now.getTime() - Date.parse(expiresAt),
    });
  }
  return expired.sort((a, b) => a.expiresAt.localeCompare(b.expiresAt) || a.id.localeCompare(b.id));
}

/** What the listed deployments cost per hour together (unknown prices count as 0). */
export function hourlyTotal(deployments: readonly Pick<ExpiredDeployment, 'hourlyPrice'>[]): number {
  return Math.round(deployments.reduce((sum, d) => sum + (d.hourlyPrice ?? 0), 0) * 10_000) / 10_000;
}

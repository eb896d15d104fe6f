/**
 * Pure merging of the local registry with the instances found by tags into DeploymentViews.
 * No I/O, the clock passed in. Unknown facts stay undefined; nothing is invented (the original
 * printed `http://:None` for deployments it had no local record of).
 */
import { replicaIndexOf } from '../plan/scale.js';
import { expiryFromTags } from '../reap/expiry-tag.js';
import type { DeploymentRecord } from '../state/types.js';
import { appUrl, linodeHostname } from './endpoint.js';
import type { DeploymentView, ReplicaView } from './types.js';

/** The fields of an API instance that status needs (a structural subset of api-v4's Linode). */
export interface InstanceFacts {
  readonly id: number;
  readonly label: string;
  readonly status: string;
  readonly region: string;
  readonly type: string | null;
  readonly ipv4: readonly string[];
  readonly tags: readonly string[];
  readonly created: string;
}

export interface TypePrice {
  readonly id: string;
  readonly price: { readonly hourly: number | null; readonly monthly: number | null };
  readonly region_prices: readonly {
    readonly id: string;
    readonly hourly: number | null;
    readonly monthly: number | null;
  }[];
}

export function tagValue(tags: readonly string[], key: string): string | undefined {
  const prefix = `build-${key}:`;
  return tags.find((tag) => tag.startsWith(prefix))?.slice(prefix.length);
}

export function deploymentIdOf(instance: Pick<InstanceFacts, 'tags'>): string | undefined {
  return tagValue(instance.tags, 'id');
}

/** API timestamps are UTC without a zone designator. */
export function parseApiTime(value: string): number {
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
}

export function priceOf(
  types: readonly TypePrice[],
  typeId: string | undefined,
  region: string | undefined,
): { hourly: number; monthly?: number } | undefined {
  const type = types.find((t) => t.id === typeId);
  if (!type) return undefined;
  const regional = type.region_prices.find((p) => p.id === region);
  const hourly = regional?.hourly ?? type.price.hourly;
  if (hourly === null || hourly === undefined) return undefined;
  const monthly = regional?.monthly ?? type.price.monthly;
  return monthly === null || monthly === undefined ? { hourly } : { hourly, monthly };
}

/**
 * Linode bills each started hour, up to the monthly cap, whether the instance is running or
 * powered off. This estimate caps at one monthly price (it does not know billing-cycle dates).
 */
export function accruedCost(
  price: { hourly: number; monthly?: number },
  createdMs: number,
  nowMs: number,
): number {
  const hours = Math.max(1, Math.ceil((nowMs - createdMs) / 3_600_000));
  const cost = hours * price.hourly;
  return Math.round((price.monthly !== undefined ? Math.min(cost, price.monthly) : cost) * 10_000) / 10_000;
}

export interface MergeInput {
  readonly records: readonly DeploymentRecord[];
  /** Instances carrying a build-id tag (others are ignored). */
  readonly instances: readonly InstanceFacts[];
  readonly types: readonly TypePrice[];
  readonly now: Date;
}

export function mergeDeployments(input: MergeInput): DeploymentView[] {
  const byId = new Map<string, InstanceFacts>();
  const replicasOf = new Map<string, InstanceFacts[]>();
  for (const instance of input.instances) {
    const id = deploymentIdOf(instance);
    if (!id) continue;
    if (!byId.has(id)) byId.set(id, instance);
    if (replicaIndexOf(instance.tags) !== undefined)
      replicasOf.set(id, [...(replicasOf.get(id) ?? []), instance]);
  }
  const views: DeploymentView[] = [];
  const seen = new Set<string>();
  for (const record of input.records) {
    seen.add(record.id);
    const instance = byId.get(record.id);
    views.push(withReplicas(viewOf(record, instance, input), record, replicasOf.get(record.id)));
  }
  for (const [id, instance] of byId) {
    if (!seen.has(id))
      views.push(withReplicas(viewOf(undefined, instance, input), undefined, replicasOf.get(id)));
  }
  return views.sort(
    (a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? '') || a.id.localeCompare(b.id),
  );
}

function viewOf(
  record: DeploymentRecord | undefined,
  instance: InstanceFacts | undefined,
  input: MergeInput,
): DeploymentView {
  const tags = instance?.tags ?? [];
  const id = record?.id ?? deploymentIdOf(instance!)!;
  const region = instance?.region ?? record?.region ?? 'unknown';
  const type = instance?.type ?? record?.type ?? 'unknown';
  const ipv4 = instance?.ipv4[0] ?? record?.ipv4;
  const createdMs = instance
    ? parseApiTime(instance.created)
    : record
      ? Date.parse(record.createdAt)
      : Number.NaN;
  const createdAt = Number.isNaN(createdMs) ? undefined : new Date(createdMs).toISOString();
  const price = priceOf(input.types, type, region);
  const billed = instance !== undefined && price !== undefined && !Number.isNaN(createdMs);
  const url = appUrl(record?.hostname ?? linodeHostname(ipv4), record?.externalPort);
  const expiresAt = expiryFromTags(tags) ?? record?.expiresAt;
  return {
    id,
    app: record?.app ?? tagValue(tags, 'app') ?? 'unknown',
    env: record?.env ?? tagValue(tags, 'env') ?? 'unknown',
    template: record?.template ?? tagValue(tags, 'tmpl') ?? 'unknown',
    region,
    type,
    ...(instance || record?.linodeId !== undefined ? { linodeId: instance?.id ?? record?.linodeId } : {}),
    ...(instance?.label || record?.label ? { label: instance?.label ?? record?.label } : {}),
    instanceStatus: instance ? instance.status : 'missing',
    recordStatus: record ? record.status : 'untracked',
    health: 'not-checked',
    ...(url ? { url } : {}),
    ...(ipv4 ? { ipv4 } : {}),
    ...(createdAt ? { createdAt } : {}),
    ...(price ? { hourlyPrice: price.hourly } : {}),
    ...(billed ? { accruedCost: accruedCost(price, createdMs, input.now.getTime()) } : {}),
    // The tag wins: it is what `reap` acts on, and editing it is how a lifetime is extended.
    ...(expiresAt ? { expiresAt } : {}),
    source: record && instance ? 'both' : record ? 'registry' : 'tags',
  };
}

/**
 * A deployment with replicas is one view: the NodeBalancer's address (from the record), each
 * replica's instance, and the price of all of them (the NodeBalancer's is not in the types list).
 */
function withReplicas(
  view: DeploymentView,
  record: DeploymentRecord | undefined,
  instances: readonly InstanceFacts[] | undefined,
): DeploymentView {
  if (!instances || instances.length === 0) return view;
  const replicas: ReplicaView[] = instances
    .map((instance) => ({
      index: replicaIndexOf(instance.tags) ?? 0,
      linodeId: instance.id,
      instanceStatus: instance.status,
    }))
    .sort((a, b) => a.index - b.index);
  const count = instances.length;
  const scale = (value: number | undefined) =>
    value === undefined ? {} : { value: Math.round(value * count * 10_000) / 10_000 };
  const hourly = scale(view.hourlyPrice).value;
  const accrued = scale(view.accruedCost).value;
  const ipv4 = record?.scale ? record.ipv4 : undefined;
  const url = record?.scale
    ? appUrl(record.hostname ?? linodeHostname(record.ipv4), record.externalPort)
    : undefined;
  return {
    ...view,
    replicas,
    ...(record?.scale?.nodeBalancerId !== undefined ? { nodeBalancerId: record.scale.nodeBalancerId } : {}),
    ...(ipv4 ? { ipv4 } : {}),
    ...(url ? { url } : {}),
    ...(hourly !== undefined ? { hourlyPrice: hourly } : {}),
    ...(accrued !== undefined ? { accruedCost: accrued } : {}),
  };
}

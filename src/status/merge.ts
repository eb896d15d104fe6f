/**
 * Pure merging of the local registry with the instances found by tags into DeploymentViews.
 * No I/O, the clock passed in. Unknown facts stay undefined; nothing is invented (the original
 * printed `http://:None` for deployments it had no local record of).
 */
import { expiryFromTags } from '../reap/expiry-tag.js';
import type { DeploymentRecord } from '../state/types.js';
import { appUrl, linodeHostname } from './endpoint.js';
import { accruedCost, type InstanceFacts, parseApiTime, priceOf, type TypePrice } from './prices.js';
import { replaceView } from './replace.js';
import {
  type BackendFacts,
  isReplicated,
  type NodeBalancerFacts,
  nodeBalancerView,
  overallStatus,
  type PlacementFacts,
  placementView,
  replicatedCost,
  replicaViews,
} from './replicas.js';
import type { DeploymentView } from './types.js';

export { accruedCost, type InstanceFacts, parseApiTime, priceOf, type TypePrice };

export function tagValue(tags: readonly string[], key: string): string | undefined {
  const prefix = `build-${key}:`;
  return tags.find((tag) => tag.startsWith(prefix))?.slice(prefix.length);
}

export function deploymentIdOf(instance: Pick<InstanceFacts, 'tags'>): string | undefined {
  return tagValue(instance.tags, 'id');
}

export interface MergeInput {
  readonly records: readonly DeploymentRecord[];
  /** Instances carrying a build-id tag (others are ignored). */
  readonly instances: readonly InstanceFacts[];
  readonly types: readonly TypePrice[];
  readonly now: Date;
  /** NodeBalancers carrying a build-id tag (read only when some deployment has replicas). */
  readonly nodeBalancers?: readonly NodeBalancerFacts[];
  readonly nodeBalancerTypes?: readonly TypePrice[];
  /** Backends of each detailed deployment's NodeBalancer, by deployment id. */
  readonly backends?: ReadonlyMap<string, readonly BackendFacts[]>;
  /** Placement group of each detailed deployment, by deployment id. */
  readonly placementGroups?: ReadonlyMap<string, PlacementFacts>;
}

export function mergeDeployments(input: MergeInput): DeploymentView[] {
  // A deployment's replicas share its build-id tag: they are grouped into one view.
  const byId = new Map<string, InstanceFacts[]>();
  for (const instance of input.instances) {
    const id = deploymentIdOf(instance);
    if (id) byId.set(id, [...(byId.get(id) ?? []), instance]);
  }
  const viewFor = (record: DeploymentRecord | undefined, id: string) => {
    const instances = byId.get(id) ?? [];
    return isReplicated(record, instances)
      ? replicatedViewOf(record, id, instances, input)
      : viewOf(record, instances[0], input);
  };
  const views: DeploymentView[] = [];
  const seen = new Set<string>();
  for (const record of input.records) {
    seen.add(record.id);
    views.push(viewFor(record, record.id));
  }
  for (const id of byId.keys()) {
    if (!seen.has(id)) views.push(viewFor(undefined, id));
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
 * One view for a deployment with replicas: the record's identity, the NodeBalancer's address
 * and port as its URL, each replica, and the price of all of it.
 */
function replicatedViewOf(
  record: DeploymentRecord | undefined,
  id: string,
  instances: readonly InstanceFacts[],
  input: MergeInput,
): DeploymentView {
  const first = instances[0];
  const base = viewOf(record, first, input);
  const balancer = input.nodeBalancers?.find((candidate) => deploymentIdOf(candidate) === id);
  const replicas = replicaViews({
    id,
    record,
    instances,
    ...(input.backends?.has(id) ? { backends: input.backends.get(id)! } : {}),
  });
  const cost = replicatedCost({
    instances,
    nodeBalancer: balancer,
    types: input.types,
    nodeBalancerTypes: input.nodeBalancerTypes ?? [],
    now: input.now,
  });
  const nodeBalancer = balancer
    ? nodeBalancerView(balancer, record?.externalPort, input.nodeBalancerTypes ?? [])
    : undefined;
  // The service's address is the NodeBalancer's; a replica's own address is not the app's.
  const ipv4 = balancer?.ipv4 ?? record?.ipv4;
  const url = appUrl(record?.hostname ?? balancer?.hostname ?? linodeHostname(ipv4), record?.externalPort);
  const replicaOne = replicas.find((replica) => replica.instanceStatus !== 'missing') ?? replicas[0];
  const {
    hourlyPrice: _hourly,
    accruedCost: _accrued,
    url: _url,
    ipv4: _ipv4,
    linodeId: _linodeId,
    label: _label,
    ...rest
  } = base;
  const linodeId = record?.linodeId ?? replicaOne?.linodeId;
  const unfinishedReplace = replaceView(record, instances);
  const label = record?.label ?? replicaOne?.label;
  return {
    ...rest,
    ...(linodeId !== undefined ? { linodeId } : {}),
    ...(label ? { label } : {}),
    instanceStatus: overallStatus(replicas),
    ...(url ? { url } : {}),
    ...(ipv4 ? { ipv4 } : {}),
    ...(cost ? { hourlyPrice: cost.hourly } : {}),
    ...(cost && instances.length > 0 ? { accruedCost: cost.accrued } : {}),
    replicas,
    ...(nodeBalancer ? { nodeBalancer, nodeBalancerId: nodeBalancer.id } : {}),
    ...(input.placementGroups?.has(id)
      ? { placementGroup: placementView(input.placementGroups.get(id)!) }
      : {}),
    ...(record?.scale?.rollStartedAt ? { unfinishedRollSince: record.scale.rollStartedAt } : {}),
    ...(record?.scale?.rollStartedAt && record.scale.rollStopped
      ? { rollStopped: record.scale.rollStopped }
      : {}),
    ...(unfinishedReplace ? { unfinishedReplace } : {}),
  };
}

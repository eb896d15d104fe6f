/**
 * A deployment with replicas as `status` shows it, pure: its instances (every one carries the
 * deployment's `build-id:` tag, each its own `build-replica:<id>-<k>`), its NodeBalancer (found
 * in the same tag-filtered listing as every other deployment's), and, when they were read, the
 * NodeBalancer's backends with their mode and UP/DOWN. No I/O; the clock is passed in.
 */
import { privateIpv4Of } from '../linode/nodebalancers.js';
import { replicaIndexOf } from '../plan/scale.js';
import type { DeploymentRecord } from '../state/types.js';
import { accruedCost, type InstanceFacts, parseApiTime, priceOf, type TypePrice } from './prices.js';
import type { Health, NodeBalancerView, PlacementGroupView, ReplicaView } from './types.js';

/** The fields of an API NodeBalancer that status needs (a structural subset of api-v4's). */
export interface NodeBalancerFacts {
  readonly id: number;
  readonly label: string;
  readonly region: string;
  readonly hostname: string | null;
  readonly ipv4: string | null;
  readonly tags: readonly string[];
  readonly created: string;
}

/** One backend as the NodeBalancer lists it (`address` is `ip:port`). */
export interface BackendFacts {
  readonly label: string;
  readonly address: string;
  readonly mode: string;
  readonly status: string;
}

/** The fields of an API placement group that status needs (a structural subset of api-v4's). */
export interface PlacementFacts {
  readonly id: number;
  readonly label: string;
  readonly is_compliant: boolean;
  readonly members: readonly { readonly linode_id: number; readonly is_compliant: boolean }[];
}

/** Whether the replicas are spread as asked, and how many share a host when not. */
export function placementView(group: PlacementFacts): PlacementGroupView {
  return {
    id: group.id,
    label: group.label,
    compliant: group.is_compliant,
    sharingHost: group.members.filter((member) => !member.is_compliant).length,
  };
}

/** A deployment is replicated when its record says so or any of its instances is a replica. */
export function isReplicated(
  record: DeploymentRecord | undefined,
  instances: readonly Pick<InstanceFacts, 'tags'>[],
): boolean {
  return (
    record?.scale !== undefined || instances.some((instance) => replicaIndexOf(instance.tags) !== undefined)
  );
}

/**
 * A replica's health is what the NodeBalancer's own check says: it is the only thing that
 * reaches the app port (the replicas' firewall admits it from nowhere else).
 */
export function replicaHealth(instanceStatus: string, backendStatus: string | undefined): Health {
  if (instanceStatus !== 'running') return 'not-checked';
  if (backendStatus === 'UP') return 'healthy';
  if (backendStatus === 'DOWN') return 'unhealthy';
  return 'unknown';
}

export interface ReplicasInput {
  readonly id: string;
  readonly record: DeploymentRecord | undefined;
  readonly instances: readonly InstanceFacts[];
  /** Backends of its NodeBalancer, when read (status ID); undefined in a listing. */
  readonly backends?: readonly BackendFacts[];
}

/**
 * Every replica the record or the tags know, by index. A recorded replica whose instance is
 * gone is `missing`; an instance without a replica tag (never made by deploy) gets index 0.
 */
export function replicaViews(input: ReplicasInput): ReplicaView[] {
  const byIndex = new Map<number, ReplicaView>();
  const backendOf = (label: string, privateIpv4: string | undefined) =>
    input.backends?.find(
      (backend) =>
        backend.label === label ||
        (privateIpv4 !== undefined && backend.address.split(':')[0] === privateIpv4),
    );
  for (const instance of input.instances) {
    const index = replicaIndexOf(instance.tags) ?? 0;
    // Instances without a replica tag (a replica's new instance during deploy --replace) are
    // each listed, never folded into one another: every billed instance shows.
    const key = index > 0 ? index : -instance.id;
    const privateIpv4 = privateIpv4Of(instance);
    const publicIpv4 = instance.ipv4.find((address) => address !== privateIpv4);
    const backend = backendOf(`${input.id}-r${index}`, privateIpv4);
    byIndex.set(key, {
      index,
      label: instance.label,
      linodeId: instance.id,
      instanceStatus: instance.status,
      ...(publicIpv4 ? { ipv4: publicIpv4 } : {}),
      ...(privateIpv4 ? { privateIpv4 } : {}),
      ...(input.backends ? { health: replicaHealth(instance.status, backend?.status) } : {}),
      ...(backend ? { backend: { mode: backend.mode, status: backend.status } } : {}),
    });
  }
  for (const member of input.record?.scale?.members ?? []) {
    if (byIndex.has(member.index)) continue;
    byIndex.set(member.index, {
      index: member.index,
      label: `replica ${member.index}`,
      linodeId: member.linodeId,
      instanceStatus: 'missing',
      ...(member.ipv4 ? { ipv4: member.ipv4 } : {}),
      ...(member.privateIpv4 ? { privateIpv4: member.privateIpv4 } : {}),
      ...(input.backends ? { health: 'not-checked' as const } : {}),
    });
  }
  return [...byIndex.values()].sort((a, b) => a.index - b.index || a.linodeId - b.linodeId);
}

/** The deployment's instance status in one word: the replicas' when they agree, else the first that differs from running. */
export function overallStatus(replicas: readonly ReplicaView[]): string {
  if (replicas.length === 0) return 'missing';
  return replicas.find((replica) => replica.instanceStatus !== 'running')?.instanceStatus ?? 'running';
}

export function nodeBalancerView(
  balancer: NodeBalancerFacts,
  port: number | undefined,
  types: readonly TypePrice[],
): NodeBalancerView {
  const price = priceOf(types, 'nodebalancer', balancer.region);
  return {
    id: balancer.id,
    label: balancer.label,
    ...(balancer.hostname ? { hostname: balancer.hostname } : {}),
    ...(balancer.ipv4 ? { ipv4: balancer.ipv4 } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(price ? { hourlyPrice: price.hourly } : {}),
  };
}

/**
 * What the whole deployment costs: every replica's plan plus the NodeBalancer, each from its
 * own creation time (a replica added by a scale-up started billing later). Undefined when any
 * price is unknown: a partial sum would understate it.
 */
export function replicatedCost(input: {
  readonly instances: readonly InstanceFacts[];
  readonly nodeBalancer: NodeBalancerFacts | undefined;
  readonly types: readonly TypePrice[];
  readonly nodeBalancerTypes: readonly TypePrice[];
  readonly now: Date;
}): { hourly: number; accrued: number } | undefined {
  const billed: { price: { hourly: number; monthly?: number }; created: string }[] = [];
  for (const instance of input.instances) {
    const price = priceOf(input.types, instance.type ?? undefined, instance.region);
    if (!price) return undefined;
    billed.push({ price, created: instance.created });
  }
  if (input.nodeBalancer) {
    const price = priceOf(input.nodeBalancerTypes, 'nodebalancer', input.nodeBalancer.region);
    if (!price) return undefined;
    billed.push({ price, created: input.nodeBalancer.created });
  }
  if (billed.length === 0) return undefined;
  let hourly = 0;
  let accrued = 0;
  for (const item of billed) {
    hourly += item.price.hourly;
    const created = parseApiTime(item.created);
    if (!Number.isNaN(created)) accrued += accruedCost(item.price, created, input.now.getTime());
  }
  const round = (value: number) => Math.round(value * 10_000) / 10_000;
  return { hourly: round(hourly), accrued: round(accrued) };
}

/** `3/3 running`, `2/3 running`: the listing's one-row summary of the replicas. */
export function replicaCountText(replicas: readonly ReplicaView[]): string {
  const members = replicas.filter((replica) => replica.index > 0);
  const up = members.filter((replica) => replica.backend?.status === 'UP').length;
  const known = replicas.some((replica) => replica.backend !== undefined);
  const running = replicaRunningText(replicas);
  return known ? `${running}, ${up}/${members.length} UP` : running;
}

/**
 * `2/3 running`: how many replicas' instances run (the dashboard's narrow status cell). An
 * instance without a replica number (a replica's new instance while deploy --replace brings it
 * in) is not one of the replicas: it is counted apart, `3/3 running +1 new`, so the replica
 * count stays true and the extra billed instance still shows.
 */
export function replicaRunningText(replicas: readonly ReplicaView[], showExtra = true): string {
  const members = replicas.filter((replica) => replica.index > 0);
  const running = members.filter((replica) => replica.instanceStatus === 'running').length;
  const extra = replicas.length - members.length;
  return `${running}/${members.length} running${showExtra && extra > 0 ? ` +${extra} new` : ''}`;
}

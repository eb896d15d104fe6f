/**
 * Creating a deployment of several replicas behind a NodeBalancer (the `create` branch of
 * runDeployment when the plan has more than one replica). The order keeps track of everything
 * billed, as for a single instance (create.ts): the registry record first, then the firewalls,
 * the NodeBalancer and the replicas (each found again by its unique label or tag when a run is
 * resumed), every id recorded as soon as it is known.
 *
 * A replica becomes a backend in two moves: as soon as it has its private address it is added
 * to the NodeBalancer in mode `reject` (no traffic, but the NodeBalancer checks it), and once
 * it runs and the NodeBalancer's own health check on the template's path passes, its mode
 * becomes `accept`. The NodeBalancer is the one place that reaches the app port (the
 * replicas' firewall admits it from nowhere else), so its check is the health that counts.
 */
import { CliError } from '../errors.js';
import type { Instance, LinodeClient } from '../linode/client.js';
import { type NodeBalancerNode, privateIpv4Of } from '../linode/nodebalancers.js';
import { type ReplicaPlan, replicaTag, type ScalePlan } from '../plan/scale.js';
import type { DeployPlan } from '../plan/types.js';
import { upsertDeployment } from '../state/registry.js';
import { writeSecret } from '../state/secrets.js';
import type { DeploymentRecord, ReplicaMember, ScaleState } from '../state/types.js';
import type { BootStepFailure } from './boot-watch.js';
import { type CreateInput, initialRecord, recordInProject } from './create.js';
import { httpCheckOf } from './nodebalancer-config.js';
import { WaitFailure } from './wait.js';

/** Replicas created or waited for at once: enough to overlap boots, few enough for API limits. */
export const REPLICA_CONCURRENCY = 4;

export interface ReplicaProgress {
  /** A line about one replica (`replica 2/3: running`), or about the deployment. */
  readonly step: (text: string) => void;
}

export interface ReplicatedInput extends CreateInput {
  readonly scale: ScalePlan;
  /** Make the anti-affinity placement group (the region has them and room for every replica). */
  readonly placementGroup: boolean;
  /** Replicas numbered above this are created outside the group (it is full); default: none. */
  readonly groupedUpTo?: number;
  /** Scaling up: the deployment's record, whose existing replicas stay as they are. */
  readonly base?: DeploymentRecord;
}

/** What waiting for backends needs: the NodeBalancer's nodes and a deadline. */
export interface BackendWait {
  readonly client: LinodeClient;
  readonly scale: ScalePlan;
  readonly deploymentId: string;
  readonly nodeBalancerId: number;
  readonly configId: number;
  readonly progress: (text: string) => void;
  readonly pollMs: number;
  /** Epoch ms after which waiting fails. */
  readonly deadline: number;
  readonly nowMs: () => number;
  /** Told when a replica takes traffic (its boot watch can end). */
  readonly onAccepted?: (index: number) => void;
  /** Replicas whose boot failed (`deploy --wait`): not waited for; the wait fails once the rest serve. */
  readonly bootFailures?: ReadonlyMap<number, BootStepFailure>;
}

export interface Replicated {
  readonly record: DeploymentRecord;
  readonly instances: readonly Instance[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work` over `items`, at most `limit` at a time; the first failure is thrown after all settle. */
export async function boundedAll<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}

/** One change of the record at a time (replicas finish in any order). */
export function recordKeeper(
  input: Pick<ReplicatedInput, 'env' | 'now' | 'onRecord'>,
  start: DeploymentRecord,
) {
  let current = start;
  let queue = Promise.resolve();
  return {
    get: () => current,
    update(change: (record: DeploymentRecord) => DeploymentRecord): Promise<DeploymentRecord> {
      const done = queue.then(async () => {
        current = { ...change(current), updatedAt: input.now().toISOString() };
        await upsertDeployment(input.env, current);
        input.onRecord?.(current);
        return current;
      });
      queue = done.then(
        () => undefined,
        () => undefined,
      );
      return done;
    },
  };
}

export function withScale(
  record: DeploymentRecord,
  change: (scale: ScaleState) => ScaleState,
): DeploymentRecord {
  const scale = record.scale ?? { replicas: 0, members: [] };
  return { ...record, scale: change(scale) };
}

function withMember(scale: ScaleState, member: ReplicaMember): ScaleState {
  const members = [...scale.members.filter((existing) => existing.index !== member.index), member];
  return { ...scale, members: members.sort((a, b) => a.index - b.index) };
}

async function firewallFor(
  client: LinodeClient,
  body: DeployPlan['firewall'],
  progress: (text: string) => void,
): Promise<number> {
  const existing = await client.firewallByLabel(body.label);
  if (existing) {
    progress(`Reusing firewall ${body.label} (${existing.id}) from the interrupted deploy`);
    return existing.id;
  }
  progress(`Creating firewall ${body.label}`);
  return (await client.createFirewall(body)).id;
}

export async function createReplicated(input: ReplicatedInput): Promise<Replicated> {
  const { env, client, plan, scale, progress } = input;
  const id = plan.context.deploymentId;
  const total = scale.replicas;
  // Scaling up keeps the deployment's record (its creation time counts for lifetimes).
  const keeper = recordKeeper(
    input,
    input.base?.scale
      ? { ...input.base, scale: { ...input.base.scale, replicas: total } }
      : { ...initialRecord(input, input.now()), scale: { replicas: total, members: [] } },
  );
  await upsertDeployment(env, keeper.get());
  for (const [name, value] of Object.entries(input.secrets)) await writeSecret(env, id, name, value);
  input.onRecord?.(keeper.get());

  const replicaFirewallId = await firewallFor(client, scale.replicaFirewall, progress);
  const nodeBalancerFirewallId = await firewallFor(client, scale.nodeBalancerFirewall, progress);
  await keeper.update((record) => ({
    ...withScale(record, (state) => ({ ...state, nodeBalancerFirewallId })),
    firewallId: replicaFirewallId,
  }));

  let placementGroupId: number | undefined;
  if (input.placementGroup) {
    const { label, region } = scale.placementGroup;
    const existing = await client.placementGroups.byLabel(label);
    if (existing) progress(`Reusing placement group ${label} (${existing.id})`);
    else progress(`Creating placement group ${label} (anti-affinity: replicas on different hosts)`);
    placementGroupId = (
      existing ??
      (await client.placementGroups.createAntiAffinity({
        label,
        region,
        policy: scale.placementGroup.placement_group_policy,
      }))
    ).id;
    const id = placementGroupId;
    await keeper.update((record) => withScale(record, (state) => ({ ...state, placementGroupId: id })));
  }

  let nodeBalancer = await client.nodeBalancers.byLabel(scale.nodeBalancer.label);
  if (nodeBalancer) progress(`Reusing NodeBalancer ${nodeBalancer.label} (${nodeBalancer.id})`);
  else {
    progress(`Creating NodeBalancer ${scale.nodeBalancer.label} (port ${scale.nodeBalancerConfig.port})`);
    nodeBalancer = await client.nodeBalancers.create({
      label: scale.nodeBalancer.label,
      region: scale.nodeBalancer.region,
      tags: scale.nodeBalancer.tags,
      firewallId: nodeBalancerFirewallId,
      configs: [],
    });
  }
  const nodeBalancerId = nodeBalancer.id;
  await keeper.update((record) => ({
    ...withScale(record, (state) => ({ ...state, nodeBalancerId })),
    ipv4: nodeBalancer.ipv4,
    hostname: nodeBalancer.hostname,
  }));

  // Backends join one at a time: the first creates the port config (it needs a node).
  let registering = Promise.resolve();
  const register = (replica: ReplicaPlan, address: string) => {
    const done = registering.then(() => registerBackend(input, keeper, nodeBalancerId, replica, address));
    registering = done.then(
      () => undefined,
      () => undefined,
    );
    return done;
  };

  const label = (replica: ReplicaPlan) => `replica ${replica.index}/${total}`;
  const instances = await boundedAll(scale.instances, REPLICA_CONCURRENCY, async (replica) => {
    const tag = replicaTag(id, replica.index);
    let instance = (await client.instancesWithTag(tag))[0];
    if (instance) progress(`${label(replica)}: reusing instance ${instance.id}`);
    else {
      progress(`${label(replica)}: creating ${replica.instance.label}`);
      instance = await client.createInstance(
        {
          ...replica.instance,
          firewall_id: replicaFirewallId,
          ...(placementGroupId !== undefined && replica.index <= (input.groupedUpTo ?? total)
            ? { placement_group: { id: placementGroupId } }
            : {}),
        },
        tag,
      );
    }
    const privateIpv4 = privateIpv4Of(instance);
    const member: ReplicaMember = {
      index: replica.index,
      linodeId: instance.id,
      ...(instance.ipv4[0] ? { ipv4: instance.ipv4[0] } : {}),
      ...(privateIpv4 ? { privateIpv4 } : {}),
    };
    await keeper.update((record) => ({
      ...withScale(record, (state) => withMember(state, member)),
      ...(replica.index === 1 ? { linodeId: instance.id } : {}),
    }));
    if (!privateIpv4) {
      throw new CliError(
        `${label(replica)} (Linode ${instance.id}) has no private IPv4 address, so the NodeBalancer cannot reach it.`,
        `Run 'linode-build deploy' again; if it persists, 'linode-build destroy ${id}' removes everything.`,
      );
    }
    await register(replica, privateIpv4);
    progress(`${label(replica)}: Linode ${instance.id} added to the NodeBalancer (no traffic until healthy)`);
    return instance;
  });

  // Active: everything billed exists and is recorded. Backends still `reject` are switched to
  // `accept` by acceptWhenHealthy, here or by the next deploy (which checks before "up to date").
  const record = await keeper.update((current) => ({ ...current, status: 'active' }));
  if (input.recordInProject) await recordInProject(input.projectDir, record);
  return { record, instances };
}

async function registerBackend(
  input: ReplicatedInput,
  keeper: ReturnType<typeof recordKeeper>,
  nodeBalancerId: number,
  replica: ReplicaPlan,
  address: string,
): Promise<void> {
  const { client, scale } = input;
  const config = scale.nodeBalancerConfig;
  const backend = {
    label: replica.nodeLabel,
    address,
    port: replica.backendPort,
    mode: 'reject' as const,
  };
  const configId =
    keeper.get().scale?.configId ??
    (await client.nodeBalancers.configs(nodeBalancerId)).find((existing) => existing.port === config.port)
      ?.id;
  if (configId === undefined) {
    const created = await client.nodeBalancers.createConfig(nodeBalancerId, {
      port: config.port,
      protocol: config.protocol,
      algorithm: config.algorithm,
      check: httpCheckOf(config),
      backends: [backend],
    });
    await keeper.update((record) => withScale(record, (state) => ({ ...state, configId: created.id })));
    return;
  }
  await keeper.update((record) => withScale(record, (state) => ({ ...state, configId })));
  const wire = `${address}:${replica.backendPort}`;
  const existing = (await client.nodeBalancers.nodes(nodeBalancerId, configId)).find(
    (node) => node.address === wire,
  );
  if (!existing) await client.nodeBalancers.addNode(nodeBalancerId, configId, backend);
}

/**
 * Every replica UP in the NodeBalancer's own check (which fails while the instance boots), each
 * switched to `accept` as soon as it is: one listing of the backends per poll, whatever the
 * number of replicas. Returns how many accept traffic.
 */
export async function acceptWhenHealthy(wait: BackendWait): Promise<number> {
  const { client, scale, progress, nodeBalancerId, configId } = wait;
  const labels = new Map(scale.instances.map((replica) => [replica.nodeLabel, replica.index]));
  const accepted = new Set<number>();
  const seen = new Map<number, string>();
  const of = (index: number) => `replica ${index}/${scale.replicas}`;
  for (;;) {
    const nodes: NodeBalancerNode[] = await client.nodeBalancers.nodes(nodeBalancerId, configId);
    for (const node of nodes) {
      const index = labels.get(node.label);
      if (index === undefined || accepted.has(index)) continue;
      if (node.status === 'UP') {
        if (node.mode !== 'accept')
          await client.nodeBalancers.setNodeMode(nodeBalancerId, configId, node, 'accept');
        accepted.add(index);
        wait.onAccepted?.(index);
        progress(`${of(index)}: healthy, accepting traffic (${accepted.size}/${scale.replicas})`);
      } else if (seen.get(index) !== node.status) {
        seen.set(index, node.status);
        progress(
          `${of(index)}: health starting (the NodeBalancer's check on ${scale.nodeBalancerConfig.check_path}: ${node.status})`,
        );
      }
    }
    if (accepted.size >= scale.replicas) return accepted.size;
    failIfBootsFailed(wait, accepted);
    if (wait.nowMs() > wait.deadline) {
      const waiting = scale.instances
        .filter((replica) => !accepted.has(replica.index))
        .map((replica) => replica.index);
      throw new CliError(
        `replica${waiting.length > 1 ? 's' : ''} ${waiting.join(', ')} did not pass the NodeBalancer's health check on ${scale.nodeBalancerConfig.check_path} in time; ${accepted.size} of ${scale.replicas} serve.`,
        `Look at one with 'linode-build logs ${wait.deploymentId} --boot'; run 'linode-build deploy' again to keep waiting, or 'linode-build destroy ${wait.deploymentId}' to remove everything.`,
      );
    }
    await sleep(wait.pollMs);
  }
}

/** Every replica serves or failed its boot, and some did: the wait ends with the first failure. */
function failIfBootsFailed(wait: BackendWait, accepted: ReadonlySet<number>): void {
  const failed = [...(wait.bootFailures ?? new Map<number, BootStepFailure>())]
    .filter(([index]) => !accepted.has(index))
    .sort(([a], [b]) => a - b);
  const [first] = failed;
  if (!first || accepted.size + failed.length < wait.scale.replicas) return;
  const [index, failure] = first;
  const others = failed.slice(1).map(([other]) => other);
  throw new WaitFailure(
    `replica ${index}/${wait.scale.replicas}: ${failure.message}${others.length > 0 ? ` The boot of replica${others.length > 1 ? 's' : ''} ${others.join(', ')} failed too.` : ''} ${accepted.size} of ${wait.scale.replicas} serve.`,
    `See its boot with 'linode-build logs ${wait.deploymentId} --replica ${index} --boot'; fix deploy.yml and run 'linode-build deploy' again, or 'linode-build destroy ${wait.deploymentId}' to remove everything.`,
    failure.lastLines,
  );
}

/** How long a drained backend keeps its open connections before its instance goes. */
export function drainSeconds(env: NodeJS.ProcessEnv): number {
  const value = Number(env.LINODE_BUILD_DRAIN_SECONDS);
  return env.LINODE_BUILD_DRAIN_SECONDS && Number.isFinite(value) && value >= 0 ? value : 30;
}

export interface ScaleDownInput {
  readonly env: NodeJS.ProcessEnv;
  readonly client: LinodeClient;
  readonly record: DeploymentRecord;
  /** Replicas to keep: indexes 1..keep stay, the rest go (highest first). */
  readonly keep: number;
  readonly progress: (text: string) => void;
  readonly pollMs: number;
  readonly onRecord?: (record: DeploymentRecord) => void;
}

/**
 * Scale down: each surplus backend is drained (no new connections; open ones finish), given
 * the drain time, removed from the NodeBalancer, and only then its instance deleted; the
 * record drops it once the API says it is gone. The replicas that stay keep serving throughout.
 */
export async function scaleDown(input: ScaleDownInput): Promise<DeploymentRecord> {
  const { client, progress } = input;
  const state = input.record.scale;
  if (!state) return input.record;
  const surplus = state.members
    .filter((member) => member.index > input.keep)
    .sort((a, b) => b.index - a.index);
  let record: DeploymentRecord = { ...input.record, scale: { ...state, replicas: input.keep } };
  await upsertDeployment(input.env, record);
  const { nodeBalancerId, configId } = state;
  if (nodeBalancerId !== undefined && configId !== undefined && surplus.length > 0) {
    const labels = new Set(surplus.map((member) => `${record.id}-r${member.index}`));
    const nodes = (await client.nodeBalancers.nodes(nodeBalancerId, configId)).filter((node) =>
      labels.has(node.label),
    );
    for (const node of nodes) {
      if (node.mode !== 'drain')
        await client.nodeBalancers.setNodeMode(nodeBalancerId, configId, node, 'drain');
    }
    if (nodes.length > 0) {
      const seconds = drainSeconds(input.env);
      progress(
        `Draining ${nodes.length} backend${nodes.length > 1 ? 's' : ''} for ${seconds}s (no new connections)`,
      );
      await sleep(seconds * 1000);
      for (const node of nodes) await client.nodeBalancers.deleteNode(nodeBalancerId, configId, node.id);
    }
  }
  for (const member of surplus) {
    progress(`replica ${member.index}: deleting Linode ${member.linodeId}`);
    await client.deleteInstance(member.linodeId);
  }
  for (const member of surplus) {
    while (await client.getInstance(member.linodeId)) await sleep(input.pollMs);
    record = {
      ...record,
      scale: {
        ...record.scale!,
        members: record.scale!.members.filter((kept) => kept.index !== member.index),
      },
      updatedAt: new Date().toISOString(),
    };
    await upsertDeployment(input.env, record);
    input.onRecord?.(record);
    progress(`replica ${member.index}: Linode ${member.linodeId} is gone`);
  }
  return record;
}

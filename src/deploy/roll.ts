/**
 * Rolling an app- or API-level change over a deployment's replicas. API-level changes (the
 * firewalls' rules, tags) go through the API at once: nothing restarts. App-level changes go
 * replica by replica (or `--max-unavailable` at a time): drain its backend → the same in-place
 * update as a single instance (over SSH, health-gated on the instance, rolled back there when
 * the new version is not healthy) → its backend registered anew, so that only checks of the
 * updated app count → the NodeBalancer's check UP → accept. So at most max-unavailable
 * backends are ever out of rotation.
 *
 * A replica whose new version is not healthy stops the roll: the instance has put itself back
 * on the previous version, its backend returns to rotation once UP, and deploy exits 1 naming
 * the replicas that run the new version. The record keeps the previous fingerprint, so the
 * next deploy rolls again (the update is idempotent).
 */
import { CliError } from '../errors.js';
import { type NodeBalancerNode, splitNodeAddress } from '../linode/nodebalancers.js';
import type { ScalePlan } from '../plan/scale.js';
import { replicaHostKeyId } from '../ssh/replica.js';
import { upsertDeployment } from '../state/registry.js';
import type { DeploymentRecord, ReplicaMember, RollStop } from '../state/types.js';
import { pollInterval } from '../util/poll.js';
import { recordConverged, refuseUnupdatable, runAppUpdate } from './app-update.js';
import { relaxCheck, restoreCheck, rollRelaxesCheck } from './nodebalancer-config.js';
import type { PreparedPlan } from './prepare.js';
import { boundedAll, drainSeconds } from './replicas.js';
import { confirmOrCancel, type DeployOutcome, type Run } from './run-context.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Firewall rules and tags of every resource of the deployment, through the API. */
export async function applyApiChanges(
  run: Run,
  prepared: PreparedPlan,
  record: DeploymentRecord,
  scale: ScalePlan,
) {
  const { client } = run;
  const fields = new Set((prepared.changes ?? []).map((change) => change.field));
  const state = record.scale;
  if (fields.has('firewall')) {
    for (const body of [scale.replicaFirewall, scale.nodeBalancerFirewall]) {
      const firewall = await client.firewallByLabel(body.label);
      if (!firewall) {
        throw new CliError(
          `the firewall ${body.label} of ${record.id} was not found.`,
          `It was deleted outside linode-build; 'linode-build destroy ${record.id}' and deploy again rebuild it.`,
        );
      }
      run.step(`Updating the rules of firewall ${firewall.id}`);
      await client.updateFirewallRules(firewall.id, body.rules);
    }
  }
  if (fields.has('tags') && state) {
    for (const member of state.members) {
      const replica = scale.instances.find((item) => item.index === member.index);
      if (!replica) continue;
      run.step(`Updating the tags of replica ${member.index} (Linode ${member.linodeId})`);
      await client.updateInstanceTags(member.linodeId, replica.instance.tags);
    }
    if (state.nodeBalancerId !== undefined)
      await client.nodeBalancers.updateTags(state.nodeBalancerId, scale.nodeBalancer.tags);
  }
}

export interface RollOptions {
  /** The user already agreed (a scale and a roll in one deploy ask once, together). */
  readonly confirmed?: boolean;
  /** Roll only these replicas (replicas just added by a scale-up already run the new version). */
  readonly only?: (member: ReplicaMember) => boolean;
}

/**
 * How many replicas a roll takes out of rotation at once: --max-unavailable, at least 1, and
 * one always keeps serving (more than replicas − 1 at a time would empty the NodeBalancer).
 */
export function rollBatch(run: Run, replicas: number): number {
  return Math.max(1, Math.min(run.request.maxUnavailable ?? 1, replicas - 1));
}

export async function rollReplicas(
  run: Run,
  prepared: PreparedPlan,
  existing: DeploymentRecord,
  scale: ScalePlan,
  options: RollOptions = {},
): Promise<DeployOutcome> {
  const state = existing.scale;
  const changes = prepared.changes ?? [];
  const app = prepared.action === 'app';
  if (app) refuseUnupdatable(prepared, existing);
  const asked = run.request.maxUnavailable ?? 1;
  const maxUnavailable = rollBatch(run, scale.replicas);
  if (app && asked > maxUnavailable) {
    run.step(
      `--max-unavailable ${asked} with ${scale.replicas} replicas: ${maxUnavailable} at a time, so one keeps serving`,
    );
  }
  const relaxed = rollRelaxesCheck(changes, existing);
  if (!options.confirmed) {
    const check = relaxed
      ? ` The NodeBalancer checks only connections during the roll, then GET ${scale.nodeBalancerConfig.check_path}.`
      : '';
    await confirmOrCancel(
      run,
      app
        ? `Roll the change over ${existing.id}'s ${scale.replicas} replicas, ${maxUnavailable} at a time (each drained, updated in place, back in rotation once healthy)?${check}`
        : `Update ${existing.id} (${changes.map((change) => change.field).join(', ')})?`,
      `update deployment ${existing.id}`,
    );
  }
  await applyApiChanges(run, prepared, existing, scale);
  if (app && state) {
    const { nodeBalancerId, configId } = state;
    if (nodeBalancerId === undefined || configId === undefined) {
      throw new CliError(
        `${existing.id} has no NodeBalancer recorded.`,
        `Run 'linode-build deploy' again to finish creating it.`,
      );
    }
    run.hooks.onEvent({
      kind: 'stage',
      id: 'update',
      label: `Rolling the update over ${scale.replicas} replicas`,
    });
    // Marked before the first drain: a roll killed part-way is visible in `status`. A new
    // roll forgets where the previous one stopped.
    const { rollStopped: _previous, ...unmarked } = state;
    let rolling: DeploymentRecord = {
      ...existing,
      scale: { ...unmarked, rollStartedAt: new Date(run.now()).toISOString() },
    };
    await upsertDeployment(run.request.env, rolling);
    // Old and new versions may answer different health checks: the NodeBalancer checks only
    // connections until every replica runs the new one.
    if (relaxed) rolling = await relaxCheck(run, rolling, scale, nodeBalancerId, configId);
    const rolled = options.only ? state.members.filter(options.only) : state.members;
    const members = await rollOrder(run, existing.id, rolled, nodeBalancerId, configId);
    const done: number[] = [];
    let stop: Omit<RollStop, 'at' | 'updated'> | undefined;
    try {
      for (let start = 0; start < members.length; start += maxUnavailable) {
        const batch = members.slice(start, start + maxUnavailable);
        await boundedAll(batch, maxUnavailable, async (member) => {
          try {
            await rollOne(run, prepared, existing, scale, member, nodeBalancerId, configId, done);
          } catch (error) {
            stop ??= { replica: member.index, reason: stopReason(error) };
            throw error;
          }
          done.push(member.index);
        });
      }
    } catch (error) {
      // Stopped here, not cut short: `status` says where and why (the mark stays, so the next
      // deploy still rolls every replica again).
      if (stop)
        await recordStop(run, rolling, { ...stop, at: new Date(run.now()).toISOString(), updated: done });
      throw error;
    }
  }
  // Also without a roll: an API-level deploy after a stopped one must not leave the relaxed check.
  if (relaxed && state?.nodeBalancerId !== undefined && state.configId !== undefined)
    await restoreCheck(run, scale, state.nodeBalancerId, state.configId);
  const record = await recordConverged(run, prepared, existing);
  return { result: 'updated', prepared, record, changes };
}

/** A roll stopped by a replica: the short reason `status` gives. */
class RollStopped extends CliError {
  constructor(
    message: string,
    hint: string,
    readonly reason: string,
  ) {
    super(message, hint);
  }
}

function stopReason(error: unknown): string {
  if (error instanceof RollStopped) return error.reason;
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split('\n')[0]!;
  return first.length > 80 ? `${first.slice(0, 77)}...` : first;
}

async function recordStop(run: Run, rolling: DeploymentRecord, stop: RollStop): Promise<void> {
  if (!rolling.scale) return;
  const updated = [...stop.updated].sort((a, b) => a - b);
  await upsertDeployment(run.request.env, {
    ...rolling,
    scale: { ...rolling.scale, rollStopped: { ...stop, updated } },
    updatedAt: stop.at,
  });
}

/**
 * Replicas whose backend is out of rotation first (left drained by a roll that was killed or
 * stopped): finishing them before draining another keeps at most max-unavailable backends out.
 */
async function rollOrder(
  run: Run,
  id: string,
  members: readonly ReplicaMember[],
  nodeBalancerId: number,
  configId: number,
): Promise<ReplicaMember[]> {
  const nodes = await run.client.nodeBalancers.nodes(nodeBalancerId, configId);
  // No backend at all: a roll killed between removing and re-adding it (freshBackend).
  const outOfRotation = (member: ReplicaMember) =>
    !nodes.some((node) => node.label === replicaHostKeyId(id, member.index) && node.mode === 'accept');
  const ordered = [...members].sort(
    (a, b) => Number(outOfRotation(b)) - Number(outOfRotation(a)) || a.index - b.index,
  );
  const left = ordered.filter(outOfRotation).map((member) => member.index);
  if (left.length > 0) {
    run.step(
      `Replica${left.length > 1 ? 's' : ''} ${left.join(', ')} left out of rotation by an unfinished roll: updated first`,
    );
  }
  return ordered;
}

/** The replica's backend, found by its label; `orRegister` adds it (drained) when it is missing. */
async function nodeOf(
  run: Run,
  nodeBalancerId: number,
  configId: number,
  label: string,
  orRegister?: { readonly address?: string | undefined; readonly port?: number | undefined },
): Promise<NodeBalancerNode> {
  const node = (await run.client.nodeBalancers.nodes(nodeBalancerId, configId)).find(
    (item) => item.label === label,
  );
  if (node) return node;
  // A roll killed between removing and re-adding it (freshBackend) leaves no backend.
  if (orRegister?.address && orRegister.port !== undefined) {
    const { address, port } = orRegister;
    return run.client.nodeBalancers.addNode(nodeBalancerId, configId, {
      label,
      address,
      port,
      mode: 'drain',
    });
  }
  throw new CliError(
    `the NodeBalancer of this deployment has no backend ${label}.`,
    "Run 'linode-build deploy' with the same replicas to register it again.",
  );
}

/**
 * The backend registered anew after the update, so its status comes from checks of the updated
 * app only. A NodeBalancer reports a node UP until check_attempts checks in a row have failed:
 * the node kept through the update would still read UP, from before, when the new version fails
 * the NodeBalancer's check (an app answering on the instance but not on its private address).
 * A node added now is `unknown` until its first check. Added in `drain` mode (no traffic): it
 * joins the rotation in backInRotation.
 */
async function freshBackend(run: Run, nodeBalancerId: number, configId: number, node: NodeBalancerNode) {
  await run.client.nodeBalancers.deleteNode(nodeBalancerId, configId, node.id);
  const { address, port } = splitNodeAddress(node.address);
  await run.client.nodeBalancers.addNode(nodeBalancerId, configId, {
    label: node.label,
    address,
    port,
    mode: 'drain',
    weight: node.weight,
  });
}

/**
 * Until the NodeBalancer's check finds the fresh backend UP, then back in rotation. DOWN (a fresh
 * node is DOWN only after check_attempts failed checks of the new version) fails at once.
 */
async function backInRotation(
  run: Run,
  nodeBalancerId: number,
  configId: number,
  label: string,
  deadline: number,
) {
  for (;;) {
    const node = await nodeOf(run, nodeBalancerId, configId, label);
    if (node.status === 'UP') {
      await run.client.nodeBalancers.setNodeMode(nodeBalancerId, configId, node, 'accept');
      return true;
    }
    if (node.status === 'DOWN' || run.now() > deadline) return false;
    await sleep(pollInterval(run.request.env));
  }
}

async function rollOne(
  run: Run,
  prepared: PreparedPlan,
  record: DeploymentRecord,
  scale: ScalePlan,
  member: ReplicaMember,
  nodeBalancerId: number,
  configId: number,
  done: readonly number[],
): Promise<void> {
  const label = replicaHostKeyId(record.id, member.index);
  const name = `replica ${member.index}/${scale.replicas}`;
  if (!member.ipv4) {
    throw new CliError(
      `${name} has no public address recorded for SSH.`,
      `Run 'linode-build status ${record.id}'.`,
    );
  }
  const node = await nodeOf(run, nodeBalancerId, configId, label, {
    address: member.privateIpv4,
    port: scale.instances.find((replica) => replica.index === member.index)?.backendPort,
  });
  if (node.mode !== 'drain')
    await run.client.nodeBalancers.setNodeMode(nodeBalancerId, configId, node, 'drain');
  const seconds = drainSeconds(run.request.env);
  run.step(`${name}: draining for ${seconds}s (no new connections)`);
  await sleep(seconds * 1000);
  const result = await runAppUpdate(run, prepared, {
    host: member.ipv4,
    hostKeyId: label,
    ...(record.sshIdentityFile ? { identityFile: record.sshIdentityFile } : {}),
  });
  await freshBackend(run, nodeBalancerId, configId, node);
  const deadline = run.now() + run.request.timeoutSeconds * 1000;
  const healthy = await backInRotation(run, nodeBalancerId, configId, label, deadline);
  if (result.outcome === 'updated' && healthy) {
    run.step(`${name}: updated in ${result.seconds}s, healthy, accepting traffic`);
    return;
  }
  const newer =
    done.length > 0
      ? `Replica${done.length > 1 ? 's' : ''} ${done.join(', ')} run${done.length > 1 ? '' : 's'} the new version`
      : 'No replica runs the new version';
  const state = healthy ? 'back on the previous version and serving' : 'not serving (its backend is drained)';
  const [why, reason] =
    result.outcome === 'updated'
      ? [
          "its new version passed the instance's check but not the NodeBalancer's",
          "the NodeBalancer's health check failed",
        ]
      : result.outcome === 'rolled-back' || result.outcome === 'rollback-failed'
        ? ['its new version did not become healthy', 'health check failed']
        : [
            `the update could not run over SSH (exit ${result.code})`,
            `update over SSH failed, exit ${result.code}`,
          ];
  throw new RollStopped(
    `the roll stopped at ${name}: ${why}; it is ${state}. ${newer}; the others are unchanged.${result.detail}`,
    `Fix deploy.yml or .env and run 'linode-build deploy' again (it rolls every replica again); 'linode-build logs ${record.id}' shows the app.`,
    reason,
  );
}

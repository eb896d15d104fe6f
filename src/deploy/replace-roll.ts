/**
 * `deploy --replace` on a deployment with replicas: machine-level changes (type, image,
 * capabilities, packages, setup.script) roll over the replicas with new instances, like an app
 * change rolls in place (roll.ts), max-unavailable replicas at a time.
 *
 * Each replica is replaced by surge, so the NodeBalancer never serves from fewer healthy
 * backends than before:
 *   1. the record notes the replacement (before anything billed exists)
 *   2. a new instance of the new plan, beside the old one (names: src/plan/replace-slots.ts),
 *      in the replicas' firewall and placement group, with a private IPv4
 *   3. its backend added in `reject`; once the NodeBalancer's own check finds it UP, `accept`
 *   4. the old backend drained (drain seconds as for a roll), removed, the old instance
 *      deleted, and the API asked until it is gone
 *   5. the new instance takes the canonical label, tags and backend label; the old host key
 *      pin goes (the next SSH pins the new machine's); the record swaps the member
 * A new instance that does not become healthy is deleted; the old one was never drained and
 * keeps serving, and deploy exits 1 saying which replicas run which plan. The record's
 * fingerprint becomes the new plan's only once every replica runs it.
 *
 * A run killed at any step leaves the replacement in the record (and the surge instance carries
 * `build-id:` like every replica, so destroy and reap find it). The next deploy continues it
 * (same plan, --replace) or settles it: a new instance whose old one still serves is deleted;
 * one that already took the old one's place is kept and renamed.
 */
import { CliError } from '../errors.js';
import type { Instance, LinodeClient } from '../linode/client.js';
import { type NodeBalancerNode, privateIpv4Of } from '../linode/nodebalancers.js';
import { groupedScaleUp } from '../linode/placement.js';
import type { FieldChange } from '../plan/fingerprint.js';
import {
  batchesOf,
  continuesReplace,
  replicasToReplace,
  surgeHostKeyId,
  surgeInstance,
  surgeNodeLabel,
  surgeTag,
} from '../plan/replace-slots.js';
import type { ReplicaPlan, ScalePlan } from '../plan/scale.js';
import { hostKeyAlias } from '../ssh/command.js';
import { forgetHostKey } from '../ssh/known-hosts.js';
import { replicaHostKeyId } from '../ssh/replica.js';
import type { DeploymentRecord, ReplicaMember, ScaleState } from '../state/types.js';
import { pollInterval } from '../util/poll.js';
import { recordConverged } from './app-update.js';
import type { BootStepFailure } from './boot-watch.js';
import {
  markRelaxed,
  refusePublicPortChange,
  relaxConfig,
  restoreCheck,
  rollRelaxesCheck,
} from './nodebalancer-config.js';
import type { PreparedPlan } from './prepare.js';
import { followNewInstanceBoot } from './replica-boots.js';
import { drainSeconds, recordKeeper, withScale } from './replicas.js';
import { applyApiChanges } from './roll.js';
import { confirmOrCancel, type DeployOutcome, outcomeWith, type Run } from './run-context.js';
import { deploymentCost } from './scale-prices.js';
import { totalText } from './scale-text.js';
import { WaitFailure } from './wait.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Keeper = ReturnType<typeof recordKeeper>;

/** What every replica's replacement shares. */
interface Roll {
  readonly run: Run;
  readonly prepared: PreparedPlan;
  readonly scale: ScalePlan;
  readonly keeper: Keeper;
  readonly nodeBalancerId: number;
  readonly configId: number;
  /** The replicas' firewall, for the new instances. */
  readonly firewallId: number | undefined;
  /** The placement group, if any, and which replicas belong in it (as a fresh deployment places them). */
  readonly placement: GroupPlacement;
}

/** A replica's new instance did not serve: it was removed, the old one serves on. */
class ReplicaNotHealthy extends Error {
  constructor(
    readonly index: number,
    readonly detail: string,
    /** Short, for the record's stop (what `status` shows): `its new instance did not pass …`. */
    readonly reason: string,
    /** The failed boot step's last output lines, when its boot was followed (--wait). */
    readonly lastLines: readonly string[] = [],
  ) {
    super(detail);
  }
}

function machineFields(changes: readonly FieldChange[]): string[] {
  return changes.filter((change) => change.level === 'machine').map((change) => change.field);
}

function changeText(changes: readonly FieldChange[]): string {
  return changes
    .filter((change) => change.level === 'machine')
    .map((change) =>
      change.from !== undefined && change.to !== undefined
        ? `${change.field} ${change.from} → ${change.to}`
        : change.field,
    )
    .join(', ');
}

function listed(indexes: readonly number[]): string {
  return `replica${indexes.length === 1 ? '' : 's'} ${indexes.join(', ')}`;
}

/** Which replicas run which plan, for a message: "replica 1 runs g6-standard-4; replicas 2, 3 run g6-standard-2". */
function whoRunsWhat(record: DeploymentRecord, newType: string): string {
  const state = record.scale;
  const done = [...(state?.replacing?.done ?? [])].sort((a, b) => a - b);
  const rest = (state?.members ?? []).map((member) => member.index).filter((index) => !done.includes(index));
  const parts: string[] = [];
  const verb = (indexes: readonly number[]) => (indexes.length === 1 ? 'runs' : 'run');
  if (done.length > 0) parts.push(`${listed(done)} ${verb(done)} the new plan (${newType})`);
  if (rest.length > 0) parts.push(`${listed(rest)} ${verb(rest)} the previous one (${record.type})`);
  return parts.join('; ');
}

/**
 * The `action === 'replace'` branch of convergeReplicas, and any deploy of a deployment whose
 * replace did not finish. `converge` continues with the ordinary convergence when nothing is
 * left to replace (an unfinished replace undone in deploy.yml, its leftovers settled).
 */
export async function replaceReplicas(
  run: Run,
  prepared: PreparedPlan,
  existing: DeploymentRecord,
  scale: ScalePlan,
  converge: (record: DeploymentRecord) => Promise<DeployOutcome>,
): Promise<DeployOutcome> {
  const state = existing.scale;
  if (!state) throw new Error('replaceReplicas needs a deployment with replicas');
  const { nodeBalancerId, configId } = state;
  if (nodeBalancerId === undefined || configId === undefined) {
    throw new CliError(
      `${existing.id} has no NodeBalancer recorded.`,
      "Run 'linode-build deploy' again to finish creating it.",
    );
  }
  const changes = prepared.changes ?? [];
  const newType = prepared.plan.context.type;
  if (scale.replicas !== state.replicas) {
    throw new CliError(
      state.replacing
        ? `${existing.id}: a replace of its replicas did not finish (${whoRunsWhat(existing, state.replacing.type)}); the replica count cannot change meanwhile.`
        : `${existing.id}: change the replica count and the machine (${machineFields(changes).join(', ')}) in two deploys.`,
      `Run 'linode-build deploy --replace --replicas ${state.replicas}' first, then change the count.`,
    );
  }
  if (prepared.plan.context.region !== existing.region) {
    throw new CliError(
      `${existing.id} runs in ${existing.region}, and its NodeBalancer with it: replicas in ${prepared.plan.context.region} cannot be its backends.`,
      `Deploy the other region with 'linode-build deploy --new --region ${prepared.plan.context.region}', then 'linode-build destroy ${existing.id}'; or keep the region.`,
    );
  }
  // New instances would publish the new port while the NodeBalancer and its firewall serve the
  // old one: refused as for an in-place roll, before anything changes.
  refusePublicPortChange(changes, existing);
  const keeper = recordKeeper(
    {
      env: run.request.env,
      now: () => new Date(run.now()),
      onRecord: (current) => run.hooks.onEvent({ kind: 'record', record: current }),
    },
    existing,
  );
  const roll: Roll = {
    run,
    prepared,
    scale,
    keeper,
    nodeBalancerId,
    configId,
    firewallId: existing.firewallId,
    placement: await groupPlacement(run, existing, state, maxUnavailable(run, scale)),
  };

  const continuing = run.request.replace && continuesReplace(state.replacing, prepared.fingerprint);
  if (!continuing) await settleUnfinished(roll);

  let current = keeper.get();
  const indexes = current.scale!.members.map((member) => member.index);
  const pending = replicasToReplace(
    indexes,
    current.fingerprint,
    current.scale!.replacing,
    prepared.fingerprint,
  );
  if (pending.length === 0) {
    const mark = current.scale!.replacing;
    if (mark && continuesReplace(mark, prepared.fingerprint)) return finish(roll, 'replaced');
    if (mark) {
      const { replacing: _mark, ...rest } = current.scale!;
      current = await keeper.update((record) => ({ ...record, scale: rest }));
      run.step(
        `Every replica of ${existing.id} runs what deploy.yml says again; the unfinished replace is settled`,
      );
    }
    // Nothing to replace and no machine-level difference left: the ordinary convergence.
    if (prepared.action !== 'replace') return converge(current);
  }

  if (!run.request.replace) {
    const mark = current.scale!.replacing;
    throw new CliError(
      mark
        ? `a replace of ${existing.id}'s replicas did not finish: ${whoRunsWhat(current, mark.type)}.`
        : `deploy.yml changes what ${existing.id}'s replicas were built with (${machineFields(changes).join(', ')}); cloud-init applies that only to new instances.`,
      `Run 'linode-build deploy --replace' (each replica gets a new instance, which joins the NodeBalancer once healthy before the old one is drained and deleted), or undo those changes. 'linode-build plan' lists every difference.`,
    );
  }

  const batch = maxUnavailable(run, scale);
  const cost = await deploymentCost(
    {
      listTypes: () => run.client.listTypes(),
      listNodeBalancerTypes: () => run.client.nodeBalancers.types(),
    },
    { type: newType, region: existing.region, replicas: scale.replicas },
  );
  const what = changeText(changes) || `the plan of an unfinished replace (${newType})`;
  const price = newType !== existing.type ? ` Then ${totalText(cost)}.` : '';
  const instancePrice = cost.lines[0]?.hourly;
  const overlap =
    instancePrice !== undefined
      ? ` up to ${batch} extra instance${batch > 1 ? 's' : ''} ($${(instancePrice / scale.replicas).toFixed(4)}/hour each)`
      : ` up to ${batch} extra instance${batch > 1 ? 's' : ''}`;
  await confirmOrCancel(
    run,
    `Replace ${pending.length} of ${existing.id}'s ${scale.replicas} replicas with new ${newType} instances (${what}), ${batch} at a time? Each new one joins the NodeBalancer once healthy, then the old one is drained and deleted;${overlap} billed while both exist.${price}`,
    `replace the replicas of ${existing.id}`,
  );
  await applyApiChanges(run, prepared, current, scale);

  // The mark first: from here on the record says which replicas run the new plan.
  const fingerprint = prepared.fingerprint;
  if (!fingerprint) throw new Error('deploy always has a fingerprint');
  const alreadyNew = indexes.filter((index) => !pending.includes(index));
  await keeper.update((record) =>
    withScale(record, (scaleState) => ({
      ...scaleState,
      replacing: {
        startedAt: continuing
          ? (scaleState.replacing?.startedAt ?? new Date(run.now()).toISOString())
          : new Date(run.now()).toISOString(),
        fingerprint,
        type: newType,
        image: prepared.plan.context.image,
        done: alreadyNew,
      },
    })),
  );
  // The new instances run the new health check, the old ones the old: the NodeBalancer checks
  // only connections until every replica is new (nodebalancer-config.ts), or the new instances
  // would never pass the old check.
  if (rollRelaxesCheck(changes, keeper.get())) {
    await keeper.update((record) => markRelaxed(record, run.now()));
    await relaxConfig(run, scale, nodeBalancerId, configId);
  }
  run.hooks.onEvent({
    kind: 'stage',
    id: 'replace',
    label: `Replacing ${pending.length} replicas with new ${newType} instances, ${batch} at a time`,
  });
  for (const group of batchesOf(pending, batch)) {
    const results = await Promise.allSettled(group.map((index) => replaceOne(roll, index)));
    const failed = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    if (failed.length === 0) continue;
    const unhealthy = failed.filter(
      (error): error is ReplicaNotHealthy => error instanceof ReplicaNotHealthy,
    );
    if (unhealthy.length !== failed.length)
      throw failed.find((error) => !(error instanceof ReplicaNotHealthy));
    // Stopped on its own (not cut short): status says where and why until a deploy goes on.
    const first = [...unhealthy].sort((a, b) => a.index - b.index)[0]!;
    await keeper.update((record) =>
      withScale(record, (scaleState) =>
        scaleState.replacing
          ? {
              ...scaleState,
              replacing: {
                ...scaleState.replacing,
                stopped: {
                  at: new Date(run.now()).toISOString(),
                  replica: first.index,
                  reason: first.reason,
                },
              },
            }
          : scaleState,
      ),
    );
    // A failed boot's last lines are printed as for a create (deploy-command.ts prints them).
    throw new WaitFailure(
      `the replace stopped: ${unhealthy.map((error) => error.detail).join('; ')}. ${capitalized(whoRunsWhat(keeper.get(), newType))}.`,
      `Fix deploy.yml and run 'linode-build deploy --replace' again (replicas already replaced are kept), or undo the change and run it to put them back on the previous plan.`,
      unhealthy.flatMap((error) => error.lastLines),
    );
  }
  return finish(roll, 'replaced');
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function maxUnavailable(run: Run, scale: ScalePlan): number {
  return Math.max(1, Math.min(run.request.maxUnavailable ?? 1, scale.replicas - 1));
}

interface GroupPlacement {
  readonly groupId?: number;
  /** Replicas numbered up to this are members (those above were made outside a full group). */
  readonly groupedUpTo: number;
  /** The group has room for the new instances beside its members: they join at create, else once the old one left. */
  readonly joinAtCreate: boolean;
}

async function groupPlacement(
  run: Run,
  record: DeploymentRecord,
  state: ScaleState,
  surge: number,
): Promise<GroupPlacement> {
  const groupId = state.placementGroupId;
  if (groupId === undefined) return { groupedUpTo: 0, joinAtCreate: false };
  const layout = groupedScaleUp(await run.client.listRegions(), record.region, state.replicas);
  const joinAtCreate = layout.groupedUpTo + surge <= (layout.maxInstances ?? Number.POSITIVE_INFINITY);
  return { groupId, groupedUpTo: layout.groupedUpTo, joinAtCreate };
}

/** Whether replica `index`'s new instance belongs in the group (its old one was a member). */
function inGroup(
  placement: GroupPlacement,
  index: number,
): placement is GroupPlacement & { groupId: number } {
  return placement.groupId !== undefined && index <= placement.groupedUpTo;
}

/** Every replica runs the new plan: the record says so (fingerprint, type, image), the mark goes. */
async function finish(roll: Roll, result: 'replaced'): Promise<DeployOutcome> {
  const { run, prepared, keeper } = roll;
  const current = keeper.get();
  const state = current.scale!;
  const { replacing: _mark, checkRelaxedAt, ...scale } = state;
  if (checkRelaxedAt !== undefined) await restoreCheck(run, roll.scale, roll.nodeBalancerId, roll.configId);
  const first = state.members.find((member) => member.index === 1);
  const record = await recordConverged(run, prepared, {
    ...current,
    scale,
    type: prepared.plan.context.type,
    image: prepared.plan.context.image,
    ...(first ? { linodeId: first.linodeId } : {}),
  });
  run.step(`${record.id}: all ${state.members.length} replicas run ${record.type} (${record.image})`);
  const cost = await deploymentCost(
    {
      listTypes: () => run.client.listTypes(),
      listNodeBalancerTypes: () => run.client.nodeBalancers.types(),
    },
    { type: record.type, region: record.region, replicas: state.replicas },
  ).catch(() => undefined);
  return outcomeWith(result, prepared, record, cost?.total?.hourly);
}

function memberOf(record: DeploymentRecord, index: number): ReplicaMember {
  const member = record.scale?.members.find((item) => item.index === index);
  if (!member) throw new Error(`replica ${index} is not recorded`);
  return member;
}

function withMemberChange(
  record: DeploymentRecord,
  index: number,
  change: (member: ReplicaMember) => ReplicaMember,
): DeploymentRecord {
  return withScale(record, (state) => ({
    ...state,
    members: state.members.map((member) => (member.index === index ? change(member) : member)),
  }));
}

function withoutReplacement(member: ReplicaMember): ReplicaMember {
  const { replacement: _replacement, ...rest } = member;
  return rest;
}

const live = (instance: Instance | undefined) =>
  instance && instance.status !== 'deleting' ? instance : undefined;

/** The new instance of replica `index`, by its recorded id or (create answer lost) its tag. */
async function surgeOf(client: LinodeClient, record: DeploymentRecord, index: number) {
  const replacement = memberOf(record, index).replacement;
  if (!replacement) return undefined;
  if (replacement.linodeId !== undefined) return live(await client.getInstance(replacement.linodeId));
  const tagged = await client.instancesWithTag(surgeTag(record.id, index));
  return tagged.find((instance) => instance.status !== 'deleting');
}

/**
 * Replacements a killed or stopped run left, when this deploy does not continue that replace:
 * a new instance whose old one still has its backend never took over, and is deleted (the old
 * one back to `accept`); one whose old instance or backend is gone already serves in its place,
 * and is kept (named like a replica, counted as running the unfinished replace's plan).
 */
async function settleUnfinished(roll: Roll): Promise<void> {
  const { run, keeper } = roll;
  for (const member of keeper.get().scale!.members) {
    if (!member.replacement) continue;
    const surge = await surgeOf(run.client, keeper.get(), member.index);
    const old = live(await run.client.getInstance(member.linodeId));
    const nodes = await run.client.nodeBalancers.nodes(roll.nodeBalancerId, roll.configId);
    const oldNode = backendOf(nodes, keeper.get().id, member);
    if (surge && (!old || !oldNode)) {
      run.step(`replica ${member.index}: its new instance ${surge.id} already took over; finishing that`);
      await takeOver(roll, member.index, surge);
    } else {
      if (surge)
        run.step(`replica ${member.index}: removing the new instance ${surge.id} an unfinished replace left`);
      await dropSurge(roll, member.index, surge);
    }
  }
}

/** The backend of a replica's current (old) instance: its canonical label or its private address. */
function backendOf(nodes: readonly NodeBalancerNode[], id: string, member: ReplicaMember) {
  return nodes.find(
    (node) =>
      node.label === replicaHostKeyId(id, member.index) ||
      (member.privateIpv4 !== undefined && node.address.split(':')[0] === member.privateIpv4),
  );
}

function surgeBackendOf(nodes: readonly NodeBalancerNode[], id: string, index: number, address?: string) {
  return nodes.find(
    (node) =>
      node.label === surgeNodeLabel(id, index) ||
      (address !== undefined && node.address.split(':')[0] === address),
  );
}

/** Until the API answers 404 for the instance (`deleting` is not gone yet). */
async function waitGone(roll: Roll, linodeId: number): Promise<void> {
  const pollMs = pollInterval(roll.run.request.env);
  while (await roll.run.client.getInstance(linodeId)) await sleep(pollMs);
}

/** The new instance and its backend go; the old one (never drained for good) is back in rotation. */
async function dropSurge(roll: Roll, index: number, surge: Instance | undefined): Promise<void> {
  const { run, keeper, nodeBalancerId, configId } = roll;
  const record = keeper.get();
  const member = memberOf(record, index);
  const nodes = await run.client.nodeBalancers.nodes(nodeBalancerId, configId);
  const address = surge ? privateIpv4Of(surge) : member.replacement?.privateIpv4;
  const surgeNode = surgeBackendOf(nodes, record.id, index, address);
  if (surgeNode) await run.client.nodeBalancers.deleteNode(nodeBalancerId, configId, surgeNode.id);
  const oldNode = backendOf(nodes, record.id, member);
  if (oldNode && oldNode.mode !== 'accept')
    await run.client.nodeBalancers.setNodeMode(nodeBalancerId, configId, oldNode, 'accept');
  if (surge) {
    await run.client.deleteInstance(surge.id);
    await waitGone(roll, surge.id);
    run.step(`replica ${index}: new instance ${surge.id} deleted; Linode ${member.linodeId} serves`);
  }
  // A pin a --wait took of it would refuse the next replace's new instance under that alias.
  await forgetHostKey(run.request.env, hostKeyAlias(surgeHostKeyId(record.id, index)));
  await keeper.update((current) => withMemberChange(current, index, withoutReplacement));
}

/**
 * Until the backend labelled `label` is UP in the NodeBalancer's check (true), the deadline
 * passes (false), or the new instance's boot, when followed (--wait), fails (its failure).
 */
async function untilUp(
  roll: Roll,
  label: string,
  deadline: number,
  name: string,
  bootFailure: () => BootStepFailure | undefined,
): Promise<boolean | BootStepFailure> {
  const { run, nodeBalancerId, configId, scale } = roll;
  let last: string | undefined;
  for (;;) {
    const node = (await run.client.nodeBalancers.nodes(nodeBalancerId, configId)).find(
      (item) => item.label === label,
    );
    if (node?.status === 'UP') return true;
    const failure = bootFailure();
    if (failure) return failure;
    if (node && node.status !== last) {
      last = node.status;
      run.step(
        `${name}: new instance health starting (the NodeBalancer's check on ${scale.nodeBalancerConfig.check_path}: ${node.status})`,
      );
    }
    if (run.now() > deadline) return false;
    await sleep(pollInterval(run.request.env));
  }
}

/** Replica `index`: a new instance of the new plan serving in its place, the old one gone. */
async function replaceOne(roll: Roll, index: number): Promise<void> {
  const { run, prepared, scale, keeper, nodeBalancerId, configId } = roll;
  const { client } = run;
  const id = keeper.get().id;
  const name = `replica ${index}/${scale.replicas}`;
  const replica = scale.instances.find((item) => item.index === index);
  if (!replica) throw new Error(`no plan for replica ${index}`);
  const old = memberOf(keeper.get(), index);
  let surge = await surgeOf(client, keeper.get(), index);
  if (surge && !live(await client.getInstance(old.linodeId))) {
    // Killed after the old instance was deleted: only the names are left to do.
    await takeOver(roll, index, surge);
    return;
  }
  if (!surge) {
    await keeper.update((record) =>
      withMemberChange(record, index, (member) => ({ ...member, replacement: {} })),
    );
    const body = surgeInstance(prepared.plan, replica);
    run.step(`${name}: creating ${body.label} (${prepared.plan.context.type}) beside Linode ${old.linodeId}`);
    surge = await client.createInstance(
      {
        ...body,
        ...(roll.firewallId !== undefined ? { firewall_id: roll.firewallId } : {}),
        ...(inGroup(roll.placement, index) && roll.placement.joinAtCreate
          ? { placement_group: { id: roll.placement.groupId } }
          : {}),
      },
      surgeTag(id, index),
    );
  } else run.step(`${name}: reusing its new instance ${surge.id}`);
  const created = surge;
  const privateIpv4 = privateIpv4Of(created);
  const publicIpv4 = created.ipv4.find((address) => address !== privateIpv4);
  await keeper.update((record) =>
    withMemberChange(record, index, (member) => ({
      ...member,
      replacement: {
        linodeId: created.id,
        ...(publicIpv4 ? { ipv4: publicIpv4 } : {}),
        ...(privateIpv4 ? { privateIpv4 } : {}),
      },
    })),
  );
  const nodeLabel = surgeNodeLabel(id, index);
  const deadline = run.now() + run.request.timeoutSeconds * 1000;
  // --wait: its boot steps, on its own address; a failed boot ends the wait for its check.
  const boot = followNewInstanceBoot(
    run,
    keeper.get(),
    { index, linodeId: created.id, ...(publicIpv4 ? { ipv4: publicIpv4 } : {}) },
    surgeHostKeyId(id, index),
  );
  let healthy: boolean | BootStepFailure = false;
  try {
    if (privateIpv4 !== undefined) await registerSurge(roll, nodeLabel, privateIpv4, replica);
    healthy =
      privateIpv4 !== undefined &&
      (await untilUp(roll, nodeLabel, deadline, name, () => boot?.failures.get(index)));
  } finally {
    boot?.close();
  }
  if (healthy !== true) {
    await dropSurge(roll, index, created);
    if (healthy !== false)
      throw new ReplicaNotHealthy(
        index,
        `${name}'s new instance ${created.id}: ${healthy.message} It was deleted and Linode ${old.linodeId} serves on`,
        `its new instance's boot failed (${healthy.message.replace(/\.$/, '')}); it was deleted`,
        healthy.lastLines,
      );
    throw new ReplicaNotHealthy(
      index,
      privateIpv4 === undefined
        ? `${name}'s new instance ${created.id} got no private IPv4 address, so the NodeBalancer could not reach it; it was deleted and Linode ${old.linodeId} serves on`
        : `${name}'s new instance ${created.id} did not pass the NodeBalancer's check on ${scale.nodeBalancerConfig.check_path} within ${run.request.timeoutSeconds}s; it was deleted and Linode ${old.linodeId} serves on`,
      privateIpv4 === undefined
        ? 'its new instance got no private IPv4 address; it was deleted'
        : `its new instance failed the NodeBalancer's check on ${scale.nodeBalancerConfig.check_path} for ${run.request.timeoutSeconds}s; it was deleted`,
    );
  }
  const nodes = await client.nodeBalancers.nodes(nodeBalancerId, configId);
  const surgeNode = surgeBackendOf(nodes, id, index, privateIpv4);
  if (surgeNode && surgeNode.mode !== 'accept')
    await client.nodeBalancers.setNodeMode(nodeBalancerId, configId, surgeNode, 'accept');
  run.step(`${name}: new instance ${created.id} healthy, accepting traffic`);

  const oldNode = backendOf(nodes, id, old);
  if (oldNode) {
    if (oldNode.mode !== 'drain')
      await client.nodeBalancers.setNodeMode(nodeBalancerId, configId, oldNode, 'drain');
    const seconds = drainSeconds(run.request.env);
    run.step(`${name}: draining Linode ${old.linodeId} for ${seconds}s (no new connections)`);
    await sleep(seconds * 1000);
    await client.nodeBalancers.deleteNode(nodeBalancerId, configId, oldNode.id);
  }
  await takeOver(roll, index, created);
}

/** Its backend in `reject` (no traffic until UP), exactly once. */
async function registerSurge(
  roll: Roll,
  label: string,
  address: string,
  replica: ReplicaPlan,
): Promise<void> {
  const { run, nodeBalancerId, configId } = roll;
  const nodes = await run.client.nodeBalancers.nodes(nodeBalancerId, configId);
  if (nodes.some((node) => node.address.split(':')[0] === address)) return;
  await run.client.nodeBalancers.addNode(nodeBalancerId, configId, {
    label,
    address,
    port: replica.backendPort,
    mode: 'reject',
  });
}

/**
 * The old instance deleted (and gone, by the API), then the new one named like a fresh
 * replica: label, tags, backend label, placement group, and the old host-key pin dropped.
 */
async function takeOver(roll: Roll, index: number, surge: Instance): Promise<void> {
  const { run, scale, keeper, nodeBalancerId, configId } = roll;
  const { client } = run;
  const id = keeper.get().id;
  const old = memberOf(keeper.get(), index);
  const replica = scale.instances.find((item) => item.index === index);
  if (!replica) throw new Error(`no plan for replica ${index}`);
  if (live(await client.getInstance(old.linodeId))) {
    run.step(`replica ${index}: deleting Linode ${old.linodeId}`);
    await client.deleteInstance(old.linodeId);
  }
  await waitGone(roll, old.linodeId);
  const privateIpv4 = privateIpv4Of(surge);
  await client.updateInstanceNames(surge.id, { label: replica.instance.label, tags: replica.instance.tags });
  const nodes = await client.nodeBalancers.nodes(nodeBalancerId, configId);
  const node = surgeBackendOf(nodes, id, index, privateIpv4);
  const canonical = replicaHostKeyId(id, index);
  if (node && (node.label !== canonical || node.mode !== 'accept')) {
    const [address, port] = node.address.split(':');
    await client.nodeBalancers.updateNode(nodeBalancerId, configId, node.id, {
      label: canonical,
      address: address!,
      port: Number(port),
      mode: 'accept',
      ...(node.weight !== undefined ? { weight: node.weight } : {}),
    });
  }
  // Made beside a full group (or by a run that had to): it joins now that the old one left.
  if (inGroup(roll.placement, index)) {
    const current = live(await client.getInstance(surge.id)) ?? surge;
    if (current.placement_group?.id !== roll.placement.groupId)
      await client.placementGroups.assign(roll.placement.groupId, surge.id);
  }
  await forgetHostKey(run.request.env, hostKeyAlias(canonical));
  await forgetHostKey(run.request.env, hostKeyAlias(surgeHostKeyId(id, index)));
  const publicIpv4 = surge.ipv4.find((address) => address !== privateIpv4);
  await keeper.update((record) => {
    const next = withMemberChange(record, index, () => ({
      index,
      linodeId: surge.id,
      ...(publicIpv4 ? { ipv4: publicIpv4 } : {}),
      ...(privateIpv4 ? { privateIpv4 } : {}),
    }));
    const mark = next.scale?.replacing;
    return {
      ...(mark
        ? withScale(next, (state) => ({
            ...state,
            replacing: { ...mark, done: [...new Set([...mark.done, index])].sort((a, b) => a - b) },
          }))
        : next),
      ...(index === 1 ? { linodeId: surge.id } : {}),
    };
  });
  run.step(
    `replica ${index}/${scale.replicas}: Linode ${old.linodeId} is gone; Linode ${surge.id} is replica ${index}`,
  );
}

/**
 * runDeployment's branch for a deployment of several replicas behind a NodeBalancer: create
 * (asking with the total price), resume an interrupted create, and converge an existing one.
 * The resources are made by replicas.ts; this decides what to do and asks first.
 */

import { CliError } from '../errors.js';
import { groupedScaleUp, placementGroupsIn } from '../linode/placement.js';
import { placementLayout, replicaList } from '../plan/placement.js';
import { replicaIndexOf, type ScalePlan, scalePlan } from '../plan/scale.js';
import { replicaHostKeyId } from '../ssh/replica.js';
import type { DeploymentRecord } from '../state/types.js';
import { pollInterval } from '../util/poll.js';
import { refuseUnupdatable } from './app-update.js';
import { relaxBeforeScaleUp, settleRelaxedCheck } from './nodebalancer-config.js';
import type { PreparedPlan } from './prepare.js';
import { replaceReplicas } from './replace-roll.js';
import { followReplicaBoots } from './replica-boots.js';
import { acceptWhenHealthy, type BackendWait, createReplicated, scaleDown } from './replicas.js';
import { rollBatch, rollReplicas } from './roll.js';
import { confirmOrCancel, createInput, type DeployOutcome, outcomeWith, type Run } from './run-context.js';
import { deploymentCost } from './scale-prices.js';
import { totalText } from './scale-text.js';

function backendWait(run: Run, scale: ScalePlan, record: DeploymentRecord): BackendWait | undefined {
  const nodeBalancerId = record.scale?.nodeBalancerId;
  const configId = record.scale?.configId;
  if (nodeBalancerId === undefined || configId === undefined) return undefined;
  return {
    client: run.client,
    scale,
    deploymentId: record.id,
    nodeBalancerId,
    configId,
    progress: run.step,
    pollMs: pollInterval(run.request.env),
    deadline: run.now() + run.request.timeoutSeconds * 1000,
    nowMs: run.now,
  };
}

/** How a new deployment of replicas is asked for and recorded when it takes over from another. */
export interface ReplicasCreation {
  /** The question before anything billed is made, given the total price text. */
  readonly question?: (total: string) => string;
  /**
   * The single-instance deployment these replicas take over from (transition.ts): recorded in
   * the new record, which the project names only once the replicas serve.
   */
  readonly replaces?: string;
}

/** A new deployment of `scale.replicas` instances (or the rest of an interrupted one). */
export async function createReplicas(
  run: Run,
  prepared: PreparedPlan,
  scale: ScalePlan,
  creation: ReplicasCreation = {},
): Promise<DeployOutcome> {
  const { client, hooks } = run;
  const { plan } = prepared;
  const { region, type, appName, envName } = plan.context;
  const regionInfo = (await client.listRegions()).find((item) => item.id === region);
  if (regionInfo && !regionInfo.capabilities.includes('NodeBalancers')) {
    throw new CliError(
      `region ${region} has no NodeBalancers, so ${scale.replicas} replicas cannot be balanced there.`,
      'Pass --region with a region that offers NodeBalancers (most do), or deploy one replica.',
    );
  }
  const placement = regionInfo ? placementGroupsIn(regionInfo) : undefined;
  const grouped = placementLayout({
    replicas: scale.replicas,
    available: placement?.available === true,
    maxInstances: placement?.maxInstances,
  }).group;
  if (placement?.available && !grouped) {
    run.step(
      `Region ${region} holds at most ${placement.maxInstances} instances per placement group; the ${scale.replicas} replicas get none`,
    );
  }
  const cost = await deploymentCost(
    { listTypes: () => client.listTypes(), listNodeBalancerTypes: () => client.nodeBalancers.types() },
    { type, region, replicas: scale.replicas },
  );
  await confirmOrCancel(
    run,
    creation.question?.(totalText(cost)) ??
      `Create ${scale.replicas} × ${type} in ${region} behind a NodeBalancer for ${appName} (${envName}) at ${totalText(cost)}?`,
    'create billed Linode instances and a NodeBalancer',
  );
  hooks.onEvent({ kind: 'stage', id: 'create', label: 'Creating firewalls, NodeBalancer and replicas' });
  const { record, instances } = await createReplicated({
    ...createInput(run, prepared, creation.replaces === undefined),
    ...(creation.replaces !== undefined ? { replaces: creation.replaces } : {}),
    scale,
    placementGroup: grouped,
  });
  const hourlyPrice = cost.total?.hourly;
  hooks.onEvent({
    kind: 'created',
    record,
    instance: instances[0]!,
    ...(hourlyPrice !== undefined ? { hourlyPrice } : {}),
  });
  hooks.onEvent({
    kind: 'stage',
    id: 'health',
    label: "Waiting for the NodeBalancer's health check on every replica",
  });
  return untilServing(run, prepared, scale, record, 'created', hourlyPrice, 0);
}

/** Every backend accepting traffic once healthy; replicas above `newAfter` are new (their boot steps shown with --wait). */
async function everyBackendServing(
  run: Run,
  scale: ScalePlan,
  record: DeploymentRecord,
  newAfter: number,
): Promise<void> {
  const wait = backendWait(run, scale, record);
  // `--wait`: the new replicas' boot steps meanwhile (never holding up the accept loop).
  const boots = followReplicaBoots(run, record, newAfter);
  try {
    if (wait)
      await acceptWhenHealthy({
        ...wait,
        ...(boots ? { onAccepted: boots.done, bootFailures: boots.failures } : {}),
      });
  } finally {
    boots?.close();
  }
}

/** Every backend accepting traffic once healthy, then the outcome. */
async function untilServing(
  run: Run,
  prepared: PreparedPlan,
  scale: ScalePlan,
  record: DeploymentRecord,
  result: 'created' | 'scaled',
  hourlyPrice: number | undefined,
  newAfter: number,
): Promise<DeployOutcome> {
  await everyBackendServing(run, scale, record, newAfter);
  return outcomeWith(result, prepared, record, hourlyPrice);
}

/** An existing deployment where either side has replicas. */
export async function convergeReplicas(
  run: Run,
  prepared: PreparedPlan,
  existing: DeploymentRecord,
): Promise<DeployOutcome> {
  const scale = prepared.scale;
  if (!existing.scale || !scale) {
    // runDeployment sends a change between one instance and replicas to transition.ts first.
    throw new Error(`convergeReplicas: ${existing.id} and the plan differ in shape`);
  }
  if (existing.status !== 'active') {
    run.step(`Resuming the interrupted deploy of ${existing.id}`);
    return createReplicas(run, prepared, scale);
  }
  const action = prepared.action ?? 'unchanged';
  const changes = prepared.changes ?? [];
  // Machine-level changes roll in new instances (--replace); an unfinished replace is continued or settled first.
  if (action === 'replace' || existing.scale.replacing) {
    return replaceReplicas(run, prepared, existing, scale, (settled) =>
      convergeReplicas(run, prepared, settled),
    );
  }
  if (scale.replicas === existing.scale.replicas && action === 'unchanged' && existing.scale.rollStartedAt) {
    // deploy.yml and .env match the record, but a roll of another version was cut short: some
    // replicas may run it, one may be drained. Rolling what the files say puts all back on it.
    run.step(
      `A roll of ${existing.id} was interrupted: rolling deploy.yml and .env over every replica again`,
    );
    return rollReplicas(run, { ...prepared, action: 'app' }, existing, scale);
  }
  if (scale.replicas === existing.scale.replicas && action === 'unchanged') {
    // Up to date only once every backend takes traffic (an interrupted create may have left
    // some in `reject` while they booted).
    // An interrupted scale-down recorded the new count before its surplus instances were gone
    // (the instances' tags, not the record, say what is still billed); an interrupted scale-up
    // recorded it before every new replica was a backend.
    const completed = await completeScale(run, prepared, existing, scale);
    const wait = backendWait(run, scale, completed);
    if (wait) await acceptWhenHealthy(wait);
    const record = await settleRelaxedCheck(run, completed, scale);
    run.step(`${existing.id} is up to date: ${scale.replicas} replicas serve, deploy.yml and .env match`);
    return { result: 'unchanged', prepared, record, changes };
  }
  if (action === 'unchanged' && existing.scale.rollStartedAt) {
    // The same with a new count: scaled first, then the files rolled over the replicas that stay.
    run.step(
      `A roll of ${existing.id} was interrupted: after the scale, deploy.yml and .env are rolled over the replicas that stay`,
    );
    const complete = await completeScale(run, prepared, existing, scale);
    return scaleAndRoll(run, { ...prepared, action: 'app' }, complete, scale);
  }
  if (action === 'unchanged') {
    // A check relaxed by a scale-up cut short before its roll: set back first, the files match the record.
    const settled = await settleRelaxedCheck(run, await completeScale(run, prepared, existing, scale), scale);
    return scaleReplicas(run, prepared, settled, scale);
  }
  // What an interrupted scale left (replicas not yet added, or surplus not yet deleted) is
  // finished before a roll, so the roll sees exactly the replicas the record names.
  const complete = await completeScale(run, prepared, existing, scale);
  if (scale.replicas === existing.scale.replicas) return rollReplicas(run, prepared, complete, scale);
  return scaleAndRoll(run, prepared, complete, scale);
}

/**
 * A new replica count and an app- or API-level change in one deploy. Scale up: the new replicas
 * are created from the new plan (their cloud-init carries the new app files, so they start on
 * the new version) and join once healthy; only then are the old ones rolled, so the old count
 * keeps serving throughout. Scale down: the surplus is drained and deleted first, then the rest
 * rolled. Either way the record takes the new count as the scale goes, and the new fingerprint
 * only once the roll finished: a failed roll leaves the next deploy rolling again.
 */
async function scaleAndRoll(
  run: Run,
  prepared: PreparedPlan,
  existing: DeploymentRecord,
  scale: ScalePlan,
): Promise<DeployOutcome> {
  const from = existing.scale?.replicas ?? 1;
  const to = scale.replicas;
  const app = prepared.action === 'app';
  if (app) refuseUnupdatable(prepared, existing);
  const cost = await costOf(run, prepared, to);
  const fields =
    (prepared.changes ?? []).map((change) => change.field).join(', ') || 'deploy.yml and .env again';
  const kept = Math.min(from, to);
  const batch = rollBatch(run, to);
  const change = app
    ? `roll the change (${fields}) over the ${kept} replicas that stay, ${batch} at a time (drained, updated in place, back once healthy)`
    : `apply the change (${fields}) through the API`;
  await confirmOrCancel(
    run,
    to > from
      ? `Scale ${existing.id} from ${from} to ${to} replicas (the ${to - from} new ones start with the change), then ${change}? Then ${totalText(cost)}.`
      : `Scale ${existing.id} from ${from} to ${to} replicas (the ${from - to} surplus drained and deleted first), then ${change}? Then ${totalText(cost)}.`,
    `scale ${existing.id} from ${from} to ${to} replicas and ${app ? 'roll' : 'apply'} the change in one deploy`,
  );
  const scaled =
    to > from
      ? await addReplicas(
          run,
          prepared,
          app ? await relaxBeforeScaleUp(run, prepared.changes ?? [], existing, scale) : existing,
          scale,
        )
      : await removeReplicas(run, existing, to);
  const rolled = await rollReplicas(run, prepared, scaled, scale, {
    confirmed: true,
    only: (member) => member.index <= from,
  });
  const hourlyPrice = cost.total?.hourly;
  return { ...rolled, result: 'scaled', ...(hourlyPrice !== undefined ? { hourlyPrice } : {}) };
}

async function costOf(run: Run, prepared: PreparedPlan, replicas: number) {
  const { client } = run;
  const { type, region } = prepared.plan.context;
  return deploymentCost(
    { listTypes: () => client.listTypes(), listNodeBalancerTypes: () => client.nodeBalancers.types() },
    { type, region, replicas },
  );
}

/**
 * Scale up of a deployment with a placement group: the group keeps at most the region's limit,
 * the replicas above it are created outside (said once); the API would refuse them in it.
 */
async function scaleUpPlacement(run: Run, existing: DeploymentRecord, scale: ScalePlan) {
  const layout =
    existing.scale?.placementGroupId !== undefined
      ? groupedScaleUp(await run.client.listRegions(), existing.region, scale.replicas)
      : placementLayout({ replicas: scale.replicas, available: false, existingGroup: false });
  const fresh = layout.outside.filter((index) => index > (existing.scale?.members.length ?? 0));
  if (fresh.length > 0) {
    run.step(
      `Region ${existing.region} holds at most ${layout.maxInstances} instances per placement group: ${replicaList(fresh)} ${fresh.length > 1 ? 'are' : 'is'} created outside ${scale.placementGroup.label} (not spread from the others by anti-affinity)`,
    );
  }
  return layout;
}

/** Scale up: the replicas above the record's members are created from this plan and join once healthy. */
async function addReplicas(
  run: Run,
  prepared: PreparedPlan,
  existing: DeploymentRecord,
  scale: ScalePlan,
): Promise<DeploymentRecord> {
  const from = existing.scale?.members.length ?? 0;
  run.hooks.onEvent({ kind: 'stage', id: 'create', label: `Adding ${scale.replicas - from} replicas` });
  const placement = await scaleUpPlacement(run, existing, scale);
  const { record } = await createReplicated({
    ...createInput(run, prepared, true),
    scale,
    placementGroup: placement.group,
    groupedUpTo: placement.groupedUpTo,
    base: existing,
  });
  await everyBackendServing(run, scale, record, from);
  return record;
}

/** Scale down: the replicas above `keep` drained, removed from the NodeBalancer, deleted. */
async function removeReplicas(run: Run, existing: DeploymentRecord, keep: number): Promise<DeploymentRecord> {
  const from = existing.scale?.replicas ?? 1;
  run.hooks.onEvent({ kind: 'stage', id: 'scale-down', label: `Removing ${from - keep} replicas` });
  return removeSurplus(run, existing, keep, true);
}

/**
 * The record's replica count made true before anything else runs: replicas a killed scale-up
 * did not finish adding (fewer members than the count, or a member without its backend) are
 * added, and surplus a killed scale-down left billed is deleted.
 */
async function completeScale(
  run: Run,
  prepared: PreparedPlan,
  existing: DeploymentRecord,
  scale: ScalePlan,
): Promise<DeploymentRecord> {
  const state = existing.scale;
  if (!state) return existing;
  const count = state.replicas;
  let record = await removeSurplus(run, existing, count);
  const { nodeBalancerId, configId } = state;
  const members = state.members.filter((member) => member.index <= count);
  const short = members.length < count;
  let unregistered: number[] = [];
  if (!short && nodeBalancerId !== undefined && configId !== undefined) {
    const labels = new Set(
      (await run.client.nodeBalancers.nodes(nodeBalancerId, configId)).map((node) => node.label),
    );
    unregistered = members
      .filter((member) => !labels.has(replicaHostKeyId(existing.id, member.index)))
      .map((member) => member.index);
  }
  if (!short && unregistered.length === 0) return record;
  run.step(
    short
      ? `Adding the replicas an interrupted scale-up of ${existing.id} did not finish`
      : unregisteredText(existing, unregistered),
  );
  const recorded = count === scale.replicas ? scale : scalePlan(prepared.plan, count);
  if (!recorded) return record;
  record = await addReplicas(run, prepared, record, recorded);
  return record;
}

/**
 * Every replica is recorded but some have no backend: a roll removes a replica's backend to
 * register it anew once updated (so it is judged on fresh checks), and one cut short in
 * between leaves it out; otherwise a create or scale-up was cut short before registering it.
 */
function unregisteredText(existing: DeploymentRecord, indexes: readonly number[]): string {
  const which = `replica${indexes.length === 1 ? '' : 's'} ${indexes.join(', ')}`;
  const own = indexes.length === 1 ? 'its backend' : 'their backends';
  return existing.scale?.rollStartedAt
    ? `Registering ${which} again on the NodeBalancer: a roll of ${existing.id} that was cut short had removed ${own}`
    : `Registering ${which} on the NodeBalancer: an interrupted deploy of ${existing.id} did not add ${own}`;
}

/** Changing N: new replicas join like at creation; surplus ones are drained, then deleted. */
async function scaleReplicas(
  run: Run,
  prepared: PreparedPlan,
  existing: DeploymentRecord,
  scale: ScalePlan,
): Promise<DeployOutcome> {
  const from = existing.scale?.replicas ?? 1;
  const cost = await costOf(run, prepared, scale.replicas);
  await confirmOrCancel(
    run,
    `Scale ${existing.id} from ${from} to ${scale.replicas} replicas (then ${totalText(cost)})?`,
    `scale deployment ${existing.id}`,
  );
  const changes = prepared.changes ?? [];
  const hourlyPrice = cost.total?.hourly;
  const record =
    scale.replicas > from
      ? await addReplicas(run, prepared, existing, scale)
      : await removeReplicas(run, existing, scale.replicas);
  return {
    result: 'scaled',
    prepared,
    record,
    ...(hourlyPrice !== undefined ? { hourlyPrice } : {}),
    changes,
  };
}

/**
 * Replicas above `keep` that still exist (by their tags, which also find a replica whose create
 * answer a killed scale-up never recorded) are drained and deleted. `recordCount`: the record
 * takes `keep` as its count even when nothing is left to delete (a scale-down).
 */
async function removeSurplus(
  run: Run,
  record: DeploymentRecord,
  keep: number,
  recordCount = false,
): Promise<DeploymentRecord> {
  const state = record.scale;
  if (!state) return record;
  const tagged = await run.client.instancesWithTag(`build-id:${record.id}`);
  const surplus = tagged.filter(
    (instance) => instance.status !== 'deleting' && (replicaIndexOf(instance.tags) ?? 0) > keep,
  );
  if (surplus.length === 0 && !recordCount) return record;
  if (!recordCount) run.step(`Removing ${surplus.length} replica(s) an interrupted scale left behind`);
  const known = new Set(state.members.map((member) => member.linodeId));
  const members = [
    ...state.members,
    ...surplus
      .filter((instance) => !known.has(instance.id))
      .map((instance) => ({ index: replicaIndexOf(instance.tags)!, linodeId: instance.id })),
  ];
  return scaleDown({
    env: run.request.env,
    client: run.client,
    record: { ...record, scale: { ...state, members } },
    keep,
    progress: run.step,
    pollMs: pollInterval(run.request.env),
    onRecord: (current) => run.hooks.onEvent({ kind: 'record', record: current }),
  });
}

/**
 * runDeployment's branch for a deployment of several replicas behind a NodeBalancer: create
 * (asking with the total price), resume an interrupted create, and converge an existing one.
 * The resources are made by replicas.ts; this decides what to do and asks first.
 */

import { CliError } from '../errors.js';
import { placementGroupsIn } from '../linode/placement.js';
import { replicaIndexOf, type ScalePlan } from '../plan/scale.js';
import type { DeploymentRecord } from '../state/types.js';
import { pollInterval } from '../util/poll.js';
import type { PreparedPlan } from './prepare.js';
import { followReplicaBoots } from './replica-boots.js';
import { acceptWhenHealthy, type BackendWait, createReplicated, scaleDown } from './replicas.js';
import { rollReplicas } from './roll.js';
import { confirmOrCancel, createInput, type DeployOutcome, type Run } from './run-context.js';
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

/** A new deployment of `scale.replicas` instances (or the rest of an interrupted one). */
export async function createReplicas(
  run: Run,
  prepared: PreparedPlan,
  scale: ScalePlan,
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
  const grouped = placement?.available === true && scale.replicas <= placement.maxInstances;
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
    `Create ${scale.replicas} × ${type} in ${region} behind a NodeBalancer for ${appName} (${envName}) at ${totalText(cost)}?`,
    'create billed Linode instances and a NodeBalancer',
  );
  hooks.onEvent({ kind: 'stage', id: 'create', label: 'Creating firewalls, NodeBalancer and replicas' });
  const { record, instances } = await createReplicated({
    ...createInput(run, prepared, true),
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
  return {
    result,
    prepared,
    record,
    ...(hourlyPrice !== undefined ? { hourlyPrice } : {}),
    changes: prepared.changes ?? [],
  };
}

/** An existing deployment where either side has replicas. */
export async function convergeReplicas(
  run: Run,
  prepared: PreparedPlan,
  existing: DeploymentRecord,
): Promise<DeployOutcome> {
  const scale = prepared.scale;
  if (!existing.scale) {
    throw new CliError(
      `${existing.id} is a single instance; it cannot become ${prepared.replicas} replicas in place (it has no private address and no NodeBalancer).`,
      `Deploy the replicas as a new deployment with 'linode-build deploy --new --replicas ${prepared.replicas}', then 'linode-build destroy ${existing.id}'; or keep replicas: 1.`,
    );
  }
  if (!scale) {
    throw new CliError(
      `${existing.id} runs ${existing.scale.replicas} replicas behind a NodeBalancer; one replica would be a single instance without it.`,
      `Keep at least 2 replicas (--replicas 2), or make a single-instance deployment with 'linode-build deploy --new --replicas 1' and then 'linode-build destroy ${existing.id}'.`,
    );
  }
  if (existing.status !== 'active') {
    run.step(`Resuming the interrupted deploy of ${existing.id}`);
    return createReplicas(run, prepared, scale);
  }
  const action = prepared.action ?? 'unchanged';
  const changes = prepared.changes ?? [];
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
    const wait = backendWait(run, scale, existing);
    if (wait) await acceptWhenHealthy(wait);
    // An interrupted scale-down recorded the new count before its surplus instances were gone:
    // the instances' tags, not the record, say what is still billed.
    const record = await removeSurplus(run, existing, scale.replicas);
    run.step(`${existing.id} is up to date: ${scale.replicas} replicas serve, deploy.yml and .env match`);
    return { result: 'unchanged', prepared, record, changes };
  }
  if (action === 'unchanged') return scaleReplicas(run, prepared, existing, scale);
  if (scale.replicas === existing.scale.replicas && action !== 'replace')
    return rollReplicas(run, prepared, existing, scale);
  throw new CliError(
    action === 'replace'
      ? `${existing.id} runs ${existing.scale.replicas} replicas; machine-level changes of a deployment with replicas (new instances rolled in) are not supported yet.`
      : `${existing.id}: change the replica count and the app in two deploys (first one, then the other).`,
    `Destroy it with 'linode-build destroy ${existing.id}' and deploy again, or undo the change ('linode-build plan' shows it).`,
  );
}

/** Changing N: new replicas join like at creation; surplus ones are drained, then deleted. */
async function scaleReplicas(
  run: Run,
  prepared: PreparedPlan,
  existing: DeploymentRecord,
  scale: ScalePlan,
): Promise<DeployOutcome> {
  const { client, hooks, request } = run;
  const from = existing.scale?.replicas ?? 1;
  const { type, region } = prepared.plan.context;
  const cost = await deploymentCost(
    { listTypes: () => client.listTypes(), listNodeBalancerTypes: () => client.nodeBalancers.types() },
    { type, region, replicas: scale.replicas },
  );
  await confirmOrCancel(
    run,
    `Scale ${existing.id} from ${from} to ${scale.replicas} replicas (then ${totalText(cost)})?`,
    `scale deployment ${existing.id}`,
  );
  const changes = prepared.changes ?? [];
  const hourlyPrice = cost.total?.hourly;
  if (scale.replicas > from) {
    hooks.onEvent({ kind: 'stage', id: 'create', label: `Adding ${scale.replicas - from} replicas` });
    const { record } = await createReplicated({
      ...createInput(run, prepared, true),
      scale,
      placementGroup: existing.scale?.placementGroupId !== undefined,
      base: existing,
    });
    return untilServing(run, prepared, scale, record, 'scaled', hourlyPrice, from);
  }
  hooks.onEvent({ kind: 'stage', id: 'scale-down', label: `Removing ${from - scale.replicas} replicas` });
  const record = await scaleDown({
    env: request.env,
    client,
    record: existing,
    keep: scale.replicas,
    progress: run.step,
    pollMs: pollInterval(request.env),
    onRecord: (current) => hooks.onEvent({ kind: 'record', record: current }),
  });
  return {
    result: 'scaled',
    prepared,
    record,
    ...(hourlyPrice !== undefined ? { hourlyPrice } : {}),
    changes,
  };
}

/** Replicas above `keep` that still exist (by their tags) are drained and deleted. */
async function removeSurplus(run: Run, record: DeploymentRecord, keep: number): Promise<DeploymentRecord> {
  const state = record.scale;
  if (!state) return record;
  const tagged = await run.client.instancesWithTag(`build-id:${record.id}`);
  const surplus = tagged.filter(
    (instance) => instance.status !== 'deleting' && (replicaIndexOf(instance.tags) ?? 0) > keep,
  );
  if (surplus.length === 0) return record;
  run.step(`Removing ${surplus.length} replica(s) an interrupted scale-down left behind`);
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

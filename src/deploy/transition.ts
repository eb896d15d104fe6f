/**
 * A deployment changing between one instance and replicas behind a NodeBalancer (`--replicas 3`
 * on a single instance, `--replicas 1` on replicas). Neither can happen in place: a single
 * instance has no private address and no NodeBalancer, and replicas without their NodeBalancer
 * would have no one address. So the new shape is built as a **new deployment** (new id), linked
 * to the old one by `replaces`, exactly as `deploy --replace` links a replacement:
 *
 *   1. the new record (`creating`, `replaces: <old>`) is written before anything billed, then
 *      its resources are made (the NodeBalancer, firewalls, placement group and replicas; or
 *      the firewall and the instance), all tagged `build-id:<new>`;
 *   2. it serves: every backend accepting traffic once the NodeBalancer's check passes, or the
 *      instance healthy on the template's check; the old deployment serves all along;
 *   3. the project's state names the new deployment;
 *   4. the old deployment is destroyed (by its `build-id:` tag and recorded ids, as `destroy`
 *      does), then `replaces` is dropped from the new record.
 *
 * Why a new id rather than growing the old deployment: the replicas' firewall would carry the
 * single instance's firewall label (`lb-<id>-<app>`) with other rules (the app port only from
 * the NodeBalancer), which would cut the old instance off before the NodeBalancer serves; and
 * removing the old part by its `build-id:` tag would take the new part with it.
 *
 * Killed at any step, the next deploy finishes it: before 3 the project still names the old
 * deployment and the registry holds the new one (`replaces`), which is resumed (its firewall,
 * NodeBalancer and instances found again by label and tag); from 3 on the project names the
 * new one, whose `replaces` makes the deploy destroy the old one first (destroy is idempotent).
 * deploy.yml asking for the old shape again abandons the unfinished new deployment instead.
 *
 * The public address changes (the instance's → the NodeBalancer's, or back): the question and
 * the output say so. No `--replace` is needed: asking for another replica count is the explicit
 * request, and deploy asks (or takes `--yes`) before anything billed is made.
 */
import { destroyDeployment, destroyTargetOf, recordedIds } from '../destroy/destroy.js';
import { CliError } from '../errors.js';
import { readRegistry, upsertDeployment } from '../state/registry.js';
import type { DeploymentRecord } from '../state/types.js';
import { createDeployment, recordInProject } from './create.js';
import { followUntilHealthy } from './follow-health.js';
import { preflight } from './preflight.js';
import { type PreparedPlan, preparePlan } from './prepare.js';
import { createReplicas } from './replicas-run.js';
import { confirmOrCancel, createInput, type DeployOutcome, type Run } from './run-context.js';

/** `3 replicas behind NodeBalancer 203.0.113.9` or `one instance at 203.0.113.5`. */
function shapeText(record: DeploymentRecord): string {
  const at = record.ipv4 ?? 'an address not yet known';
  return record.scale
    ? `${record.scale.replicas} replicas behind the NodeBalancer at ${at}`
    : `one instance at ${at}`;
}

const hasReplicas = (record: DeploymentRecord) => record.scale !== undefined;

/**
 * runDeployment's first step for an existing deployment: finishes or abandons a transition a
 * killed deploy left, and starts one when deploy.yml asks for the other shape. Undefined when
 * the deployment keeps its shape (then it converges as usual).
 */
export async function convergeShape(
  run: Run,
  prepared: PreparedPlan,
  existing: DeploymentRecord,
): Promise<DeployOutcome | undefined> {
  const wantsReplicas = prepared.scale !== undefined;
  const registry = await readRegistry(run.request.env);
  const pending = registry.deployments.find(
    (record) => record.replaces === existing.id && hasReplicas(record) !== hasReplicas(existing),
  );
  if (pending) {
    if (hasReplicas(pending) === wantsReplicas) return resumeTransition(run, prepared, existing, pending);
    run.step(
      `Abandoning the unfinished change of ${existing.id} into ${pending.scale ? `${pending.scale.replicas} replicas` : 'one instance'} (${pending.id}): deploy.yml asks for ${wantsReplicas ? `${prepared.replicas} replicas` : 'one instance'}`,
    );
    await destroyDeployment({
      env: run.request.env,
      client: run.client,
      target: destroyTargetOf(pending),
      onProgress: run.step,
    });
  }
  if (hasReplicas(existing) === wantsReplicas) return undefined;
  if (existing.status !== 'active') {
    const count = existing.scale?.replicas ?? 1;
    throw new CliError(
      `the deploy of ${existing.id} (${count === 1 ? 'one instance' : `${count} replicas`}) was interrupted; it cannot change to ${wantsReplicas ? `${prepared.replicas} replicas` : 'one instance'} before it is finished.`,
      `Finish it with 'linode-build deploy --replicas ${count}' and then change the count, or remove it with 'linode-build destroy ${existing.id}'.`,
    );
  }
  const fresh = await preparePlan({ ...run.request, mode: 'deploy', fresh: true, lifetimeOf: existing });
  run.hooks.onEvent({ kind: 'prepared', prepared: fresh });
  return buildAndSwitch(run, fresh, existing, prepared);
}

/** The transition a killed deploy left, under the new deployment's id and secrets. */
async function resumeTransition(
  run: Run,
  prepared: PreparedPlan,
  old: DeploymentRecord,
  pending: DeploymentRecord,
): Promise<DeployOutcome> {
  run.step(`Resuming the change of ${old.id} (${shapeText(old)}) into ${pending.id}`);
  const continued = await preparePlan({ ...run.request, mode: 'deploy', continuing: pending.id });
  run.hooks.onEvent({ kind: 'prepared', prepared: continued });
  return buildAndSwitch(run, continued, old, prepared);
}

/**
 * The new deployment made (or its interrupted making resumed: everything found again by label
 * and tag) and serving, then the switch. `asked`: the plan against the old deployment, whose
 * differences the outcome reports.
 */
async function buildAndSwitch(
  run: Run,
  next: PreparedPlan,
  old: DeploymentRecord,
  asked: PreparedPlan,
): Promise<DeployOutcome> {
  const { hooks, client } = run;
  const { plan } = next;
  const id = plan.context.deploymentId;
  hooks.onEvent({
    kind: 'stage',
    id: 'preflight',
    label: 'Checking region, image and plan with the Linode API',
  });
  const facts = await preflight(client, plan);
  const moves = `The public address changes from ${old.ipv4 ?? "the old deployment's"} to`;
  let record: DeploymentRecord;
  let hourlyPrice: number | undefined;
  if (next.scale) {
    const count = next.scale.replicas;
    run.step(
      `${old.id} is one instance; ${count} replicas become a new deployment ${id} behind a NodeBalancer. ${moves} the NodeBalancer's; ${old.id} keeps serving until all ${count} do, then it is deleted`,
    );
    const outcome = await createReplicas(run, next, next.scale, {
      replaces: old.id,
      question: (total) =>
        `Turn ${old.id} (${shapeText(old)}) into ${count} × ${plan.context.type} behind a NodeBalancer (new deployment ${id}) at ${total}? ${moves} the NodeBalancer's; ${old.id} is deleted only once all ${count} replicas serve.`,
    });
    record = outcome.record!;
    hourlyPrice = outcome.hourlyPrice;
  } else {
    run.step(
      `${old.id} has ${old.scale?.replicas} replicas; one instance becomes a new deployment ${id}. ${moves} the new instance's; the NodeBalancer and replicas serve until it is healthy, then they are deleted`,
    );
    const price = facts.hourlyPrice !== undefined ? ` at $${facts.hourlyPrice}/hour` : '';
    await confirmOrCancel(
      run,
      `Turn ${old.id} (${shapeText(old)}) into one ${plan.context.type} in ${plan.context.region}${price} (new deployment ${id})? ${moves} the new instance's; the NodeBalancer, replicas and their firewalls are deleted only once it is healthy.`,
      'create a billed Linode instance and then delete the replicas and their NodeBalancer',
    );
    hooks.onEvent({ kind: 'stage', id: 'create', label: 'Creating firewall and instance' });
    const created = await createDeployment({ ...createInput(run, next, false), replaces: old.id });
    hourlyPrice = facts.hourlyPrice;
    hooks.onEvent({
      kind: 'created',
      record: created.record,
      instance: created.instance,
      ...(hourlyPrice !== undefined ? { hourlyPrice } : {}),
    });
    try {
      await followUntilHealthy(run, created.record, created.instance.id, plan);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      throw new CliError(
        `the new instance ${id} did not become healthy: ${error.message} ${old.id} keeps serving; nothing was deleted.`,
        `Look at it with 'linode-build logs ${id} --boot'; fix deploy.yml and run 'linode-build deploy' again (it resumes), or put replicas back to ${old.scale?.replicas ?? 2} (the new instance is then removed).`,
      );
    }
    record = created.record;
  }
  // From here the project names the new deployment: a kill now is finished by removeReplaced.
  if (next.projectDir) await recordInProject(next.projectDir, record);
  hooks.onEvent({ kind: 'stage', id: 'remove-old', label: `Deleting ${old.id}` });
  run.step(`${id} serves at ${record.ipv4}; deleting ${old.id} (${shapeText(old)})`);
  const done = await removeReplaced(run, record);
  return {
    result: 'scaled',
    prepared: next,
    record: done,
    ...(hourlyPrice !== undefined ? { hourlyPrice } : {}),
    changes: asked.changes ?? [],
    addressChange: {
      replaced: old.id,
      ...(old.ipv4 ? { from: old.ipv4 } : {}),
      ...(done.ipv4 ? { to: done.ipv4 } : {}),
    },
  };
}

/**
 * The deployment `record` took over from destroyed (everything with its `build-id:` tag and
 * its recorded ids; already gone is fine), then `replaces` dropped: the last step of a
 * transition, and what the next deploy finishes when one was killed during it.
 */
export async function removeReplaced(run: Run, record: DeploymentRecord): Promise<DeploymentRecord> {
  const replacedId = record.replaces;
  if (replacedId === undefined) return record;
  const old = (await readRegistry(run.request.env)).deployments.find((item) => item.id === replacedId);
  if (!old) run.step(`Finishing the removal of ${replacedId}, which ${record.id} took over from`);
  await destroyDeployment({
    env: run.request.env,
    client: run.client,
    target: {
      id: replacedId,
      app: record.app,
      env: record.env,
      ...(old?.linodeId !== undefined ? { linodeId: old.linodeId } : {}),
      ...recordedIds(old),
    },
    onProgress: run.step,
  });
  const { replaces: _replaces, replaceStage: _stage, ...rest } = record;
  const next: DeploymentRecord = { ...rest, updatedAt: new Date(run.now()).toISOString() };
  await upsertDeployment(run.request.env, next);
  if (next.projectDir) await recordInProject(next.projectDir, next);
  run.hooks.onEvent({ kind: 'record', record: next });
  return next;
}

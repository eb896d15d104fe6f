/**
 * `runDeployment`: make what runs on Linode match deploy.yml + .env for one project and env.
 * The CLI's `deploy` and the TUI wizard both call it; they differ only in how they show its
 * events and ask for consent.
 *
 *   no deployment in this env       → create one (firewall, instance, records)
 *   an interrupted create           → resume it (the firewall/instance it made are reused)
 *   nothing changed                 → "up to date", no request that changes anything
 *   firewall rules or tags changed  → changed through the API
 *   app-level changes               → files uploaded over SSH, app restarted, health-gated,
 *                                     rolled back when the new version is not healthy
 *   machine-level changes           → refused, unless --replace: a new instance is made
 *                                     healthy, the public address moved to it (same region),
 *                                     and only then the old one deleted
 *   one instance ↔ replicas         → a new deployment in the other shape, serving before
 *                                     the old one is destroyed (transition.ts)
 *   replicas                        → replicas-run.ts (scale, roll, both)
 *
 * Nothing billed is ever created without a registry record first, so an interrupted run is
 * always found again by the next one.
 */

import { destroyDeployment, destroyTargetOf } from '../destroy/destroy.js';
import { CliError } from '../errors.js';
import type { Instance } from '../linode/client.js';
import type { FieldChange } from '../plan/fingerprint.js';
import type { DeployPlan } from '../plan/types.js';
import { readRegistry, removeDeployment, upsertDeployment } from '../state/registry.js';
import { removeSecrets } from '../state/secrets.js';
import type { DeploymentRecord } from '../state/types.js';
import { linodeHostname } from '../status/endpoint.js';
import { recordConverged, refuseUnupdatable, runAppUpdate } from './app-update.js';
import { createDeployment, recordInProject } from './create.js';
import { followUntilHealthy, waitContext } from './follow-health.js';
import { type PreflightFacts, preflight } from './preflight.js';
import { type PreparedPlan, preparePlan } from './prepare.js';
import { convergeReplicas, createReplicas } from './replicas-run.js';
import {
  confirmOrCancel,
  createInput,
  type DeployHooks,
  type DeployOutcome,
  type DeployRequest,
  type Run,
} from './run-context.js';
import { convergeShape, removeReplaced } from './transition.js';
import { type HealthOutcome, waitUntilRunning } from './wait.js';

export async function runDeployment(request: DeployRequest, hooks: DeployHooks): Promise<DeployOutcome> {
  const now = hooks.now ?? Date.now;
  const step = (text: string) => hooks.onEvent({ kind: 'step', text });
  hooks.onEvent({ kind: 'stage', id: 'prepare', label: 'Planning' });
  let prepared = await preparePlan({ ...request, mode: 'deploy' });
  hooks.onEvent({ kind: 'prepared', prepared });
  const client = await hooks.connect();
  const run: Run = { request, hooks, client, step, now };

  let existing = prepared.existing?.record;
  const others = existing ? [] : await otherDeployments(run, prepared);
  let leftRunning: DeploymentRecord | undefined;
  if (request.fresh) {
    leftRunning = (await readRegistry(request.env)).deployments.find(
      (record) =>
        record.projectDir === prepared.projectDir &&
        record.app === prepared.plan.context.appName &&
        record.env === prepared.plan.context.envName &&
        record.status === 'active',
    );
  }
  if (!existing) {
    refuseUnknownTwins(prepared, others);
    const created = await createNew(run, prepared);
    return { ...created, ...(leftRunning ? { leftRunning } : {}) };
  }

  // A transition between one instance and replicas: the last step of one a killed deploy left
  // (the project already names the new deployment), the rest of one, or a new one (transition.ts).
  if (existing.replaces !== undefined && existing.status === 'active')
    existing = await removeReplaced(run, existing);
  const transition = await convergeShape(run, prepared, existing);
  if (transition) return transition;

  // Replicas behind a NodeBalancer converge in their own branch (replicas-run.ts).
  if (existing.scale || prepared.scale) return convergeReplicas(run, prepared, existing);

  const instance =
    existing.linodeId !== undefined
      ? await client.getInstance(existing.linodeId)
      : (await client.instancesWithTag(`build-id:${existing.id}`))[0];

  // A replace that was interrupted comes first: its old instance may already be going.
  const registry = await readRegistry(request.env);
  const pending = registry.deployments.find((record) => record.replaces === existing.id);
  if (pending) {
    if (!request.replace) {
      throw new CliError(
        `a replacement of ${existing.id} (${pending.id}) was started and did not finish.`,
        `Run 'linode-build deploy --replace' to finish it, or 'linode-build destroy ${pending.id}' to abandon it.`,
      );
    }
    const pendingInstance = (await client.instancesWithTag(`build-id:${pending.id}`))[0];
    if (pendingInstance) return finishReplace(run, prepared, existing, instance, pending);
    step(`The interrupted replacement ${pending.id} never got an instance; starting the replace again`);
    await destroyDeployment({
      env: request.env,
      client,
      target: destroyTargetOf(pending),
      onProgress: step,
    });
  }

  if (existing.status !== 'active') {
    step(`Resuming the interrupted deploy of ${existing.id}`);
    return createNew(run, prepared);
  }

  if (!instance || instance.status === 'deleting') {
    step(
      `The instance of ${existing.id} no longer exists (deleted outside linode-build); creating a new deployment`,
    );
    await removeDeployment(request.env, existing.id);
    await removeSecrets(request.env, existing.id);
    prepared = await preparePlan({ ...request, mode: 'deploy', fresh: true });
    hooks.onEvent({ kind: 'prepared', prepared });
    return createNew(run, prepared);
  }
  const withAddress = completeAddress(existing, instance);

  const changes = prepared.changes ?? [];
  switch (prepared.action ?? 'unchanged') {
    case 'unchanged':
      step(`${existing.id} is up to date: deploy.yml and .env match what is deployed`);
      return { result: 'unchanged', prepared, record: withAddress, changes };
    case 'api':
      await confirmOrCancel(
        run,
        `Update ${existing.id} (${apiSummary(changes)})?`,
        `update deployment ${existing.id}`,
      );
      return {
        result: 'updated',
        prepared,
        record: await applyApiChanges(run, prepared, withAddress),
        changes,
      };
    case 'app': {
      refuseUnupdatable(prepared, withAddress);
      await confirmOrCancel(
        run,
        `Update ${existing.id} in place (the app restarts; the machine stays)?`,
        `update deployment ${existing.id} in place`,
      );
      const updated = await updateInPlace(run, prepared, withAddress);
      return { result: 'updated', prepared, record: await applyApiChanges(run, prepared, updated), changes };
    }
    case 'replace':
      if (!request.replace) throw machineLevelRefusal(existing, changes);
      return replaceDeployment(run, withAddress, instance, changes);
  }
}

/**
 * Instances tagged with this app and env that this machine has no record of: the same app and
 * env deployed from another machine (or a record lost). Deployments this machine knows are
 * not twins: another project directory with the same app name, or one made with --new.
 */
async function otherDeployments(run: Run, prepared: PreparedPlan): Promise<Instance[]> {
  const { appName, envName } = prepared.plan.context;
  const [tagged, registry] = await Promise.all([
    run.client.instancesWithTag(`build-app:${appName}`),
    readRegistry(run.request.env),
  ]);
  const known = new Set(registry.deployments.map((record) => record.id));
  return tagged.filter((instance) => {
    const id = buildIdOf(instance);
    return instance.tags.includes(`build-env:${envName}`) && (id === undefined || !known.has(id));
  });
}

/**
 * A new deployment while the account already runs this app and env, and this machine does not
 * know it (made elsewhere, or its record was lost): creating would be a second billed copy.
 * Deployments this machine knows (made with --new, or from another directory) are left to the
 * user, who chose them.
 */
function refuseUnknownTwins(prepared: PreparedPlan, others: readonly Instance[]): void {
  if (others.length === 0) return;
  const ids = others.map((instance) => buildIdOf(instance) ?? `Linode ${instance.id}`);
  const { appName, envName } = prepared.plan.context;
  throw new CliError(
    `app ${appName} already has a deployment in env ${envName} (${ids.join(', ')}) that this project does not know.`,
    `Adopt it with 'linode-build status --adopt' and deploy again to update it; deploy another app with --app-name; or pass --new to create a second one.`,
  );
}

function buildIdOf(instance: Instance): string | undefined {
  return instance.tags.find((tag) => tag.startsWith('build-id:'))?.slice('build-id:'.length);
}

function completeAddress(record: DeploymentRecord, instance: Instance): DeploymentRecord {
  const ipv4 = instance.ipv4[0];
  if (!ipv4 || ipv4 === record.ipv4) return record;
  const hostname = linodeHostname(ipv4);
  return { ...record, ipv4, ...(hostname ? { hostname } : {}) };
}

function machineLevelRefusal(record: DeploymentRecord, changes: readonly FieldChange[]): CliError {
  const machine = changes.filter((change) => change.level === 'machine').map((change) => change.field);
  return new CliError(
    `deploy.yml changes what ${record.id}'s machine was built with (${machine.join(', ')}); cloud-init applies that only to a new instance.`,
    "Run 'linode-build deploy --replace' (a new instance is made healthy, the address moved to it, then the old one deleted), or undo those changes. 'linode-build plan' lists every difference.",
  );
}

function apiSummary(changes: readonly FieldChange[]): string {
  return changes.map((change) => change.field).join(', ');
}

async function applyApiChanges(
  run: Run,
  prepared: PreparedPlan,
  record: DeploymentRecord,
): Promise<DeploymentRecord> {
  const { client, step } = run;
  const { plan } = prepared;
  const fields = new Set((prepared.changes ?? []).map((change) => change.field));
  if (fields.has('firewall')) {
    const firewallId = record.firewallId ?? (await client.firewallByLabel(plan.firewall.label))?.id;
    if (firewallId === undefined) {
      throw new CliError(
        `the firewall of ${record.id} (${plan.firewall.label}) was not found.`,
        `It was deleted outside linode-build; run 'linode-build deploy --replace' to rebuild the deployment with one.`,
      );
    }
    step(`Updating the rules of firewall ${firewallId}`);
    await client.updateFirewallRules(firewallId, plan.firewall.rules);
  }
  if (fields.has('tags') && record.linodeId !== undefined) {
    step(`Updating the tags of instance ${record.linodeId}`);
    await client.updateInstanceTags(record.linodeId, plan.instance.tags);
  }
  return recordConverged(run, prepared, record);
}

async function updateInPlace(
  run: Run,
  prepared: PreparedPlan,
  record: DeploymentRecord,
): Promise<DeploymentRecord> {
  if (!record.ipv4) {
    throw new CliError(
      `${record.id} has no IPv4 address recorded, so it cannot be reached over SSH.`,
      `Run 'linode-build status ${record.id}' to check its instance.`,
    );
  }
  run.hooks.onEvent({ kind: 'stage', id: 'update', label: 'Updating the app in place over SSH' });
  const { outcome, seconds, detail, code } = await runAppUpdate(run, prepared, {
    host: record.ipv4,
    hostKeyId: record.id,
    ...(record.sshIdentityFile ? { identityFile: record.sshIdentityFile } : {}),
  });
  if (outcome === 'updated') {
    run.step(`Updated in place in ${seconds}s`);
    return record;
  }
  if (outcome === 'rolled-back') {
    throw new CliError(
      `the new version of ${record.id} did not become healthy; the previous version was restored and is healthy.${detail}`,
      'Fix deploy.yml or .env and deploy again; nothing else was changed.',
    );
  }
  if (outcome === 'rollback-failed') {
    throw new CliError(
      `the new version of ${record.id} did not become healthy, and the previous version did not come back healthy either.${detail}`,
      `Look at the app with 'linode-build ssh ${record.id} -- journalctl -u linode-build-app -n 100', or deploy --replace.`,
    );
  }
  throw new CliError(
    `could not update ${record.id} over SSH (ssh exit ${code}).${detail}`,
    `Check that 'linode-build ssh ${record.id}' works; nothing on the instance was changed unless the lines above say so.`,
  );
}

async function createNew(run: Run, prepared: PreparedPlan): Promise<DeployOutcome> {
  const { client, request, hooks } = run;
  const { plan } = prepared;
  hooks.onEvent({
    kind: 'stage',
    id: 'preflight',
    label: 'Checking region, image and plan with the Linode API',
  });
  run.step('Checking region, image and plan with the Linode API');
  const facts = await preflight(client, plan);
  if (prepared.scale) return createReplicas(run, prepared, prepared.scale);
  await confirmOrCancel(run, creationQuestion(plan, facts), 'create a billed Linode instance');
  hooks.onEvent({ kind: 'stage', id: 'create', label: 'Creating firewall and instance' });
  const { record, instance } = await createDeployment(createInput(run, prepared, true));
  hooks.onEvent({
    kind: 'created',
    record,
    instance,
    ...(facts.hourlyPrice !== undefined ? { hourlyPrice: facts.hourlyPrice } : {}),
  });
  let health: HealthOutcome | undefined;
  if (request.wait) health = await followUntilHealthy(run, record, instance.id, plan);
  return {
    result: 'created',
    prepared,
    record,
    ...(facts.hourlyPrice !== undefined ? { hourlyPrice: facts.hourlyPrice } : {}),
    ...(health ? { health } : {}),
    changes: prepared.changes ?? [],
  };
}

function creationQuestion(plan: DeployPlan, facts: PreflightFacts): string {
  const price = facts.hourlyPrice !== undefined ? ` at $${facts.hourlyPrice}/hour` : '';
  return `Create ${plan.context.type} in ${plan.context.region}${price} for ${plan.context.appName} (${plan.context.envName})?`;
}

async function replaceDeployment(
  run: Run,
  old: DeploymentRecord,
  oldInstance: Instance,
  changes: readonly FieldChange[],
): Promise<DeployOutcome> {
  const { request, hooks, client } = run;
  const fresh = await preparePlan({ ...request, mode: 'deploy', fresh: true, lifetimeOf: old });
  hooks.onEvent({ kind: 'prepared', prepared: fresh });
  hooks.onEvent({
    kind: 'stage',
    id: 'preflight',
    label: 'Checking region, image and plan with the Linode API',
  });
  const facts = await preflight(client, fresh.plan);
  const price = facts.hourlyPrice !== undefined ? ` at $${facts.hourlyPrice}/hour` : '';
  await confirmOrCancel(
    run,
    `Replace ${old.id} with a new ${fresh.plan.context.type} in ${fresh.plan.context.region}${price}? The old instance is deleted only after the new one is healthy.`,
    `replace deployment ${old.id}`,
  );
  hooks.onEvent({ kind: 'stage', id: 'create', label: 'Creating the replacement' });
  const { record } = await createDeployment({ ...createInput(run, fresh, false), replaces: old.id });
  const outcome = await finishReplace(run, fresh, old, oldInstance, record);
  return { ...outcome, changes };
}

/**
 * The part of a replace after the new instance exists (also how an interrupted replace is
 * resumed, from the stage its record reached): healthy → address moved (same region) →
 * rebooted and healthy again → old deleted → records. Each step checks what is already done,
 * so running it again neither repeats a move nor skips a reboot.
 */
async function finishReplace(
  run: Run,
  prepared: PreparedPlan,
  old: DeploymentRecord,
  oldInstance: Instance | undefined,
  replacement: DeploymentRecord,
): Promise<DeployOutcome> {
  const { client, request } = run;
  const current = (await client.instancesWithTag(`build-id:${replacement.id}`))[0];
  if (!current) {
    throw new CliError(
      `the replacement ${replacement.id} of ${old.id} has no instance.`,
      `Remove it with 'linode-build destroy ${replacement.id}', then run 'linode-build deploy --replace' again; ${old.id} keeps serving.`,
    );
  }
  let record = completeAddress({ ...replacement, status: 'active', linodeId: current.id }, current);
  await upsertDeployment(request.env, record);
  const oldAddress = old.ipv4 ?? oldInstance?.ipv4[0];
  const sameRegion = current.region === old.region;
  let moved = oldAddress !== undefined && current.ipv4.includes(oldAddress);

  if (!moved) {
    run.step(
      `Waiting for the replacement ${record.id} (Linode ${current.id}) to be healthy; ${old.id} keeps serving`,
    );
    try {
      await followUntilHealthy(run, record, current.id, prepared.plan);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      throw new CliError(
        `the replacement ${record.id} did not become healthy: ${error.message} ${old.id} keeps serving; nothing was deleted.`,
        `Inspect it with 'linode-build logs ${record.id} --boot', remove it with 'linode-build destroy ${record.id}', fix deploy.yml and run 'deploy --replace' again.`,
      );
    }
  }

  const newAddress = current.ipv4.find((address) => address !== oldAddress);
  if (!moved && oldAddress && newAddress && sameRegion && oldInstance && oldInstance.status !== 'deleting') {
    run.hooks.onEvent({ kind: 'stage', id: 'address', label: `Moving ${oldAddress} to the replacement` });
    run.step(`Moving ${oldAddress} from ${old.id} to ${record.id} (and ${newAddress} the other way)`);
    await client.assignAddresses(current.region, [
      { address: oldAddress, linodeId: current.id },
      { address: newAddress, linodeId: oldInstance.id },
    ]);
    moved = true;
  }
  if (moved && oldAddress) {
    const hostname = linodeHostname(oldAddress);
    record = { ...record, ipv4: oldAddress, ...(hostname ? { hostname } : {}) };
    if (record.replaceStage !== 'rebooted') {
      record = { ...record, replaceStage: 'address-moved' };
      await upsertDeployment(request.env, record);
      // The instance's network configuration takes a moved address at boot.
      await waitUntilRunning(waitContext(run), record, current.id);
      run.step(`Rebooting ${record.id} so its network takes ${oldAddress}`);
      await client.rebootInstance(current.id);
      record = { ...record, replaceStage: 'rebooted' };
      await upsertDeployment(request.env, record);
    }
    await followUntilHealthy(run, record, current.id, prepared.plan);
  } else if (oldAddress && !sameRegion) {
    run.step(`Another region: the address changes from ${oldAddress} to ${current.ipv4[0] ?? 'a new one'}`);
  }

  run.hooks.onEvent({ kind: 'stage', id: 'remove-old', label: `Deleting the old instance ${old.id}` });
  await destroyDeployment({
    env: request.env,
    client,
    target: destroyTargetOf(old),
    onProgress: run.step,
  });
  const { replaces: _replaces, replaceStage: _stage, ...finished } = record;
  const next: DeploymentRecord = { ...finished, updatedAt: new Date(run.now()).toISOString() };
  await upsertDeployment(request.env, next);
  if (prepared.projectDir) await recordInProject(prepared.projectDir, next);
  run.hooks.onEvent({ kind: 'record', record: next });
  return { result: 'replaced', prepared, record: next, changes: prepared.changes ?? [] };
}

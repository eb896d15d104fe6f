/**
 * An app-level change applied to a running instance: the update program over SSH (health-gated,
 * rolled back), and the records written once the deployment matches deploy.yml again. Used by
 * runDeployment for one instance and by the roll for each replica.
 */
import { CliError } from '../errors.js';
import { ensureKnownHosts } from '../ssh/known-hosts.js';
import { runRemoteBash } from '../ssh/remote.js';
import { upsertDeployment } from '../state/registry.js';
import { writeSecret } from '../state/secrets.js';
import type { DeploymentRecord, ScaleState } from '../state/types.js';
import { appUpdateFiles, appUpdateScript, updateOutcome } from '../update/script.js';
import { recordInProject } from './create.js';
import { refusePublicPortChange } from './nodebalancer-config.js';
import type { PreparedPlan } from './prepare.js';
import type { Run } from './run-context.js';

export function refuseUnupdatable(prepared: PreparedPlan, record: DeploymentRecord): void {
  refusePublicPortChange(prepared.changes ?? [], record);
  if (record.noSsh) {
    throw new CliError(
      `${record.id} was deployed with --no-ssh, so nothing can log in to update it in place.`,
      "Run 'linode-build deploy --replace' to apply the change on a new instance.",
    );
  }
  if (prepared.plan.template.capabilities.runtime !== 'docker') {
    throw new CliError(
      `${record.id} runs a native app, installed by setup.script at first boot; it cannot be updated in place.`,
      "Run 'linode-build deploy --replace' to apply the change on a new instance.",
    );
  }
}

function withoutRollMark(scale: ScaleState): ScaleState {
  const { rollStartedAt: _started, rollStopped: _stopped, checkRelaxedAt: _relaxed, ...rest } = scale;
  return rest;
}

/** The record after a successful update: what is deployed now. */
function updatedRecord(prepared: PreparedPlan, record: DeploymentRecord, now: number): DeploymentRecord {
  const { plan } = prepared;
  const container = plan.template.deploy.linode.container;
  const { externalPort: _e, internalPort: _i, health: _h, expiresAt: _x, idleLimit: _l, ...rest } = record;
  // A converged deployment has no roll under way.
  const scale = rest.scale ? withoutRollMark(rest.scale) : undefined;
  return {
    ...rest,
    ...(scale ? { scale } : {}),
    templateVersion: plan.template.version,
    ...(container ? { externalPort: container.external_port, internalPort: container.internal_port } : {}),
    ...(container?.health ? { health: container.health } : {}),
    ...(plan.context.expiresAt ? { expiresAt: plan.context.expiresAt.toISOString() } : {}),
    ...(plan.context.idleLimit ? { idleLimit: plan.context.idleLimit } : {}),
    ...(prepared.fingerprint ? { fingerprint: prepared.fingerprint } : {}),
    ...(prepared.watcherPort !== undefined ? { watcherPort: prepared.watcherPort } : {}),
    updatedAt: new Date(now).toISOString(),
  };
}

async function writeSecretsOf(run: Run, prepared: PreparedPlan, id: string): Promise<void> {
  for (const [name, value] of Object.entries(prepared.localSecrets))
    await writeSecret(run.request.env, id, name, value);
}

/** The record (and the project's state) now describe what runs: the new plan's fingerprint. */
export async function recordConverged(
  run: Run,
  prepared: PreparedPlan,
  record: DeploymentRecord,
): Promise<DeploymentRecord> {
  await writeSecretsOf(run, prepared, record.id);
  const next = updatedRecord(prepared, record, run.now());
  await upsertDeployment(run.request.env, next);
  if (prepared.projectDir) await recordInProject(prepared.projectDir, next);
  run.hooks.onEvent({ kind: 'record', record: next });
  return next;
}

/** Where an in-place update goes: the instance's address and the id its host key is pinned under. */
export interface UpdateTarget {
  readonly host: string;
  /** The deployment id, or `<id>-r<k>` for a replica (each replica has its own host key). */
  readonly hostKeyId: string;
  readonly identityFile?: string;
}

export interface UpdateResult {
  readonly outcome: ReturnType<typeof updateOutcome>;
  readonly code: number;
  readonly seconds: string;
  /** The instance's last lines, indented, for an error message ('' when none). */
  readonly detail: string;
}

/** The app's files to one instance over SSH and the update program run there (health-gated, rolled back). */
export async function runAppUpdate(
  run: Run,
  prepared: PreparedPlan,
  target: UpdateTarget,
): Promise<UpdateResult> {
  const { env } = run.request;
  const knownHostsFile = await ensureKnownHosts(env);
  const files = appUpdateFiles(prepared.plan);
  const started = run.now();
  run.step(`Uploading ${files.length} app files to ${target.host} over SSH`);
  const script = appUpdateScript(files, testRemoteAssignments(env));
  const result = await runRemoteBash(
    {
      deploymentId: target.hostKeyId,
      host: target.host,
      knownHostsFile,
      ...(target.identityFile ? { identityFile: target.identityFile } : {}),
      ...(env.LINODE_BUILD_SSH ? { program: env.LINODE_BUILD_SSH } : {}),
    },
    script,
    (line) => {
      if (line.startsWith('==> ')) run.step(`Instance: ${line.slice(4)}`);
    },
    env,
  );
  const last = result.lastLines.filter((line) => line.trim() !== '').slice(-12);
  return {
    outcome: updateOutcome(result.code),
    code: result.code,
    seconds: ((run.now() - started) / 1000).toFixed(1),
    detail: last.length > 0 ? `\n  ${last.join('\n  ')}` : '',
  };
}

/** LINODE_BUILD_TEST_REMOTE_ENV (tests only): JSON variables for the update, e.g. LB_ROOT. */
function testRemoteAssignments(env: NodeJS.ProcessEnv): Record<string, string> {
  const raw = env.LINODE_BUILD_TEST_REMOTE_ENV?.trim();
  if (!raw) return {};
  const parsed = JSON.parse(raw) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(parsed).map(([name, value]) => [name, String(value)]));
}

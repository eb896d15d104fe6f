/**
 * The NodeBalancer's port config through a roll of the template's health check.
 *
 * The config's HTTP check comes from `container.health` (src/plan/scale.ts). While a roll
 * changes it, the old replicas answer the old check and the updated ones the new one; whichever
 * check the NodeBalancer runs, one group of backends may fail it and leave rotation, so a roll
 * that kept either check could take the service down. For the roll the check is relaxed to
 * `connection` (a TCP connection to the backend's port: both versions pass it, and each updated
 * replica has passed the new HTTP check on its instance before it comes back); after the last
 * replica is accepted, the new HTTP check is set.
 *
 * The record says so (`scale.checkRelaxedAt`) before the config changes: a roll that is stopped
 * or killed leaves the config on `connection`, and the next deploy's roll (it rolls again: the
 * fingerprint advances only once done) sets the check of the deploy.yml it rolls, even when the
 * change was undone in between.
 *
 * The public port (`external_port`) is refused on a deployment with replicas; see
 * refusePublicPortChange.
 */
import { CliError } from '../errors.js';
import type { HealthCheck } from '../linode/nodebalancers.js';
import type { FieldChange } from '../plan/fingerprint.js';
import type { NodeBalancerConfigBody, ScalePlan } from '../plan/scale.js';
import { upsertDeployment } from '../state/registry.js';
import type { DeploymentRecord } from '../state/types.js';
import type { Run } from './run-context.js';

/** The planned config's HTTP check, as the client takes it. */
export function httpCheckOf(config: NodeBalancerConfigBody): HealthCheck {
  return {
    type: 'http',
    path: config.check_path,
    intervalSeconds: config.check_interval,
    timeoutSeconds: config.check_timeout,
    attempts: config.check_attempts,
  };
}

/** The roll changes what the NodeBalancer checks, or a previous roll left the check relaxed. */
export function rollRelaxesCheck(changes: readonly FieldChange[], record: DeploymentRecord): boolean {
  return (
    record.scale?.checkRelaxedAt !== undefined ||
    changes.some((change) => change.field === 'container.health')
  );
}

/** The record marked as having the check relaxed (kept from an earlier mark). */
export function markRelaxed(record: DeploymentRecord, now: number): DeploymentRecord {
  const state = record.scale;
  if (!state) return record;
  return {
    ...record,
    scale: { ...state, checkRelaxedAt: state.checkRelaxedAt ?? new Date(now).toISOString() },
  };
}

/** The config's check relaxed to `connection` (same interval, timeout and attempts). */
export async function relaxConfig(
  run: Run,
  scale: ScalePlan,
  nodeBalancerId: number,
  configId: number,
): Promise<void> {
  run.step(
    `NodeBalancer ${nodeBalancerId}: checking only that each backend accepts connections during the roll (the health check changes to ${scale.nodeBalancerConfig.check_path})`,
  );
  await run.client.nodeBalancers.updateConfig(nodeBalancerId, configId, {
    check: { ...httpCheckOf(scale.nodeBalancerConfig), type: 'connection' },
  });
}

/**
 * Before the first drain: the record marked, then the config's check relaxed to `connection`.
 * Returns the marked record.
 */
export async function relaxCheck(
  run: Run,
  record: DeploymentRecord,
  scale: ScalePlan,
  nodeBalancerId: number,
  configId: number,
): Promise<DeploymentRecord> {
  if (!record.scale) return record;
  const marked = markRelaxed(record, run.now());
  await upsertDeployment(run.request.env, marked);
  await relaxConfig(run, scale, nodeBalancerId, configId);
  return marked;
}

/** After the last replica is accepted: the planned HTTP check (the caller's record clears the mark). */
export async function restoreCheck(
  run: Run,
  scale: ScalePlan,
  nodeBalancerId: number,
  configId: number,
): Promise<void> {
  const config = scale.nodeBalancerConfig;
  run.step(
    `NodeBalancer ${nodeBalancerId}: health check GET ${config.check_path} every ${config.check_interval}s (timeout ${config.check_timeout}s, ${config.check_attempts} attempts)`,
  );
  await run.client.nodeBalancers.updateConfig(nodeBalancerId, configId, { check: httpCheckOf(config) });
}

/** `external_port` of a `container.ports` change's shown value (`external:internal`). */
function externalPortOf(shown: string | undefined): string | undefined {
  return shown?.split(':')[0];
}

/**
 * A new public port is refused on a deployment with replicas. The NodeBalancer's config can move
 * to another port, but not without an outage: clients of the old port are cut off at the
 * switch; and the firewalls' rules (applied through the API before the roll) would stop admitting
 * the old port to the NodeBalancer and to the replicas the moment the roll starts, while the old
 * replicas still publish the app on it. `internal_port` alone is rolled: the backends are the
 * replicas' host port, which is `external_port`, so the NodeBalancer is unchanged.
 */
export function refusePublicPortChange(changes: readonly FieldChange[], record: DeploymentRecord): void {
  if (!record.scale) return;
  const ports = changes.find((change) => change.field === 'container.ports');
  const from = externalPortOf(ports?.from);
  const to = externalPortOf(ports?.to);
  if (!ports || from === to) return;
  throw new CliError(
    `deploy.yml changes the public port of ${record.id} (external_port ${from ?? '?'} → ${to ?? '?'}); its NodeBalancer cannot move to another port without cutting off the clients of port ${from ?? 'the old one'}.`,
    `Keep external_port ${from ?? 'as deployed'} (internal_port can change), or deploy the new port beside it with 'linode-build deploy --new', move the clients, then 'linode-build destroy ${record.id}'.`,
  );
}

/**
 * Before a scale-up that also changes the health check: the new replicas start on the new
 * version, so they would never pass the old HTTP check; the check is relaxed before they join
 * (the roll of the old replicas that follows keeps it so and sets the new one at the end).
 */
export async function relaxBeforeScaleUp(
  run: Run,
  changes: readonly FieldChange[],
  record: DeploymentRecord,
  scale: ScalePlan,
): Promise<DeploymentRecord> {
  const state = record.scale;
  if (state?.nodeBalancerId === undefined || state.configId === undefined) return record;
  if (!rollRelaxesCheck(changes, record)) return record;
  return relaxCheck(run, record, scale, state.nodeBalancerId, state.configId);
}

/**
 * Up to date, yet a deploy cut short before its roll began (or a roll undone meanwhile) left the
 * check relaxed: the planned HTTP check is set and the mark cleared.
 */
export async function settleRelaxedCheck(
  run: Run,
  record: DeploymentRecord,
  scale: ScalePlan,
): Promise<DeploymentRecord> {
  const state = record.scale;
  if (state?.checkRelaxedAt === undefined) return record;
  if (state.nodeBalancerId !== undefined && state.configId !== undefined)
    await restoreCheck(run, scale, state.nodeBalancerId, state.configId);
  const { checkRelaxedAt: _relaxed, ...rest } = state;
  const settled: DeploymentRecord = { ...record, scale: rest };
  await upsertDeployment(run.request.env, settled);
  return settled;
}

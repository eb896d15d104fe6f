/**
 * Waiting for one new instance: running, then healthy on the template's check, with the
 * watcher's boot steps meanwhile. Used by a first deploy with --wait, by --replace, and by the
 * change from replicas to one instance (transition.ts), which all need a new instance serving
 * before anything else happens.
 */
import type { DeployPlan } from '../plan/types.js';
import { upsertDeployment } from '../state/registry.js';
import type { DeploymentRecord } from '../state/types.js';
import { pollInterval } from '../util/poll.js';
import type { Run } from './run-context.js';
import { type HealthOutcome, waitUntilHealthy, waitUntilRunning } from './wait.js';

export function waitContext(run: Pick<Run, 'client' | 'hooks' | 'request' | 'step' | 'now'>) {
  return {
    client: run.client,
    env: run.request.env,
    step: run.step,
    deadline: run.now() + run.request.timeoutSeconds * 1000,
    pollMs: pollInterval(run.request.env),
    now: run.now,
    onStatus: (status: string) => run.hooks.onEvent({ kind: 'instance-status', status }),
  };
}

/** Running, then (with a health check) healthy; boot steps from the watcher meanwhile. */
export async function followUntilHealthy(
  run: Pick<Run, 'client' | 'hooks' | 'request' | 'step' | 'now'>,
  record: DeploymentRecord,
  linodeId: number,
  plan: DeployPlan,
): Promise<HealthOutcome | undefined> {
  const { request, hooks } = run;
  const context = { ...waitContext(run), ...(hooks.boot ? { boot: await hooks.boot(record) } : {}) };
  try {
    await waitUntilRunning(context, record, linodeId);
    const check = plan.template.deploy.linode.container?.health;
    if (!check) {
      run.step('The template has no health check; the instance is running');
      return undefined;
    }
    hooks.onEvent({ kind: 'stage', id: 'health', label: 'Health check' });
    const outcome = await waitUntilHealthy(context, record, check);
    const at = new Date(run.now()).toISOString();
    // healthyAt: from now on a failing probe is `unhealthy`, no longer `starting` (status/health.ts).
    await upsertDeployment(request.env, {
      ...record,
      ...(outcome?.result.ok ? { healthyAt: record.healthyAt ?? at } : {}),
      updatedAt: at,
    });
    return outcome;
  } finally {
    // Stops the boot reporter's background reads and its SSH tunnel.
    context.boot?.close?.();
  }
}

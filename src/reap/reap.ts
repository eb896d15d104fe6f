/**
 * `reap`: finds expired deployments by their tags (so it works from any machine and from cron,
 * with or without a local registry) and destroys each with destroyDeployment. One failure does
 * not stop the others; the caller reports every outcome.
 */
import type { DestroyResult, DestroyTarget } from '../destroy/destroy.js';
import { destroyDeployment } from '../destroy/destroy.js';
import type { LinodeClient } from '../linode/client.js';
import { readRegistry } from '../state/registry.js';
import type { DeploymentRecord } from '../state/types.js';
import { type ExpiredDeployment, findExpired } from './lifetime.js';

export interface ReapOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly client: LinodeClient;
  readonly now: Date;
  /** List only; delete nothing. */
  readonly dryRun: boolean;
  readonly onProgress?: (text: string) => void;
  /** Called before each deployment is destroyed (for the printed list). */
  readonly onDestroying?: (deployment: ExpiredDeployment) => void;
}

export interface ReapOutcome {
  readonly deployment: ExpiredDeployment;
  readonly result?: DestroyResult;
  /** The error's message when destroying this one failed. */
  readonly error?: string;
}

export interface ReapReport {
  readonly expired: readonly ExpiredDeployment[];
  readonly outcomes: readonly ReapOutcome[];
}

/** Every expired deployment of the account (one paged instance list, prices from the cache). */
export async function listExpired(client: LinodeClient, now: Date): Promise<ExpiredDeployment[]> {
  const [instances, types] = await Promise.all([client.listInstances(), client.listTypes().catch(() => [])]);
  return findExpired(instances, types, now);
}

export function destroyTargetFor(
  deployment: ExpiredDeployment,
  records: readonly DeploymentRecord[],
): DestroyTarget {
  const record = records.find((candidate) => candidate.id === deployment.id);
  return {
    id: deployment.id,
    app: deployment.app,
    env: deployment.env,
    linodeId: deployment.linodeId,
    ...(record?.firewallId !== undefined ? { firewallId: record.firewallId } : {}),
    ...(record?.projectDir ? { projectDir: record.projectDir } : {}),
  };
}

export async function reapExpired(
  options: ReapOptions,
  expired?: readonly ExpiredDeployment[],
): Promise<ReapReport> {
  const found = expired ?? (await listExpired(options.client, options.now));
  if (options.dryRun || found.length === 0) return { expired: found, outcomes: [] };
  const { deployments: records } = await readRegistry(options.env);
  const outcomes: ReapOutcome[] = [];
  for (const deployment of found) {
    options.onDestroying?.(deployment);
    try {
      const result = await destroyDeployment({
        env: options.env,
        client: options.client,
        target: destroyTargetFor(deployment, records),
        now: () => options.now,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
      outcomes.push({ deployment, result });
    } catch (error) {
      outcomes.push({ deployment, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return { expired: found, outcomes };
}

/**
 * `reap`: finds expired deployments by their tags (so it works from any machine and from cron,
 * with or without a local registry) and destroys each with destroyDeployment. One failure does
 * not stop the others; the caller reports every outcome.
 */
import type { DestroyResult, DestroyTarget } from '../destroy/destroy.js';
import { destroyDeployment, recordedIds } from '../destroy/destroy.js';
import type { LinodeClient } from '../linode/client.js';
import { readRegistry } from '../state/registry.js';
import type { DeploymentRecord } from '../state/types.js';
import { isReplicated } from '../status/replicas.js';
import { type ExpiredDeployment, findExpired, type ScaleFacts } from './lifetime.js';

/** What destroying needs to know about a deployment, whatever made it reapable. */
export type Reapable = Pick<
  ExpiredDeployment,
  'id' | 'app' | 'env' | 'linodeId' | 'replicas' | 'nodeBalancerId'
>;

export interface ReapOptions<T extends Reapable = ExpiredDeployment> {
  readonly env: NodeJS.ProcessEnv;
  readonly client: LinodeClient;
  readonly now: Date;
  /** List only; delete nothing. */
  readonly dryRun: boolean;
  readonly onProgress?: (text: string) => void;
  /** Called before each deployment is destroyed (for the printed list). */
  readonly onDestroying?: (deployment: T) => void;
}

export interface ReapOutcome<T extends Reapable = ExpiredDeployment> {
  readonly deployment: T;
  readonly result?: DestroyResult;
  /** The error's message when destroying this one failed. */
  readonly error?: string;
}

export interface ReapReport {
  readonly expired: readonly ExpiredDeployment[];
  readonly outcomes: readonly ReapOutcome[];
}

/**
 * The account's instances and the type prices (one paged instance list, prices from the
 * cache), and, only when some instance is a replica, the NodeBalancers (one more listing) and
 * their prices, so a replicated deployment's price includes its NodeBalancer.
 */
export async function listAccount(client: LinodeClient) {
  const [instances, types] = await Promise.all([client.listInstances(), client.listTypes().catch(() => [])]);
  if (!isReplicated(undefined, instances)) return { instances, types };
  const [nodeBalancers, nodeBalancerTypes] = await Promise.all([
    client.nodeBalancers.list(),
    client.nodeBalancers.types().catch(() => []),
  ]);
  const scale: ScaleFacts = { nodeBalancers, nodeBalancerTypes };
  return { instances, types, scale };
}

/** Every expired deployment of the account. */
export async function listExpired(client: LinodeClient, now: Date): Promise<ExpiredDeployment[]> {
  const { instances, types, scale } = await listAccount(client);
  return findExpired(instances, types, now, scale);
}

export function destroyTargetFor(deployment: Reapable, records: readonly DeploymentRecord[]): DestroyTarget {
  const record = records.find((candidate) => candidate.id === deployment.id);
  return {
    id: deployment.id,
    app: deployment.app,
    env: deployment.env,
    linodeId: deployment.linodeId,
    ...recordedIds(record),
    // Known from its tags even without a record: destroy also finds it by the build-id tag.
    ...(deployment.nodeBalancerId !== undefined && record?.scale?.nodeBalancerId === undefined
      ? { nodeBalancerId: deployment.nodeBalancerId }
      : {}),
    ...(record?.projectDir ? { projectDir: record.projectDir } : {}),
  };
}

export async function reapExpired(
  options: ReapOptions,
  expired?: readonly ExpiredDeployment[],
): Promise<ReapReport> {
  const found = expired ?? (await listExpired(options.client, options.now));
  if (options.dryRun || found.length === 0) return { expired: found, outcomes: [] };
  return { expired: found, outcomes: await destroyEach(options, found) };
}

/** Destroys each deployment like `destroy` does; one failure does not stop the others. */
export async function destroyEach<T extends Reapable>(
  options: ReapOptions<T>,
  deployments: readonly T[],
): Promise<ReapOutcome<T>[]> {
  if (deployments.length === 0) return [];
  const { deployments: records } = await readRegistry(options.env);
  const outcomes: ReapOutcome<T>[] = [];
  for (const deployment of deployments) {
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
  return outcomes;
}

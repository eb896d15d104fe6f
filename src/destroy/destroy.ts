/**
 * Destroying one deployment: its instance (found by id and by its build-id tag), waiting until
 * the API answers 404, then its firewall, then local state (the registry record becomes a
 * short "destroyed" note; secrets go; the project's .linode/state.json gets `destroyedAt`).
 * Every step tolerates "already gone", so running it again is harmless.
 */
import { CliError } from '../errors.js';
import { LinodeClient } from '../linode/client.js';
import { markProjectDestroyed } from '../state/project.js';
import { forgetDestroyed, updateRegistry } from '../state/registry.js';
import { removeSecrets } from '../state/secrets.js';
import type { DeploymentRecord } from '../state/types.js';
import { pollInterval } from '../util/poll.js';

export interface DestroyTarget {
  readonly id: string;
  readonly app: string;
  readonly env: string;
  readonly linodeId?: number;
  readonly firewallId?: number;
  /** A deployment with replicas: its NodeBalancer (also found by its `build-id:` tag). */
  readonly nodeBalancerId?: number;
  /** A deployment with replicas: its placement group (untaggable: found by its recorded id or `lb-<id>` label). */
  readonly placementGroupId?: number;
  readonly projectDir?: string;
}

/** The ids a registry record holds beyond the instance: its firewall and (replicas) NodeBalancer. */
export function recordedIds(
  record: DeploymentRecord | undefined,
): Pick<DestroyTarget, 'firewallId' | 'nodeBalancerId' | 'placementGroupId'> {
  const nodeBalancerId = record?.scale?.nodeBalancerId;
  const placementGroupId = record?.scale?.placementGroupId;
  return {
    ...(record?.firewallId !== undefined ? { firewallId: record.firewallId } : {}),
    ...(nodeBalancerId !== undefined ? { nodeBalancerId } : {}),
    ...(placementGroupId !== undefined ? { placementGroupId } : {}),
  };
}

/** What destroy needs of a deployment the registry holds: its names and every recorded id. */
export function destroyTargetOf(record: DeploymentRecord): DestroyTarget {
  return {
    id: record.id,
    app: record.app,
    env: record.env,
    ...(record.linodeId !== undefined ? { linodeId: record.linodeId } : {}),
    ...recordedIds(record),
  };
}

export interface DestroyOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly target: DestroyTarget;
  readonly client?: LinodeClient;
  readonly onProgress?: (text: string) => void;
  readonly now?: () => Date;
  /** How long to wait for the API to report the instance gone (default 10 min). */
  readonly goneTimeoutMs?: number;
}

export interface DestroyResult {
  readonly instancesDeleted: number;
  readonly firewallsDeleted: number;
  readonly nodeBalancersDeleted: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function destroyDeployment(options: DestroyOptions): Promise<DestroyResult> {
  const { env, target } = options;
  const progress = options.onProgress ?? (() => undefined);
  const now = options.now ?? (() => new Date());
  const client = options.client ?? (await LinodeClient.connect(env, { onRetry: progress }));
  const tag = `build-id:${target.id}`;

  await updateRegistry(env, (records) =>
    records.map((record) =>
      record.id === target.id ? { ...record, status: 'destroying', updatedAt: now().toISOString() } : record,
    ),
  );

  // The NodeBalancer first (replicas): traffic stops before its backends go.
  const nodeBalancerIds = new Set((await client.nodeBalancers.withTag(tag)).map((balancer) => balancer.id));
  if (target.nodeBalancerId !== undefined) nodeBalancerIds.add(target.nodeBalancerId);
  let nodeBalancersDeleted = 0;
  for (const nodeBalancerId of nodeBalancerIds) {
    if ((await client.nodeBalancers.delete(nodeBalancerId)) === 'deleted') {
      nodeBalancersDeleted++;
      progress(`Deleted NodeBalancer ${nodeBalancerId}`);
    }
  }

  // Every instance (a deployment's replicas share its build-id: tag) is deleted, then waited for
  // together: N replicas take one instance's deletion time, not N.
  const instanceIds = new Set((await client.instancesWithTag(tag)).map((instance) => instance.id));
  if (target.linodeId !== undefined) instanceIds.add(target.linodeId);
  let instancesDeleted = 0;
  for (const linodeId of instanceIds) {
    if ((await client.deleteInstance(linodeId)) === 'deleted') instancesDeleted++;
  }
  await Promise.all(
    [...instanceIds].map((linodeId) =>
      waitUntilGone(client, linodeId, env, progress, options.goneTimeoutMs ?? 600_000),
    ),
  );

  // Placement groups take no tags: ours is the recorded one, or the one labelled lb-<id>(-<app>)
  // (the deployment id makes the label ours); it is deleted once its instances are gone.
  const groups = await client.placementGroups.list();
  const groupIds = new Set(
    groups.filter((group) => isOwnLabel(group.label, target.id)).map((group) => group.id),
  );
  if (target.placementGroupId !== undefined) groupIds.add(target.placementGroupId);
  for (const groupId of groupIds) {
    if ((await client.placementGroups.delete(groupId)) === 'deleted')
      progress(`Deleted placement group ${groupId}`);
  }

  const firewallIds = new Set((await client.listFirewalls({ tags: tag })).map((firewall) => firewall.id));
  if (target.firewallId !== undefined) firewallIds.add(target.firewallId);
  let firewallsDeleted = 0;
  for (const firewallId of firewallIds) {
    if ((await client.deleteFirewall(firewallId)) === 'deleted') {
      firewallsDeleted++;
      progress(`Deleted firewall ${firewallId}`);
    }
  }

  await forgetDestroyed(env, { id: target.id, app: target.app, env: target.env }, now());
  await removeSecrets(env, target.id);
  if (target.projectDir) {
    // The project may have been moved or deleted; the deployment is gone either way.
    await markProjectDestroyed(target.projectDir, now(), target.id).catch(() => undefined);
  }
  return { instancesDeleted, firewallsDeleted, nodeBalancersDeleted };
}

async function waitUntilGone(
  client: LinodeClient,
  linodeId: number,
  env: NodeJS.ProcessEnv,
  progress: (text: string) => void,
  timeoutMs: number,
): Promise<void> {
  const started = Date.now();
  let last = '';
  for (;;) {
    const instance = await client.getInstance(linodeId);
    if (!instance) {
      progress(`Instance ${linodeId} is gone`);
      return;
    }
    if (instance.status !== last) {
      progress(`Instance ${linodeId} is ${instance.status}; waiting until it is gone`);
      last = instance.status;
    }
    if (Date.now() - started > timeoutMs) {
      throw new CliError(
        `instance ${linodeId} still exists ${Math.round(timeoutMs / 1000)}s after it was deleted (status ${instance.status}).`,
        'Run the same destroy command again later; it picks up where it stopped.',
      );
    }
    await sleep(pollInterval(env));
  }
}

/** `lb-<id>` or `lb-<id>-<app>`: the labels linode-build gives a deployment's untaggable resources. */
function isOwnLabel(label: string, deploymentId: string): boolean {
  return label === `lb-${deploymentId}` || label.startsWith(`lb-${deploymentId}-`);
}

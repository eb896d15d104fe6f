/**
 * `status --adopt` and `--prune`: bring the registry in line with what the tags say. Each is one
 * locked registry update, however many deployments it touches.
 */
import { updateRegistry } from '../state/registry.js';
import { removeSecrets } from '../state/secrets.js';
import type { DeploymentRecord } from '../state/types.js';
import { linodeHostname } from './endpoint.js';
import type { DeploymentView } from './types.js';

/** A record younger than this may still be mid-create in another process: never pruned. */
export const creatingGraceMs = 15 * 60_000;

export function recordFromView(view: DeploymentView, now: Date): DeploymentRecord {
  const hostname = linodeHostname(view.ipv4);
  return {
    id: view.id,
    app: view.app,
    env: view.env,
    template: view.template,
    templateVersion: 'unknown',
    status: 'active',
    region: view.region,
    type: view.type,
    image: 'unknown',
    label: view.label ?? view.id,
    ...(view.linodeId !== undefined ? { linodeId: view.linodeId } : {}),
    ...(view.ipv4 ? { ipv4: view.ipv4 } : {}),
    ...(hostname ? { hostname } : {}),
    createdAt: view.createdAt ?? now.toISOString(),
    updatedAt: now.toISOString(),
  };
}

export function isPrunable(view: DeploymentView, record: DeploymentRecord | undefined, now: Date): boolean {
  if (view.instanceStatus !== 'missing' || !record) return false;
  if (record.status !== 'creating') return true;
  return now.getTime() - Date.parse(record.updatedAt) > creatingGraceMs;
}

/** A record left `creating` whose tagged instance exists, completed as the deploy would have. */
function completed(record: DeploymentRecord, view: DeploymentView, now: Date): DeploymentRecord {
  const hostname = linodeHostname(view.ipv4);
  return {
    ...record,
    status: 'active' as const,
    ...(view.linodeId !== undefined ? { linodeId: view.linodeId } : {}),
    ...(view.ipv4 ? { ipv4: view.ipv4 } : {}),
    ...(hostname ? { hostname } : {}),
    updatedAt: now.toISOString(),
  };
}

function interrupted(views: readonly DeploymentView[]): Map<string, DeploymentView> {
  return new Map(
    views
      .filter(
        (view) =>
          view.source === 'both' &&
          view.linodeId !== undefined &&
          (view.recordStatus === 'creating' || view.recordStatus === 'failed'),
      )
      .map((view) => [view.id, view]),
  );
}

/**
 * A deploy interrupted after its instance was created left a `creating` record: the tagged
 * instance completes it (id, address). `status` does this on every run; the next `deploy`
 * in the project would too. Returns the ids completed.
 */
export async function completeInterruptedCreates(
  env: NodeJS.ProcessEnv,
  views: readonly DeploymentView[],
  now: Date,
): Promise<string[]> {
  const found = interrupted(views);
  if (found.size === 0) return [];
  const done: string[] = [];
  await updateRegistry(env, (records) => {
    done.length = 0;
    return records.map((record) => {
      const view = found.get(record.id);
      if ((record.status !== 'creating' && record.status !== 'failed') || !view) return record;
      // Replicas are complete only when every one is a registered backend: deploy resumes them.
      if (record.scale) return record;
      done.push(record.id);
      return completed(record, view, now);
    });
  });
  return [...done];
}

export async function adoptDeployments(env: NodeJS.ProcessEnv, views: readonly DeploymentView[], now: Date) {
  const adopted = views.filter((view) => view.source === 'tags').map((view) => recordFromView(view, now));
  const completedIds = await completeInterruptedCreates(env, views, now);
  if (adopted.length > 0) {
    await updateRegistry(env, (records) => {
      const known = new Set(records.map((record) => record.id));
      return [...records, ...adopted.filter((record) => !known.has(record.id))];
    });
  }
  return [...adopted.map((record) => record.id), ...completedIds];
}

export async function pruneDeployments(
  env: NodeJS.ProcessEnv,
  views: readonly DeploymentView[],
  records: readonly DeploymentRecord[],
  now: Date,
) {
  const byId = new Map(records.map((record) => [record.id, record]));
  const pruned = views.filter((view) => isPrunable(view, byId.get(view.id), now)).map((view) => view.id);
  if (pruned.length > 0) {
    const gone = new Set(pruned);
    await updateRegistry(env, (current) => current.filter((record) => !gone.has(record.id)));
    for (const id of pruned) await removeSecrets(env, id);
  }
  return pruned;
}

/**
 * Remembers the first successful health answer of each deployment (`healthyAt`), so a later
 * failing probe reads `unhealthy` rather than `starting`. One locked update; records that
 * already have it keep their first time.
 */
export async function recordFirstHealthy(env: NodeJS.ProcessEnv, ids: readonly string[], now: Date) {
  if (ids.length === 0) return;
  const wanted = new Set(ids);
  await updateRegistry(env, (records) =>
    records.map((record) =>
      wanted.has(record.id) && !record.healthyAt ? { ...record, healthyAt: now.toISOString() } : record,
    ),
  );
}

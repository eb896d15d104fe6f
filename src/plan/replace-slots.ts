/**
 * What `deploy --replace` on a deployment with replicas brings in beside each replica, and which
 * replicas still need a new instance. Pure.
 *
 * A replica is replaced by surge: its new instance is created next to it, under names of its
 * own (Linode labels are unique per account, and `build-replica:<id>-<k>` must keep naming one
 * instance), joins the NodeBalancer under its own backend label, and only once it serves is the
 * old one drained and deleted. Then the new instance takes the canonical names, so the
 * deployment looks exactly like a freshly created one:
 *
 *                    while both exist                 after the old one is gone
 *   label            `<app>-<env>-<id>-<k>-new`       `<app>-<env>-<id>-<k>`
 *   replica tag      `build-replacing:<id>-<k>`       `build-replica:<id>-<k>`
 *   backend label    `<id>-n<k>`                      `<id>-r<k>`
 *
 * The surge instance keeps the `build-id:` tag, so destroy and reap find it like any other.
 */
import type { PlanPrint } from './fingerprint.js';
import { instanceLabel, TAG_MAX, tag } from './labels.js';
import type { ReplicaPlan } from './scale.js';
import type { DeployPlan, InstanceCreateBody } from './types.js';

const REPLICA_TAG = 'build-replica:';

/** `build-replacing:<id>-<k>`: finds a surge instance whose create answer was lost. */
export function surgeTag(deploymentId: string, index: number): string {
  return tag('build-replacing', `${deploymentId}-${index}`);
}

/** The NodeBalancer backend label of replica `index`'s new instance while both serve (3–32 characters). */
export function surgeNodeLabel(deploymentId: string, index: number): string {
  return `${deploymentId}-n${index}`;
}

/**
 * The host-key alias id of replica `index`'s new instance while both exist (`deploy --replace
 * --wait` reads its boot over SSH): the replica's own alias still pins the old machine.
 */
export function surgeHostKeyId(deploymentId: string, index: number): string {
  return `${deploymentId}-n${index}`;
}

/**
 * The create body of replica `replica.index`'s new instance: the replica's own body (the new
 * plan's type, image, user data, private IPv4) under the surge label and tag.
 */
export function surgeInstance(plan: DeployPlan, replica: ReplicaPlan): InstanceCreateBody {
  const { appName, envName, deploymentId } = plan.context;
  return {
    ...replica.instance,
    label: instanceLabel(appName, envName, `${deploymentId}-${replica.index}-new`),
    tags: replica.instance.tags
      .map((item) => (item.startsWith(REPLICA_TAG) ? surgeTag(deploymentId, replica.index) : item))
      .filter((item) => item.length <= TAG_MAX),
  };
}

function samePrint(a: PlanPrint | undefined, b: PlanPrint | undefined): boolean {
  if (!a || !b) return false;
  const names = Object.keys(a.fields);
  return (
    names.length === Object.keys(b.fields).length &&
    names.every((name) => a.fields[name]?.digest === b.fields[name]?.digest)
  );
}

export interface ReplaceProgress {
  /** The fingerprint the replicas were being replaced with, and the replicas that run it. */
  readonly fingerprint: PlanPrint;
  readonly done: readonly number[];
}

/**
 * The replicas that do not run `wanted` yet, in index order: those a replace left on its plan
 * run `progress.fingerprint`, the others what the record says (`recorded`). A replica whose
 * plan is unknown (no fingerprint) is replaced.
 */
export function replicasToReplace(
  indexes: readonly number[],
  recorded: PlanPrint | undefined,
  progress: ReplaceProgress | undefined,
  wanted: PlanPrint | undefined,
): number[] {
  const runs = (index: number) => (progress?.done.includes(index) ? progress.fingerprint : recorded);
  return [...indexes].sort((a, b) => a - b).filter((index) => !samePrint(runs(index), wanted));
}

/** Whether the new plan is the one an unfinished replace was rolling (its new instances can be kept). */
export function continuesReplace(
  progress: ReplaceProgress | undefined,
  wanted: PlanPrint | undefined,
): boolean {
  return progress !== undefined && samePrint(progress.fingerprint, wanted);
}

/** `items` in consecutive batches of `size` (at least 1). */
export function batchesOf<T>(items: readonly T[], size: number): T[][] {
  const step = Math.max(1, Math.floor(size));
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += step) batches.push(items.slice(start, start + step));
  return batches;
}

/**
 * What `status` and the TUI show for one deployment: the registry merged with the live
 * instance found by tags. Unknown facts are `undefined`/'unknown', never invented.
 */

import type { ReplaceStop, RollStop } from '../state/types.js';

/**
 * `starting`: the app has not answered its health check successfully yet and nothing says the
 * boot failed (see healthVerdict in health.ts); `not-checked`: the instance is not running, or
 * --no-health; `unknown`: no check the CLI can run from here.
 */
export type Health = 'healthy' | 'starting' | 'unhealthy' | 'unknown' | 'not-checked';

export interface WatcherIssueSummary {
  readonly kind: string;
  readonly severity: 'critical' | 'warning' | 'info';
  readonly container?: string;
  readonly message: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly count: number;
  readonly evidence?: string;
}

export interface DeploymentView {
  readonly id: string;
  readonly app: string;
  readonly env: string;
  readonly template: string;
  readonly region: string;
  readonly type: string;
  readonly linodeId?: number;
  readonly label?: string;
  /** The API's instance status, `missing` (record without instance) or `unknown`. */
  readonly instanceStatus: string;
  /** Local record status (`creating`, `active`, …) or `untracked` (known only by tags). */
  readonly recordStatus: string;
  readonly health: Health;
  readonly url?: string;
  readonly ipv4?: string;
  readonly createdAt?: string;
  /** $/hour from the types endpoint; undefined when unknown. */
  readonly hourlyPrice?: number;
  /** Accrued cost since creation (Linode bills powered-off instances too). */
  readonly accruedCost?: number;
  /** Open watcher issues; undefined when the watcher is not enabled or not reachable. */
  readonly openIssues?: readonly WatcherIssueSummary[];
  readonly expiresAt?: string;
  readonly source: 'registry' | 'tags' | 'both';
  /**
   * A deployment with replicas: each replica, by index (absent for a single instance). Then
   * `linodeId` is replica 1's, `ipv4`/`url` the NodeBalancer's, `instanceStatus` the replicas'
   * in one word, and the prices cover every replica and the NodeBalancer.
   */
  readonly replicas?: readonly ReplicaView[];
  /** The NodeBalancer in front of the replicas, when it exists. */
  readonly nodeBalancer?: NodeBalancerView;
  /** Its id again (`nodeBalancer.id`), kept for scripts written against the first replicas output. */
  readonly nodeBalancerId?: number;
  /** The replicas' anti-affinity placement group, when it was read (`status ID`). */
  readonly placementGroup?: PlacementGroupView;
  /** When a roll began that no deploy has finished (killed, or stopped by an unhealthy replica): ISO. */
  readonly unfinishedRollSince?: string;
  /** With unfinishedRollSince: the roll stopped on its own (not cut short), where and why. */
  readonly rollStopped?: RollStop;
  /** A `deploy --replace` of the replicas that no deploy finished (stopped or cut short). */
  readonly unfinishedReplace?: ReplaceView;
}

/** An unfinished replace: which replicas run which plan, and what is billed twice meanwhile. */
export interface ReplaceView {
  /** When it began (ISO). */
  readonly since: string;
  /** The plan the new instances run. */
  readonly type: string;
  readonly image: string;
  /** The plan the other replicas still run (the record's). */
  readonly previousType: string;
  /** Replicas that run the new plan. */
  readonly replaced: readonly number[];
  /** Replicas that still run the previous one. */
  readonly remaining: readonly number[];
  /** New instances that exist beside the old instance they are to replace (both billed). */
  readonly newInstances: readonly { readonly replica: number; readonly linodeId: number }[];
  /** It stopped on its own (a new instance never became healthy); absent when it was cut short. */
  readonly stopped?: ReplaceStop;
}

export interface ReplicaView {
  readonly index: number;
  readonly label: string;
  readonly linodeId: number;
  /** The API's instance status, or `missing` (recorded, but the instance is gone). */
  readonly instanceStatus: string;
  readonly ipv4?: string;
  readonly privateIpv4?: string;
  /** From the NodeBalancer's check (the only thing reaching the app port); only when backends were read. */
  readonly health?: Health;
  /** Its backend on the NodeBalancer (mode accept/drain/reject/backup, status UP/DOWN/unknown); absent when not read or not registered. */
  readonly backend?: { readonly mode: string; readonly status: string };
}

export interface NodeBalancerView {
  readonly id: number;
  readonly label: string;
  readonly hostname?: string;
  readonly ipv4?: string;
  /** The port it listens on (the app's published port). */
  readonly port?: number;
  readonly hourlyPrice?: number;
}

export interface PlacementGroupView {
  readonly id: number;
  readonly label: string;
  /** False while Linode has some replicas on one host (flexible policy); it moves them when it can. */
  readonly compliant: boolean;
  /** Replicas on a host with another replica. */
  readonly sharingHost: number;
}

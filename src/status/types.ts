/**
 * What `status` and the TUI show for one deployment: the registry merged with the live
 * instance found by tags. Unknown facts are `undefined`/'unknown', never invented.
 */

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
  /** A deployment with replicas: each one (from the listing; backends in detail views). */
  readonly replicas?: readonly ReplicaView[];
  /** A deployment with replicas: the NodeBalancer in front (its address is `ipv4`). */
  readonly nodeBalancerId?: number;
}

export interface ReplicaView {
  readonly index: number;
  readonly linodeId: number;
  /** The API's instance status. */
  readonly instanceStatus: string;
  /** The NodeBalancer's view of its backend (detail views: status ID, a project). */
  readonly backend?: { readonly mode: string; readonly status: string };
}

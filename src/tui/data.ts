/**
 * What the dashboard reads and does, behind one interface so views are tested against fakes
 * and production uses the same functions as the `status` and `destroy` commands. Nothing in
 * here is invented: a fact the sources do not know stays undefined and is shown as unknown.
 */
import type { DeploymentView, WatcherIssueSummary } from '../status/types.js';

export type BootStepState = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

/** One boot step as the watcher reported it; times only when the watcher measured them. */
export interface BootStep {
  readonly name: string;
  readonly state: BootStepState;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly detail?: string;
}

export interface WatcherEvent {
  readonly at: string;
  readonly kind: string;
  readonly message: string;
}

export interface HealthSample {
  readonly at: string;
  readonly ok: boolean;
  readonly detail?: string;
}

/** What the on-instance watcher told us, or why we have nothing from it. */
export type WatcherPanel =
  | {
      readonly state: 'ok';
      readonly bootSteps: readonly BootStep[];
      readonly issues: readonly WatcherIssueSummary[];
      /** Newest first. */
      readonly events: readonly WatcherEvent[];
      /** Idle since when, and each GPU's latest sample (status/idle-lines.ts); absent: none. */
      readonly idleGpu?: readonly string[];
    }
  | { readonly state: 'disabled' }
  | { readonly state: 'unreachable'; readonly error: string };

export interface DetailView {
  readonly deployment: DeploymentView;
  readonly watcher: WatcherPanel;
  /** Recent health checks made by the CLI or the watcher; undefined when none are known. */
  readonly healthHistory?: readonly HealthSample[];
}

export interface DataSource {
  list(): Promise<DeploymentView[]>;
  detail(id: string): Promise<DetailView>;
  /** Deletes the deployment (instance, firewall, local records), reporting each step. */
  destroy(id: string, onProgress: (message: string) => void): Promise<void>;
  /** The last `lines` log lines (raw, untrusted text). */
  logs(id: string, lines: number): Promise<string[]>;
}

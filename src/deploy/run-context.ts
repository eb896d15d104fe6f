/**
 * What one deploy run carries and answers (request, hooks, outcome) and the steps every path
 * of it shares: asking before anything billed, and the input for creating a deployment. Its
 * own module so that runDeployment (run.ts) and the replica paths (replicas-run.ts, roll.ts)
 * import it without importing each other.
 */
import type { Instance, LinodeClient } from '../linode/client.js';
import type { FieldChange } from '../plan/fingerprint.js';
import type { SshHost } from '../ssh/replica.js';
import type { DeploymentRecord } from '../state/types.js';
import type { BootReporter } from './boot-watch.js';
import type { CreateInput } from './create.js';
import type { PlanRequest, PreparedPlan } from './prepare.js';
import type { HealthOutcome } from './wait.js';

export type DeployRequest = Omit<PlanRequest, 'mode' | 'fresh'> & {
  /** Wait until the new instance is running and healthy (always done for --replace). */
  readonly wait: boolean;
  readonly timeoutSeconds: number;
  /** Apply machine-level changes by replacing the instance. */
  readonly replace: boolean;
  /** Create another deployment even though this env has one (`--new`). */
  readonly fresh: boolean;
  /** Replicas: how many may be out of rotation at once during a rolling update (default 1). */
  readonly maxUnavailable?: number | undefined;
};

export type DeployEvent =
  | { readonly kind: 'prepared'; readonly prepared: PreparedPlan }
  | { readonly kind: 'step'; readonly text: string }
  | { readonly kind: 'stage'; readonly id: string; readonly label: string }
  /** What exists now (for an interrupt report): the record as last written. */
  | { readonly kind: 'record'; readonly record: DeploymentRecord }
  | {
      readonly kind: 'created';
      readonly record: DeploymentRecord;
      readonly instance: Instance;
      readonly hourlyPrice?: number;
    }
  | { readonly kind: 'instance-status'; readonly status: string };

export interface DeployHooks {
  readonly connect: () => Promise<LinodeClient>;
  readonly onEvent: (event: DeployEvent) => void;
  /** Asks before anything billed is created or changed; false cancels. */
  readonly confirm: (question: string, action: string) => Promise<boolean>;
  /**
   * Boot progress from the deployment's watcher, when it can be reached; for one replica, from
   * that replica's watcher, its lines printed through `replica.step`.
   */
  readonly boot?: (record: DeploymentRecord, replica?: ReplicaBoot) => Promise<BootReporter | undefined>;
  readonly now?: () => number;
}

/** Which replica's boot to follow, and where its lines go. */
export interface ReplicaBoot {
  readonly host: SshHost;
  readonly step: (text: string) => void;
}

export type DeployResult = 'created' | 'unchanged' | 'updated' | 'replaced' | 'scaled' | 'cancelled';

export interface DeployOutcome {
  readonly result: DeployResult;
  readonly prepared: PreparedPlan;
  readonly record?: DeploymentRecord;
  readonly hourlyPrice?: number;
  readonly health?: HealthOutcome;
  readonly changes: readonly FieldChange[];
  /** With --new: the deployment this env had before, left running. */
  readonly leftRunning?: DeploymentRecord;
  /**
   * One instance became replicas or back (transition.ts): the deployment taken over from,
   * now deleted, and the public address before and after.
   */
  readonly addressChange?: { readonly replaced: string; readonly from?: string; readonly to?: string };
}

export interface Run {
  readonly request: DeployRequest;
  readonly hooks: DeployHooks;
  readonly client: LinodeClient;
  readonly step: (text: string) => void;
  readonly now: () => number;
}

/** A run's outcome with the record it left and (when known) the deployment's hourly price. */
export function outcomeWith(
  result: DeployResult,
  prepared: PreparedPlan,
  record: DeploymentRecord,
  hourlyPrice: number | undefined,
): DeployOutcome {
  return {
    result,
    prepared,
    record,
    ...(hourlyPrice !== undefined ? { hourlyPrice } : {}),
    changes: prepared.changes ?? [],
  };
}

/** Cancelled by the user at a prompt: not an error, nothing was changed. */
export class DeployCancelled extends Error {}

export async function confirmOrCancel(run: Run, question: string, action: string): Promise<void> {
  if (!(await run.hooks.confirm(question, action))) throw new DeployCancelled('cancelled');
}

/** What creating a deployment from this plan takes (one instance, or replicas). */
export function createInput(run: Run, prepared: PreparedPlan, recordInProject: boolean): CreateInput {
  const { request, hooks } = run;
  return {
    env: request.env,
    client: run.client,
    plan: prepared.plan,
    projectDir: prepared.projectDir ?? request.cwd,
    secrets: prepared.localSecrets,
    ...(prepared.watcherPort !== undefined ? { watcherPort: prepared.watcherPort } : {}),
    ...(prepared.fingerprint ? { fingerprint: prepared.fingerprint } : {}),
    ...(prepared.sshIdentityFile ? { sshIdentityFile: prepared.sshIdentityFile } : {}),
    ...(request.noSsh ? { noSsh: true } : {}),
    recordInProject,
    progress: run.step,
    onRecord: (current) => hooks.onEvent({ kind: 'record', record: current }),
    now: () => new Date(run.now()),
  };
}

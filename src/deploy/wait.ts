/**
 * `deploy --wait`: follow the instance through provisioning → booting → running, then probe the
 * app through its published port until it is healthy.
 *
 * Health semantics: while the app has never answered (connection refused / timeout) the boot is
 * still going (packages, drivers, image pull), so we keep waiting until --timeout. Once it
 * answers, the template's rules apply: failures during `initial_delay_seconds` do not count,
 * after that `max_retries` failed probes `interval_seconds` apart mean unhealthy.
 *
 * A wait is never silent for long: when nothing was printed for the heartbeat interval (30 s;
 * LINODE_BUILD_HEARTBEAT_MS in tests) a "Still waiting" line names the current stage and, with
 * a watcher, the running boot step or why steps are not visible yet.
 */
import { CliError } from '../errors.js';
import type { Instance, LinodeClient } from '../linode/client.js';
import type { DeploymentRecord } from '../state/types.js';
import { healthAddress } from '../status/endpoint.js';
import { type ProbeResult, probeHealth } from '../status/health.js';
import type { HealthCheck } from '../template/types.js';
import type { BootReporter } from './boot-watch.js';

export interface WaitContext {
  readonly client: LinodeClient;
  readonly env: NodeJS.ProcessEnv;
  readonly step: (text: string) => void;
  /** Epoch ms after which waiting fails. */
  readonly deadline: number;
  readonly pollMs: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Boot progress from the watcher, when the deployment runs one. */
  readonly boot?: BootReporter | undefined;
  /** Told each new instance status (the TUI shows them as stages). */
  readonly onStatus?: (status: string) => void;
}

export class WaitFailure extends CliError {
  constructor(
    message: string,
    hint: string,
    /** The last things observed (probe results, statuses), oldest first. */
    readonly lastLines: readonly string[],
  ) {
    super(message, hint);
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const DEFAULT_HEARTBEAT_MS = 30_000;

export function heartbeatInterval(env: NodeJS.ProcessEnv): number {
  const fromEnv = Number(env.LINODE_BUILD_HEARTBEAT_MS);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_HEARTBEAT_MS;
}

interface Heartbeat {
  /** Prints a line (and counts it as a sign of life). */
  say(text: string): void;
  stop(): void;
}

/**
 * Prints "Still waiting: <stage>" when neither the wait nor the boot reporter printed anything
 * for the heartbeat interval. An unref'd timer: it runs while the wait sleeps or a probe hangs.
 */
function startHeartbeat(context: WaitContext, stage: () => string): Heartbeat {
  const now = context.now ?? Date.now;
  const interval = heartbeatInterval(context.env);
  let last = now();
  const quietSince = () => Math.max(last, context.boot?.lastLineAt?.() ?? 0);
  const timer = setInterval(
    () => {
      if (now() - quietSince() < interval) return;
      last = now();
      const boot = context.boot?.current?.();
      context.step(`Still waiting: ${stage()}${boot ? `; ${boot}` : ''}`);
    },
    Math.max(50, Math.min(1000, interval / 4)),
  );
  timer.unref();
  return {
    say(text) {
      last = now();
      context.step(text);
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * What to do after a failed wait, naming linode-build's own commands: `ssh ID` pins the host
 * key (plain `ssh root@IP` would not), and `logs ID --boot` reads the watcher's boot steps.
 */
export function destroyHint(record: Pick<DeploymentRecord, 'id' | 'ipv4' | 'watcherPort'>): string {
  const tail = `'linode-build ssh ${record.id} -- tail -n 50 /var/log/cloud-init-output.log'`;
  const inspect =
    record.watcherPort !== undefined
      ? `See the boot steps with 'linode-build logs ${record.id} --boot' or the boot log with ${tail}; `
      : record.ipv4
        ? `Inspect it with ${tail}; `
        : '';
  const left = `the instance was left running for inspection: remove it with 'linode-build destroy ${record.id}'.`;
  return inspect ? `${inspect}${left}` : `T${left.slice(1)}`;
}

export async function waitUntilRunning(
  context: WaitContext,
  record: DeploymentRecord,
  linodeId: number,
): Promise<Instance> {
  const now = context.now ?? Date.now;
  const sleep = context.sleep ?? defaultSleep;
  let last = '';
  const seen: string[] = [];
  const beat = startHeartbeat(context, () => (last ? `instance is ${last}` : 'instance not reported yet'));
  try {
    for (;;) {
      const instance = await context.client.getInstance(linodeId);
      if (!instance) {
        throw new WaitFailure(
          `instance ${linodeId} disappeared while waiting for it to boot.`,
          `It was deleted outside linode-build; clean up the record with 'linode-build status --prune'.`,
          seen,
        );
      }
      if (instance.status !== last) {
        beat.say(`Instance is ${instance.status}`);
        context.onStatus?.(instance.status);
        seen.push(`instance status: ${instance.status}`);
        last = instance.status;
      }
      if (instance.status === 'running') return instance;
      if (now() > context.deadline) {
        throw new WaitFailure(
          `instance ${linodeId} did not reach running before the timeout (still ${instance.status}).`,
          destroyHint(record),
          seen,
        );
      }
      await sleep(context.pollMs);
    }
  } finally {
    beat.stop();
  }
}

export interface HealthOutcome {
  readonly result: ProbeResult;
  readonly address: string;
}

export async function waitUntilHealthy(
  context: WaitContext,
  record: DeploymentRecord,
  check: HealthCheck,
): Promise<HealthOutcome | undefined> {
  const now = context.now ?? Date.now;
  const sleep = context.sleep ?? defaultSleep;
  const address = healthAddress(record.ipv4, record.externalPort, context.env);
  if (!address || (check.type !== 'http' && check.type !== 'tcp')) return undefined;
  const target = check.type === 'http' ? `http://${address}${check.path ?? '/'}` : `tcp://${address}`;
  let lastDetail = '';
  const beat = startHeartbeat(context, () => `health ${target}: ${lastDetail || 'not checked yet'}`);
  beat.say(`Checking health at ${target}`);
  const started = now();
  const history: string[] = [];
  let answered = false;
  let failures = 0;
  try {
    for (;;) {
      const bootFailure = await context.boot?.poll();
      if (bootFailure) throw new WaitFailure(bootFailure.message, destroyHint(record), bootFailure.lastLines);
      const result = await probeHealth(check, address);
      if (result.detail !== lastDetail) {
        history.push(`health ${target}: ${result.detail}`);
        // The word `status` uses for the same probe (healthVerdict): starting until it first succeeds.
        if (!result.ok) beat.say(`Health: starting (${result.detail})`);
        lastDetail = result.detail;
      }
      if (result.ok) {
        beat.say(`Healthy (${result.detail})`);
        return { result, address };
      }
      if (/^HTTP \d+$/.test(result.detail)) answered = true;
      if (answered && now() - started >= check.initial_delay_seconds * 1000) failures++;
      if (failures > check.max_retries) {
        throw new WaitFailure(
          `the app at ${target} answered but is unhealthy: ${result.detail} after ${failures} checks.`,
          destroyHint(record),
          history.slice(-10),
        );
      }
      if (now() > context.deadline) {
        throw new WaitFailure(
          `the app at ${target} was not healthy before the timeout (last: ${result.detail}).`,
          destroyHint(record),
          history.slice(-10),
        );
      }
      // LINODE_BUILD_POLL_MS (tests) overrides the template interval. A failed boot step seen
      // by the boot reporter in the background ends the sleep at once.
      const pause = sleep(
        context.env.LINODE_BUILD_POLL_MS ? context.pollMs : Math.min(check.interval_seconds * 1000, 30_000),
      );
      await (context.boot?.failed ? Promise.race([pause, context.boot.failed]) : pause);
    }
  } finally {
    beat.stop();
  }
}

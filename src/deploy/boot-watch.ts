/**
 * Boot progress during `deploy --wait`, read from the deployment's watcher (BuildWatch) when the
 * template runs it: each boot step is reported as it starts and finishes, and a failed step
 * ends the wait at once with its exit code and last output lines, instead of waiting for a
 * health check that can no longer pass. An unreachable watcher (not started yet, or its port
 * not open to this machine) is not an error: the health check still decides.
 *
 * LINODE_BUILD_WATCHER_URL (test only) replaces http://<ip>:<watcher port>.
 */
import { readSecret } from '../state/secrets.js';
import type { DeploymentRecord } from '../state/types.js';
import { type BootProgress, WatcherClient } from '../watcher-client/client.js';
import { sanitize } from '../watcher-client/format.js';
import { WATCHER_TOKEN_SECRET } from '../watcher-client/resolve.js';

export interface BootStepFailure {
  readonly message: string;
  readonly lastLines: readonly string[];
}

export interface BootReporter {
  /** Reports what changed since the last poll; returns a failure when the boot failed. */
  poll(): Promise<BootStepFailure | undefined>;
}

export async function bootReporter(
  env: NodeJS.ProcessEnv,
  record: DeploymentRecord,
  step: (text: string) => void,
): Promise<BootReporter | undefined> {
  if (!record.watcherPort) return undefined;
  const token = (await readSecret(env, record.id, WATCHER_TOKEN_SECRET))?.trim();
  const baseUrl =
    env.LINODE_BUILD_WATCHER_URL?.trim() ||
    (record.ipv4 ? `http://${record.ipv4}:${record.watcherPort}` : undefined);
  if (!token || !baseUrl) return undefined;
  const client = new WatcherClient({ baseUrl: baseUrl.replace(/\/+$/, ''), token }, { timeoutMs: 3000 });
  const reported = new Map<string, string>();
  return {
    async poll() {
      let boot: BootProgress;
      try {
        boot = (await client.status()).boot;
      } catch {
        return undefined;
      }
      return reportBoot(boot, reported, step);
    },
  };
}

/** Pure: prints step transitions (remembered in `reported`) and detects a failed boot. */
export function reportBoot(
  boot: BootProgress,
  reported: Map<string, string>,
  step: (text: string) => void,
): BootStepFailure | undefined {
  for (const item of boot.steps) {
    if (item.state === 'pending' || reported.get(item.id) === item.state) continue;
    reported.set(item.id, item.state);
    const label = sanitize(item.description || item.name || item.id);
    const exit = item.state === 'failed' && item.exit_code !== undefined ? ` (exit ${item.exit_code})` : '';
    step(`Boot: ${sanitize(item.capability)}: ${label}: ${item.state}${exit}`);
  }
  const failed = boot.steps.find((item) => item.state === 'failed');
  if (failed) {
    const label = sanitize(failed.description || failed.name || failed.id);
    const exit = failed.exit_code !== undefined ? ` with exit code ${failed.exit_code}` : '';
    const lines = (failed.output_tail ?? '').split('\n').filter((line) => line.trim() !== '');
    return {
      message: `boot step ${sanitize(failed.capability)}: ${label} failed${exit}.`,
      lastLines: lines.slice(-15).map(sanitize),
    };
  }
  if (boot.cloud_init.status === 'error' && boot.cloud_init.errors.length > 0) {
    return {
      message: 'cloud-init reported errors during boot.',
      lastLines: boot.cloud_init.errors.map(sanitize),
    };
  }
  return undefined;
}

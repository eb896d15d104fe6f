/**
 * Boot progress during `deploy --wait`, read from the deployment's watcher (BuildWatch) when the
 * template runs it: each boot step is reported as it starts and finishes, and a failed step
 * ends the wait at once with its exit code and last output lines, instead of waiting for a
 * health check that can no longer pass.
 *
 * The watcher listens on the instance's loopback, so it is read through an SSH tunnel
 * (watcher-client/tunnel.ts) opened in the background as soon as SSH answers, retried until it
 * does; the token never crosses the network in clear. Until then, or if SSH never answers
 * (no key, a firewall), nothing fails: the API status and the health check still decide, and
 * `current()` says why no step is shown for the heartbeat line.
 *
 * LINODE_BUILD_WATCHER_URL (tests, or a tunnel of the user's own) replaces the tunnel; it must
 * be https or on this machine (parseWatcherUrl).
 */
import type { SshHost } from '../ssh/replica.js';
import { readSecret } from '../state/secrets.js';
import type { DeploymentRecord } from '../state/types.js';
import { type BootProgress, isLoopbackHost, WatcherClient } from '../watcher-client/client.js';
import { loopbackWatcherUrl, openWatcherTunnel, throughTunnel } from '../watcher-client/connect.js';
import { sanitize } from '../watcher-client/format.js';
import { directWatcherUrl, WATCHER_TOKEN_SECRET } from '../watcher-client/resolve.js';
import type { Tunnel } from '../watcher-client/tunnel.js';

export interface BootStepFailure {
  readonly message: string;
  readonly lastLines: readonly string[];
}

export interface BootReporter {
  /** Reports what changed since the last poll; returns a failure when the boot failed. */
  poll(): Promise<BootStepFailure | undefined>;
  /** What the boot is doing now, or why it cannot be seen (for heartbeat lines). */
  current?(): string | undefined;
  /** Epoch ms of the last line this reporter printed (0 when none). */
  lastLineAt?(): number;
  /** Resolves when a background read sees the boot fail (ends a wait's sleep early). */
  readonly failed?: Promise<BootStepFailure>;
  /** Stops background reads and the tunnel. */
  close?(): void;
}

/** Reads the watcher's boot progress; undefined while it cannot be read. */
export interface BootSource {
  read(): Promise<BootProgress | undefined>;
  /** Why the last read gave nothing (e.g. "SSH: Connection refused"), if it did. */
  problem(): string | undefined;
  /** Prints-worthy news: "reading boot steps through an SSH tunnel to root@…". */
  readonly via: () => string | undefined;
  close(): void;
}

export interface BootSourceOptions {
  /** How long to wait between SSH attempts while the instance does not answer. */
  readonly retryMs?: number;
  readonly timeoutMs?: number;
  readonly now?: () => number;
  /** The machine whose watcher to read (one replica); default: the deployment's own address. */
  readonly host?: SshHost;
}

/** One read of /status: the boot progress, or why there is none. */
async function readBoot(client: WatcherClient): Promise<{ boot?: BootProgress; problem?: string }> {
  try {
    return { boot: (await client.status()).boot };
  } catch (error) {
    return { problem: `watcher: ${(error as Error).message}` };
  }
}

/**
 * The watcher of `record` as a boot-progress source: direct when LINODE_BUILD_WATCHER_URL
 * names an https or loopback URL, otherwise through an SSH tunnel opened (and reopened after a
 * reboot) in the background. Undefined when the deployment runs no watcher or has no token here.
 */
export async function bootSource(
  env: NodeJS.ProcessEnv,
  record: DeploymentRecord,
  options: BootSourceOptions = {},
): Promise<BootSource | undefined> {
  if (!record.watcherPort) return undefined;
  const token = (await readSecret(env, record.id, WATCHER_TOKEN_SECRET))?.trim();
  if (!token) return undefined;
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 3000;
  let direct: string | undefined;
  try {
    direct = directWatcherUrl(env.LINODE_BUILD_WATCHER_URL?.trim() || undefined);
  } catch {
    // An override that would send the token in clear is ignored: the tunnel is used instead.
  }
  if (direct) {
    const client = new WatcherClient({ baseUrl: direct, token }, { timeoutMs });
    let problem: string | undefined;
    return {
      async read() {
        const result = await readBoot(client);
        problem = result.problem;
        return result.boot;
      },
      problem: () => problem,
      via: () => undefined,
      close() {},
    };
  }
  // A replica is read on its own address; a single instance on the recorded one.
  const host = options.host ?? (record.ipv4 ? { ipv4: record.ipv4, hostKeyId: record.id } : undefined);
  if (!host) return undefined;
  const tunnelled = tunnelSource(env, record, host, token, timeoutMs, now, options.retryMs ?? 5000);
  // An instance on this machine's loopback (the sandbox) is read directly once its watcher
  // listens; until then, and for every real instance, through the tunnel.
  if (!isLoopbackHost(host.ipv4)) return tunnelled;
  let local: WatcherClient | undefined;
  let localProblem: string | undefined;
  return {
    async read() {
      if (!local) {
        const url = await loopbackWatcherUrl({ ipv4: host.ipv4, watcherPort: record.watcherPort });
        if (url) local = new WatcherClient({ baseUrl: url, token }, { timeoutMs });
      }
      if (!local) return tunnelled.read();
      const result = await readBoot(local);
      localProblem = result.problem;
      return result.boot;
    },
    problem: () => (local ? localProblem : tunnelled.problem()),
    via: () => (local ? undefined : tunnelled.via()),
    close: () => tunnelled.close(),
  };
}

function tunnelSource(
  env: NodeJS.ProcessEnv,
  record: DeploymentRecord,
  host: SshHost,
  token: string,
  timeoutMs: number,
  now: () => number,
  retryMs: number,
): BootSource {
  let tunnel: Tunnel | undefined;
  let client: WatcherClient | undefined;
  let opening: Promise<void> | undefined;
  let nextAttempt = 0;
  let problem: string | undefined = 'waiting for SSH';
  let closed = false;
  const open = () => {
    nextAttempt = now() + retryMs;
    opening = openWatcherTunnel(env, record, 20_000, host)
      .then((opened) => {
        if (closed) return opened.close();
        tunnel = opened;
        client = new WatcherClient(
          throughTunnel({ record, endpoint: { baseUrl: '', token } }, opened).endpoint,
          { timeoutMs },
        );
        problem = undefined;
      })
      .catch((error: Error) => {
        problem = `SSH: ${error.message.replace(/^Could not open an SSH tunnel to [^:]+: /, '').replace(/\.$/, '')}`;
      })
      .finally(() => {
        opening = undefined;
      });
  };
  return {
    async read() {
      if (tunnel && !tunnel.alive()) {
        tunnel.close();
        tunnel = undefined;
        client = undefined;
        problem = 'SSH tunnel closed (instance rebooting?)';
      }
      if (!client) {
        if (!opening && !closed && now() >= nextAttempt) open();
        return undefined;
      }
      const result = await readBoot(client);
      problem = result.problem;
      return result.boot;
    },
    problem: () => problem,
    via: () => (tunnel ? `an SSH tunnel to ${tunnel.target}` : undefined),
    close() {
      closed = true;
      tunnel?.close();
    },
  };
}

/** Default pace of background boot reads (LINODE_BUILD_POLL_MS in tests). */
function bootPollMs(env: NodeJS.ProcessEnv): number {
  const fromEnv = Number(env.LINODE_BUILD_POLL_MS);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 3000;
}

export async function bootReporter(
  env: NodeJS.ProcessEnv,
  record: DeploymentRecord,
  step: (text: string) => void,
  host?: SshHost,
): Promise<BootReporter | undefined> {
  const source = await bootSource(env, record, {
    retryMs: Math.max(bootPollMs(env), 1000),
    ...(host ? { host } : {}),
  });
  if (!source) return undefined;
  return followBoot(source, step, bootPollMs(env));
}

/**
 * Reads `source` every `intervalMs` in the background (unref'd timer: it never keeps the CLI
 * alive), printing step transitions as they happen; poll() reads once more and returns the
 * failure, if any.
 */
export function followBoot(
  source: BootSource,
  step: (text: string) => void,
  intervalMs: number,
  now: () => number = Date.now,
): BootReporter {
  const reported = new Map<string, string>();
  let lastLineAt = 0;
  let latest: BootProgress | undefined;
  let failure: BootStepFailure | undefined;
  let announced = false;
  let signalFailure: (failure: BootStepFailure) => void = () => {};
  const failed = new Promise<BootStepFailure>((resolve) => {
    signalFailure = resolve;
  });
  const say = (text: string) => {
    lastLineAt = now();
    step(text);
  };
  let inFlight: Promise<BootStepFailure | undefined> | undefined;
  const refresh = (): Promise<BootStepFailure | undefined> => {
    inFlight ??= (async () => {
      const boot = await source.read();
      const via = source.via();
      if (boot && via && !announced) {
        announced = true;
        say(`Reading boot steps through ${via}`);
      }
      if (boot) {
        latest = boot;
        failure ??= reportBoot(boot, reported, say);
        if (failure) signalFailure(failure);
      }
      return failure;
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  const timer = setInterval(() => void refresh(), intervalMs);
  timer.unref();
  return {
    poll: () => refresh(),
    current: () => {
      const problem = source.problem();
      if (!latest) return problem ? `boot steps not visible yet (${problem})` : undefined;
      return describeBoot(latest);
    },
    lastLineAt: () => lastLineAt,
    failed,
    close() {
      clearInterval(timer);
      source.close();
    },
  };
}

/** One line: the running step, else cloud-init's stage, else the boot state. */
export function describeBoot(boot: BootProgress): string {
  const running = boot.steps.find((item) => item.state === 'running');
  const done = boot.steps.filter((item) => item.state === 'ok' || item.state === 'skipped').length;
  const count = boot.steps.length > 0 ? ` (${done}/${boot.steps.length} steps done)` : '';
  if (running) {
    const label = sanitize(running.description || running.name || running.id);
    return `boot step ${sanitize(running.capability)}: ${label} running${count}`;
  }
  if (boot.cloud_init.stage) return `cloud-init ${sanitize(boot.cloud_init.stage)}${count}`;
  return `boot ${sanitize(boot.state)}${count}`;
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

import type { CommandArgs, CommandContext } from '../cli/framework/command.js';
import { UsageError } from '../errors.js';
import { sshHostOf } from '../ssh/replica.js';
import { idleGpuLines } from '../status/idle-lines.js';
import type { BootProgress, LogLine, WatcherClient } from './client.js';
import { connectWatcher } from './connect.js';
import { newLines, renderBoot, renderLogLine } from './format.js';
import { explainWatcherError, type ResolvedWatcher, selectRecord } from './resolve.js';

export interface LogsOptions {
  readonly follow: boolean;
  readonly container: string | undefined;
  readonly ssh: boolean;
  readonly 'watcher-url': string | undefined;
  readonly interval: number;
  readonly lines: number;
  readonly boot: boolean;
  readonly timestamps: boolean;
  readonly json: boolean;
  readonly replica: string | undefined;
}

type Args = CommandArgs<LogsOptions, { readonly id: string | undefined }>;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Stops --follow loops on Ctrl-C / SIGTERM with exit 0. */
function interruption(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

function bootFinished(boot: BootProgress): boolean {
  return boot.state === 'done' || boot.state === 'failed' || boot.cloud_init.status === 'error';
}

export async function logs(args: Args, context: CommandContext): Promise<number> {
  const { options } = args;
  const { out, env } = context;
  const lines = options.lines;
  if (!Number.isInteger(lines) || lines < 1 || lines > 5000) {
    throw new UsageError(`--lines must be a whole number from 1 to 5000, got ${lines}.`);
  }
  if (!(options.interval >= 0.2 && options.interval <= 3600)) {
    throw new UsageError(`--interval must be between 0.2 and 3600 seconds, got ${options.interval}.`);
  }
  if (options.json && options.follow) throw new UsageError('--json and --follow cannot be combined.');
  if (options.ssh && options['watcher-url'])
    throw new UsageError('--ssh and --watcher-url cannot be combined.');

  const record = await selectRecord(env, context.cwd, args.positionals.id);
  // With replicas, the recorded address is the NodeBalancer's: the watcher is read on one replica.
  const host = sshHostOf(record, options.replica);
  if (host?.replica && options.replica === undefined) {
    out.info(`Using ${host.replica}; name another with --replica N.`);
  }
  // The watcher listens on the instance's loopback and the token never crosses a network in
  // clear: without --watcher-url, logs go through an SSH tunnel (--ssh only insists on it).
  const connection = await connectWatcher(env, record, {
    ...(options['watcher-url'] ? { overrideUrl: options['watcher-url'] } : {}),
    forceTunnel: options.ssh,
    ...(host ? { host } : {}),
    onTunnel: (target) => out.info(`Opening an SSH tunnel to ${target} …`),
  });
  out.redact(connection.resolved.endpoint.token);
  try {
    return await show(args, context, connection.resolved, connection.client);
  } finally {
    connection.close();
  }
}

async function show(
  args: Args,
  { out }: CommandContext,
  resolved: ResolvedWatcher,
  client: WatcherClient,
): Promise<number> {
  const { options } = args;
  const { record } = resolved;
  const lines = options.lines;
  const call = <T>(promise: Promise<T>): Promise<T> =>
    promise.catch((error: unknown) => {
      throw explainWatcherError(error, resolved);
    });

  if (options.boot) {
    const status = await call(client.status());
    if (options.json) {
      out.json({ id: record.id, boot: status.boot });
      return status.boot.state === 'failed' ? 1 : 0;
    }
    let printed = renderBoot(status.boot);
    for (const line of printed) out.line(line);
    if (!options.follow) {
      // Idle since when and the GPUs' latest samples (GPU deployments), after the boot steps.
      for (const line of idleGpuLines(status, undefined, new Date())) out.line(line.trim());
      return status.boot.state === 'failed' ? 1 : 0;
    }
    const stop = interruption();
    try {
      let boot = status.boot;
      while (!bootFinished(boot) && !stop.signal.aborted) {
        await sleep(options.interval * 1000, stop.signal);
        if (stop.signal.aborted) break;
        boot = (await call(client.status())).boot;
        const next = renderBoot(boot);
        // Print the steps whose line changed since the last poll.
        for (const line of next) if (!printed.includes(line)) out.line(line);
        printed = next;
      }
      return boot.state === 'failed' ? 1 : 0;
    } finally {
      stop.dispose();
    }
  }

  const container = options.container;
  const first = await call(client.logs(lines, container));
  if (options.json) {
    out.json({ id: record.id, container: first.container, lines: first.lines });
    return 0;
  }
  for (const line of first.lines) out.line(renderLogLine(line, options.timestamps));
  if (!options.follow) return 0;
  const stop = interruption();
  try {
    let previous: LogLine[] = first.lines;
    while (!stop.signal.aborted) {
      await sleep(options.interval * 1000, stop.signal);
      if (stop.signal.aborted) break;
      const since = lastTime(previous);
      const batch = await call(client.logs(since ? 5000 : lines, container, since));
      for (const line of newLines(previous, batch.lines)) out.line(renderLogLine(line, options.timestamps));
      if (batch.lines.length > 0) previous = batch.lines;
    }
    return 0;
  } finally {
    stop.dispose();
  }
}

/** Docker's `since` in Unix seconds from the newest line's RFC 3339 time (inclusive; overlap is dropped). */
function lastTime(lines: readonly LogLine[]): string | undefined {
  const time = lines[lines.length - 1]?.time;
  if (!time) return undefined;
  const match = /^(.*T\d\d:\d\d:\d\d)(\.\d+)?Z$/.exec(time);
  if (!match?.[1]) return undefined;
  const seconds = Date.parse(`${match[1]}Z`) / 1000;
  return Number.isFinite(seconds) ? `${seconds}${match[2] ?? ''}` : undefined;
}

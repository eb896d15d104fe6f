/** Command-line options of the daemon, parsed by node:util's parseArgs. */
import { parseArgs } from 'node:util';
import { DEFAULT_THRESHOLDS, type Thresholds } from './detector.js';
import type { GpuOptions } from './gpu/monitor.js';
import type { IdleOptions } from './idle.js';

export interface DaemonOptions {
  dockerSocket: string;
  host: string;
  port: number;
  tokenFile: string;
  stateDir: string;
  thresholds: Thresholds;
  bootStatusFile: string;
  cloudInitDir: string;
  maxEvents: number;
  eventsMaxBytes: number;
  requestTimeoutSeconds: number;
  defaultContainer: string;
  /** Resolved issues kept (open ones are always kept). */
  maxIssues: number;
  /** History older than this is dropped when restoring after a restart. */
  retentionDays: number;
  metrics: boolean;
  /** Set by --gpu. */
  gpu?: GpuOptions;
  idle: IdleOptions;
}

export class ArgumentError extends Error {}

export const USAGE = `Usage: buildwatch --token-file FILE [options]

  --docker-socket PATH       Docker Engine socket (default /var/run/docker.sock)
  --listen HOST:PORT         Address of the HTTP API (default 127.0.0.1:9090)
  --token-file FILE          File holding the API bearer token (required)
  --state-dir DIR            Events, issues and state (default /var/lib/buildwatch)
  --crash-loop-count N       Dies within the window that make a crash loop (default 3)
  --crash-loop-window SEC    Crash-loop window in seconds (default 300)
  --slow-start SEC           Not healthy/running this long after start → slow_start (default 600)
  --stable-after SEC         Running this long resolves exit/OOM/crash issues (default: the window)
  --boot-status-file FILE    Boot runner status (default /var/lib/linode-build/boot-status.json)
  --cloud-init-dir DIR       cloud-init run directory (default /run/cloud-init)
  --default-container NAME   Container /logs shows by default (default app)
  --max-events N             Events kept in memory and on restart (default 2000)
  --events-max-bytes N       events.jsonl size before rotation (default 4194304)
  --request-timeout SEC      Time a client has to send its request (default 10)
  --max-issues N             Resolved issues kept (default 200)
  --retention-days N         Drop history older than this on restart (default 7)
  --disable-metrics          Do not serve /metrics
  --gpu                      Sample NVIDIA GPUs and follow Xid errors (gpu-nvidia deployments)
  --gpu-interval SEC         Seconds between nvidia-smi samples (default 15)
  --gpu-timeout SEC          A sample not answered this long is reported stuck (default 10)
  --gpu-memory-percent N     GPU memory use that, when the app restarts, opens gpu_memory_high (default 95)
  --gpu-window SEC           Throttling this long opens gpu_throttle; an Xid issue resolves this long after the last Xid (default 300)
  --nvidia-smi PATH          The nvidia-smi program (default nvidia-smi, from PATH)
  --kernel-log FILE          Kernel log to read Xid errors from (default /dev/kmsg)
  --idle-interval SEC        Seconds between idle checks (default 30)
  --idle-max-packets N       Packets the app may receive per check and still be idle (default 4)
  --idle-gpu-percent N       GPU utilisation below which a GPU is idle (default 5)
  --version, --help`;

const VALUE_FLAGS = [
  'docker-socket',
  'listen',
  'token-file',
  'state-dir',
  'crash-loop-count',
  'crash-loop-window',
  'slow-start',
  'stable-after',
  'boot-status-file',
  'cloud-init-dir',
  'default-container',
  'max-events',
  'events-max-bytes',
  'request-timeout',
  'max-issues',
  'retention-days',
  'gpu-interval',
  'gpu-timeout',
  'gpu-memory-percent',
  'gpu-window',
  'nvidia-smi',
  'kernel-log',
  'idle-interval',
  'idle-max-packets',
  'idle-gpu-percent',
] as const;
const BOOLEAN_FLAGS = ['disable-metrics', 'gpu', 'help', 'version'] as const;

type Values = Partial<Record<(typeof VALUE_FLAGS)[number], string>> &
  Partial<Record<(typeof BOOLEAN_FLAGS)[number], boolean>>;

const OPTIONS = Object.fromEntries([
  ...VALUE_FLAGS.map((name) => [name, { type: 'string' as const }]),
  ...BOOLEAN_FLAGS.map((name) => [
    name,
    { type: 'boolean' as const, ...(name === 'help' ? { short: 'h' } : {}) },
  ]),
]);

/** parseArgs' error as one short line naming the option (its own messages run to three lines). */
function argumentError(error: Error & { code?: string }): ArgumentError {
  const quoted = /'(-{1,2}[^' ]*)/.exec(error.message)?.[1] ?? /'([^']*)'/.exec(error.message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new ArgumentError(`unknown option ${quoted}`);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new ArgumentError(`unexpected argument "${quoted}"`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return new ArgumentError(
        /does not take an argument/.test(error.message)
          ? `${quoted} takes no value`
          : `${quoted} needs a value`,
      );
    default:
      return new ArgumentError(error.message.split('\n')[0] ?? 'bad arguments');
  }
}

function positiveNumber(name: string, value: string, integer: boolean): number {
  const number = Number(value);
  if (
    value.trim() === '' ||
    !Number.isFinite(number) ||
    number <= 0 ||
    (integer && !Number.isInteger(number))
  ) {
    throw new ArgumentError(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got "${value}"`);
  }
  return number;
}

/** `HOST:PORT`, `[v6]:PORT` or `PORT`. */
export function parseListen(value: string): { host: string; port: number } {
  const match =
    /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value) ?? /^()()(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  // Port 0 asks the kernel for a free port (tests); the log line says which one.
  if (!match || port > 65535) {
    throw new ArgumentError(`--listen must be HOST:PORT (e.g. 127.0.0.1:9090), got "${value}"`);
  }
  return { host: match[1] || match[2] || '127.0.0.1', port };
}

type NumberOption = (
  name: keyof Values & (typeof VALUE_FLAGS)[number],
  fallback: number,
  integer?: boolean,
) => number;

export function parseDaemonArgs(argv: readonly string[]): DaemonOptions | 'help' | 'version' {
  let values: Values;
  try {
    values = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false })
      .values as Values;
  } catch (error) {
    throw argumentError(error as Error);
  }
  if (values.help) return 'help';
  if (values.version) return 'version';
  const tokenFile = values['token-file'];
  if (!tokenFile) throw new ArgumentError('--token-file is required');
  const number: NumberOption = (name, fallback, integer = true) => {
    const value = values[name];
    return value === undefined ? fallback : positiveNumber(name, value, integer);
  };
  const windowSeconds = number('crash-loop-window', DEFAULT_THRESHOLDS.crashLoopWindowMs / 1000, false);
  const { host, port } = parseListen(values.listen ?? '127.0.0.1:9090');
  return {
    dockerSocket: values['docker-socket'] ?? '/var/run/docker.sock',
    host,
    port,
    tokenFile,
    stateDir: values['state-dir'] ?? '/var/lib/buildwatch',
    thresholds: {
      crashLoopCount: number('crash-loop-count', DEFAULT_THRESHOLDS.crashLoopCount),
      crashLoopWindowMs: windowSeconds * 1000,
      slowStartMs: number('slow-start', DEFAULT_THRESHOLDS.slowStartMs / 1000, false) * 1000,
      stableMs: number('stable-after', windowSeconds, false) * 1000,
    },
    bootStatusFile: values['boot-status-file'] ?? '/var/lib/linode-build/boot-status.json',
    cloudInitDir: values['cloud-init-dir'] ?? '/run/cloud-init',
    defaultContainer: values['default-container'] ?? 'app',
    maxEvents: number('max-events', 2000),
    eventsMaxBytes: number('events-max-bytes', 4 * 1024 * 1024),
    requestTimeoutSeconds: number('request-timeout', 10, false),
    maxIssues: number('max-issues', 200),
    retentionDays: number('retention-days', 7, false),
    metrics: !values['disable-metrics'],
    ...(values.gpu ? { gpu: gpuOptions(values, number) } : {}),
    idle: {
      intervalMs: number('idle-interval', 30, false) * 1000,
      maxPackets: number('idle-max-packets', 4),
      gpuPercent: number('idle-gpu-percent', 5, false),
    },
  };
}

function gpuOptions(values: Values, number: NumberOption): GpuOptions {
  const intervalMs = number('gpu-interval', 15, false) * 1000;
  const memoryPercent = number('gpu-memory-percent', 95, false);
  if (memoryPercent > 100)
    throw new ArgumentError(`--gpu-memory-percent must be at most 100, got "${memoryPercent}"`);
  return {
    command: values['nvidia-smi'] ?? 'nvidia-smi',
    intervalMs,
    // A sample must end before the next one is due.
    timeoutMs: Math.min(number('gpu-timeout', 10, false) * 1000, intervalMs),
    kernelLog: values['kernel-log'] ?? '/dev/kmsg',
    memoryPercent,
    windowMs: number('gpu-window', 300, false) * 1000,
  };
}

/**
 * A minimal Docker Engine API client over the unix socket (node:http with `socketPath`).
 * Only what the watcher needs: version negotiation, the event stream, container list,
 * inspect and log tails.
 */
import http from 'node:http';
import { LineSplitter, sinceParameter } from './events.js';
import { demultiplexLogs, type LogLine, splitTimestamps } from './logframe.js';

/** The newest API version this watcher understands (Docker 29 = 1.52 dropped legacy fields; we never read them). */
export const MAX_API_VERSION = '1.52';
/** Below this the event `Actor` object is missing. */
export const MIN_API_VERSION = '1.25';

export const WATCHED_ACTIONS = [
  'create',
  'start',
  'restart',
  'die',
  'oom',
  'kill',
  'stop',
  'destroy',
  'pause',
  'unpause',
  'health_status',
];

export class DockerError extends Error {
  constructor(
    message: string,
    readonly statusCode?: number,
  ) {
    super(message);
    this.name = 'DockerError';
  }
}

export interface ContainerSummary {
  Id: string;
  Names?: string[];
  Image?: string;
  State?: string;
}

export interface ContainerInspect {
  Id: string;
  Name?: string;
  RestartCount?: number;
  Config?: { Image?: string; Healthcheck?: { Test?: string[] } };
  State?: {
    Status?: string;
    Running?: boolean;
    Restarting?: boolean;
    OOMKilled?: boolean;
    ExitCode?: number;
    StartedAt?: string;
    FinishedAt?: string;
    Health?: { Status?: string; FailingStreak?: number; Log?: { ExitCode?: number; Output?: string }[] };
  };
}

export interface EventStreamHandlers {
  onLine(line: string): void;
  onOpen(): void;
}

/** Compares dotted API versions numerically (`1.9` < `1.10`). */
export function compareApiVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

export function negotiateVersion(serverVersion: string): string {
  return compareApiVersions(serverVersion, MAX_API_VERSION) < 0 ? serverVersion : MAX_API_VERSION;
}

export class DockerClient {
  apiVersion: string | undefined;

  constructor(
    readonly socketPath: string,
    private readonly timeoutMs = 10000,
  ) {}

  private prefix(): string {
    return this.apiVersion ? `/v${this.apiVersion}` : '';
  }

  /** One request, body buffered up to `maxBytes` (a larger body is cut at that size). */
  request(path: string, maxBytes = 4 << 20): Promise<{ status: number; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const request = http.get(
        { socketPath: this.socketPath, path, headers: { Host: 'docker' }, timeout: this.timeoutMs },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            if (size >= maxBytes) return;
            chunks.push(chunk);
            size += chunk.length;
            if (size >= maxBytes) response.destroy();
          });
          const finish = () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) });
          response.on('end', finish);
          response.on('close', finish);
          response.on('error', () => finish());
        },
      );
      request.on('timeout', () => request.destroy(new DockerError('Docker API request timed out')));
      request.on('error', (error) => reject(new DockerError(`Docker API unreachable: ${error.message}`)));
    });
  }

  async json<T>(path: string): Promise<T> {
    const { status, body } = await this.request(`${this.prefix()}${path}`);
    if (status < 200 || status >= 300) {
      throw new DockerError(`Docker API ${path.split('?')[0]} answered ${status}`, status);
    }
    return JSON.parse(body.toString('utf8')) as T;
  }

  /** GET /version (unversioned) and pick min(server, ours). */
  async negotiate(): Promise<{ apiVersion: string; engine: string }> {
    this.apiVersion = undefined;
    const version = await this.json<{ ApiVersion?: string; Version?: string }>('/version');
    const server = typeof version.ApiVersion === 'string' ? version.ApiVersion : MIN_API_VERSION;
    this.apiVersion = negotiateVersion(server);
    return { apiVersion: this.apiVersion, engine: version.Version ?? 'unknown' };
  }

  listContainers(): Promise<ContainerSummary[]> {
    return this.json<ContainerSummary[]>('/containers/json?all=1');
  }

  /**
   * Packets the container has received on all its interfaces (one-shot stats: no waiting for a
   * second CPU sample on API ≥ 1.41; older engines take about a second to answer).
   */
  async receivedPackets(id: string): Promise<number> {
    const stats = await this.json<{ networks?: Record<string, { rx_packets?: number }> }>(
      `/containers/${encodeURIComponent(id)}/stats?stream=false&one-shot=true`,
    );
    let packets = 0;
    for (const network of Object.values(stats.networks ?? {})) packets += network.rx_packets ?? 0;
    return packets;
  }

  inspect(id: string): Promise<ContainerInspect> {
    return this.json<ContainerInspect>(`/containers/${encodeURIComponent(id)}/json`);
  }

  /**
   * The last `lines` log lines (optionally only since a Unix time), stdout and stderr,
   * demultiplexed, each with Docker's timestamp; body capped at 1 MiB.
   */
  async logs(id: string, lines: number, since?: string): Promise<LogLine[]> {
    let path = `${this.prefix()}/containers/${encodeURIComponent(id)}/logs?stdout=1&stderr=1&timestamps=1&tail=${lines}`;
    if (since) path += `&since=${since}`;
    const { status, body } = await this.request(path, 1 << 20);
    if (status === 404) throw new DockerError(`no such container: ${id}`, 404);
    if (status !== 200) throw new DockerError(`Docker API logs answered ${status}`, status);
    return splitTimestamps(demultiplexLogs(body));
  }

  /**
   * Streams container events until the connection ends. Resolves when the daemon closes the
   * stream (restart, shutdown); rejects when it cannot connect.
   */
  streamEvents(
    since: string | undefined,
    handlers: EventStreamHandlers,
  ): { done: Promise<void>; close(): void } {
    const filters = JSON.stringify({ type: ['container'], event: WATCHED_ACTIONS });
    let path = `${this.prefix()}/events?filters=${encodeURIComponent(filters)}`;
    if (since) path += `&since=${sinceParameter(since)}`;
    let request: http.ClientRequest | undefined;
    const done = new Promise<void>((resolve, reject) => {
      request = http.get({ socketPath: this.socketPath, path, headers: { Host: 'docker' } }, (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          reject(new DockerError(`Docker events answered ${response.statusCode}`, response.statusCode));
          return;
        }
        handlers.onOpen();
        const splitter = new LineSplitter();
        const onLine = (line: string) => handlers.onLine(line);
        response.on('data', (chunk: Buffer) => splitter.push(chunk, onLine));
        response.on('end', () => resolve());
        response.on('close', () => resolve());
        response.on('error', () => resolve());
      });
      request.on('error', (error) => reject(new DockerError(`Docker API unreachable: ${error.message}`)));
    });
    return { done, close: () => request?.destroy() };
  }
}

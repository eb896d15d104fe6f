/**
 * The CLI's client for a deployment's BuildWatch API (node:http, bearer token, timeouts). The
 * token is sent only in the Authorization header and never appears in errors or output, and
 * never in clear across a network: plain HTTP only to a loopback address or through a local
 * Unix socket (the SSH tunnel), otherwise HTTPS. Every request checks that here, the one
 * place requests are made, so no caller can get it wrong.
 * Response shapes are the watcher's own types (type-only imports: nothing is bundled).
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { BootProgress } from '../../watcher/src/boot.js';
import type { WatchEvent } from '../../watcher/src/docker/events.js';
import type { LogLine } from '../../watcher/src/docker/logframe.js';
import type { Issue } from '../../watcher/src/issues.js';

export type { BootProgress, Issue, LogLine, WatchEvent };

export interface WatcherEndpoint {
  /**
   * e.g. http://127.0.0.1:9090 (no trailing slash). With `socketPath` it only names the host
   * and port the request is for; the bytes go to the socket.
   */
  readonly baseUrl: string;
  readonly token: string;
  /** A local Unix socket to connect to instead (the SSH tunnel's local end). */
  readonly socketPath?: string;
  /** How the watcher is reached, for messages (e.g. "an SSH tunnel to root@192.0.2.10"). */
  readonly via?: string;
}

export interface WatcherStatus {
  watcher: {
    version: string;
    started_at: string;
    uptime_seconds: number;
    events_processed: number;
    state_dir_writable: boolean;
    docker: { connected: boolean; api_version?: string; engine_version?: string; reconnects: number };
  };
  boot: BootProgress;
  containers: {
    id: string;
    name: string;
    image: string;
    state: string;
    health: string | null;
    restart_count: number;
    exit_code: number | null;
    oom_killed: boolean;
    started_at: string | null;
  }[];
  open_issues: number;
  /** Watchers from issue 18 on: since when nothing reached the app (and its GPUs sat idle). */
  idle?: WatcherIdle;
  /** With GPU sampling (gpu-nvidia deployments): the latest nvidia-smi sample. */
  gpu?: { sampled_at: string | null; error: { reason: string; message: string } | null; gpus: WatcherGpu[] };
}

export interface WatcherIdle {
  idle: boolean;
  since: string | null;
  busy_reason: string | null;
}

export interface WatcherGpu {
  index: number;
  name: string;
  utilization_gpu: number | null;
  memory_used_mib: number | null;
  memory_total_mib: number | null;
  temperature_c: number | null;
  power_draw_w: number | null;
}

export interface LogsResponse {
  container: string;
  lines: LogLine[];
  count: number;
}

/** Why a watcher call failed, so commands can say what to do about it. */
export type WatcherFailure =
  | 'unreachable'
  | 'timeout'
  | 'unauthorized'
  | 'not-found'
  | 'bad-request'
  | 'server'
  /** Not sent: the token would have crossed a network in clear. */
  | 'insecure';

export class WatcherError extends Error {
  constructor(
    message: string,
    readonly failure: WatcherFailure,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'WatcherError';
  }
}

export interface WatcherClientOptions {
  readonly timeoutMs?: number;
}

/** True for names and addresses that never leave this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost') return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  if (net.isIPv6(host)) return host === '::1' || /^::ffff:127\./.test(host);
  return false;
}

/** Whether the bearer token may be sent to this endpoint: never in clear over a network. */
export function tokenTransportAllowed(endpoint: Pick<WatcherEndpoint, 'baseUrl' | 'socketPath'>): boolean {
  if (endpoint.socketPath) return true;
  const url = new URL(endpoint.baseUrl);
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

interface RawResponse {
  readonly status: number;
  readonly text: string;
}

export class WatcherClient {
  private readonly timeoutMs: number;

  constructor(
    private readonly endpoint: WatcherEndpoint,
    options: WatcherClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  get baseUrl(): string {
    return this.endpoint.baseUrl;
  }

  private request(url: URL): Promise<RawResponse> {
    const { socketPath } = this.endpoint;
    if (!tokenTransportAllowed(this.endpoint)) {
      return Promise.reject(
        new WatcherError(
          `refusing to send the watcher token in clear to ${url.host} (plain HTTP, not this machine)`,
          'insecure',
        ),
      );
    }
    const transport = url.protocol === 'https:' && !socketPath ? https : http;
    return new Promise((resolve, reject) => {
      const request = transport.request(
        {
          ...(socketPath
            ? { socketPath }
            : { hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port }),
          path: `${url.pathname}${url.search}`,
          method: 'GET',
          headers: {
            host: url.host,
            authorization: `Bearer ${this.endpoint.token}`,
            accept: 'application/json',
          },
          agent: false,
          timeout: this.timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          response.on('error', () =>
            reject(new WatcherError('the connection broke mid-answer', 'unreachable')),
          );
        },
      );
      request.on('timeout', () => {
        request.destroy();
        reject(new WatcherError(`no answer within ${this.timeoutMs / 1000} s`, 'timeout'));
      });
      request.on('error', (error: NodeJS.ErrnoException) => {
        reject(
          error instanceof WatcherError
            ? error
            : new WatcherError(
                error.code ? `connection failed (${error.code})` : 'connection failed',
                'unreachable',
              ),
        );
      });
      request.end();
    });
  }

  private async get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const url = new URL(path, `${this.endpoint.baseUrl}/`);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const response = await this.request(url);
    const text = response.text;
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const ok = response.status >= 200 && response.status < 300;
    if (ok) {
      if (body === undefined) throw new WatcherError(`${path} answered something that is not JSON`, 'server');
      return body as T;
    }
    const detail =
      body && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string'
        ? (body as { error: string }).error
        : `HTTP ${response.status}`;
    const failure: WatcherFailure =
      response.status === 401
        ? 'unauthorized'
        : response.status === 404
          ? 'not-found'
          : response.status === 400
            ? 'bad-request'
            : 'server';
    throw new WatcherError(detail, failure, response.status);
  }

  health(): Promise<{ status: string; docker_connected: boolean; state_dir_writable: boolean }> {
    return this.get('/health');
  }

  status(): Promise<WatcherStatus> {
    return this.get('/status');
  }

  issues(state: 'open' | 'all' = 'open'): Promise<{ issues: Issue[]; count: number }> {
    return this.get('/issues', { state });
  }

  events(since = 0, limit = 100): Promise<{ events: WatchEvent[]; count: number; next_since: number }> {
    return this.get('/events', { since, limit });
  }

  /** `since`: Unix seconds (fractional allowed), as Docker's logs API takes it. */
  logs(lines: number, container?: string, since?: string): Promise<LogsResponse> {
    return this.get('/logs', { lines, container, since });
  }
}

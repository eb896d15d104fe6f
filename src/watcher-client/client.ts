/**
 * The CLI's client for a deployment's BuildWatch API (fetch, bearer token, timeouts). The
 * token is sent only in the Authorization header and never appears in errors or output.
 * Response shapes are the watcher's own types (type-only imports: nothing is bundled).
 */
import type { BootProgress } from '../../watcher/src/boot.js';
import type { WatchEvent } from '../../watcher/src/docker/events.js';
import type { LogLine } from '../../watcher/src/docker/logframe.js';
import type { Issue } from '../../watcher/src/issues.js';

export type { BootProgress, Issue, LogLine, WatchEvent };

export interface WatcherEndpoint {
  /** e.g. http://192.0.2.10:9090 (no trailing slash). */
  readonly baseUrl: string;
  readonly token: string;
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
  | 'server';

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
  readonly fetch?: typeof fetch;
}

export class WatcherClient {
  private readonly timeoutMs: number;
  private readonly fetcher: typeof fetch;

  constructor(
    private readonly endpoint: WatcherEndpoint,
    options: WatcherClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.fetcher = options.fetch ?? fetch;
  }

  get baseUrl(): string {
    return this.endpoint.baseUrl;
  }

  private async get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const url = new URL(path, `${this.endpoint.baseUrl}/`);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    let response: Response;
    try {
      response = await this.fetcher(url, {
        headers: { authorization: `Bearer ${this.endpoint.token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new WatcherError(`no answer within ${this.timeoutMs / 1000} s`, 'timeout');
      }
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      throw new WatcherError(cause ? `connection failed (${cause})` : 'connection failed', 'unreachable');
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (response.ok) {
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

/**
 * The HTTP API, on node:http alone. Every route but /health needs the bearer token. Requests
 * are validated and answered with JSON (4xx for bad input, never a crash); header size and the
 * time a client may take to send its request are bounded so slow or hostile clients cannot
 * hold the server. Dashboards poll /issues: its body is serialised once per change of the
 * issues, not per request, and gzipped at most once per change, when a client asks for gzip.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { TokenCheck } from './auth.js';
import { DockerError } from './docker/client.js';
import { renderMetrics } from './metrics.js';
import type { Watcher } from './watcher.js';

export const WATCHER_VERSION = '1.0.0';

export interface ServerOptions {
  /** Seconds a client has to send a complete request. */
  requestTimeoutSeconds: number;
  /** Container `/logs` shows when no `container` parameter is given. */
  defaultContainer: string;
  /** Serve /metrics (off → 404). */
  metrics: boolean;
}

function memorySummary() {
  const usage = process.memoryUsage();
  return { rss_bytes: usage.rss, heap_used_bytes: usage.heapUsed, heap_total_bytes: usage.heapTotal };
}

class BadRequest extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
const MAX_URL = 2048;
const MAX_HEADER_BYTES = 8192;
const KEEP_ALIVE_MS = 5000;

/** One query parameter as an integer in [min, max]; absent → fallback; anything else → 400. */
export function integerParameter(
  params: URLSearchParams,
  name: string,
  fallback: number,
  min: number,
  max: number,
) {
  const values = params.getAll(name);
  if (values.length === 0) return fallback;
  const value = values[0] ?? '';
  if (values.length > 1 || !/^\d{1,15}$/.test(value)) {
    throw new BadRequest(`${name} must be an integer between ${min} and ${max}`);
  }
  const number = Number(value);
  if (number < min || number > max)
    throw new BadRequest(`${name} must be an integer between ${min} and ${max}`);
  return number;
}

function choiceParameter(
  params: URLSearchParams,
  name: string,
  choices: readonly string[],
  fallback: string,
) {
  const values = params.getAll(name);
  if (values.length === 0) return fallback;
  const value = values[0] ?? '';
  if (values.length > 1 || !choices.includes(value)) {
    throw new BadRequest(`${name} must be one of: ${choices.join(', ')}`);
  }
  return value;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** A complete answer. */
interface Answer {
  status: number;
  contentType: string;
  body: string | Buffer;
  /** The body gzipped, for routes that cache it (the cached /issues). */
  gzipped?: () => Buffer;
  /** Headers beyond the ones every answer has (Allow, WWW-Authenticate). */
  headers?: Record<string, string>;
}

function json(status: number, value: unknown, headers?: Record<string, string>): Answer {
  return { status, contentType: JSON_TYPE, body: JSON.stringify(value), headers };
}

/** Pre-serialised JSON (cached between changes), and its gzip once a client asked for it. */
interface CachedBody {
  plain: Buffer;
  gzipped?: Buffer;
}

interface RouteResult {
  status?: number;
  json?: unknown;
  text?: string;
  raw?: CachedBody;
}

type Route = (params: URLSearchParams) => RouteResult;

function toAnswer(result: RouteResult): Answer {
  if (result.text !== undefined)
    return { status: 200, contentType: 'text/plain; version=0.0.4', body: result.text };
  if (result.raw !== undefined) {
    const raw = result.raw;
    // Level 1: most of the saving (JSON of repeated keys) for a fraction of level 6's CPU.
    const gzipped = () => {
      raw.gzipped ??= gzipSync(raw.plain, { level: 1 });
      return raw.gzipped;
    };
    return { status: 200, contentType: JSON_TYPE, body: raw.plain, gzipped };
  }
  return json(result.status ?? 200, result.json);
}

function errorAnswer(error: unknown): Answer {
  if (error instanceof BadRequest) return json(error.status, { error: error.message });
  return json(500, { error: 'internal error' });
}

/** Whether the client takes gzip (`Accept-Encoding: gzip`, not with `q=0`). */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding?.trim() !== 'gzip') return false;
    const q = params.map((param) => param.trim()).find((param) => param.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

function deliver(response: http.ServerResponse, answer: Answer, head: boolean, gzip: boolean): void {
  const gzipped = gzip && answer.gzipped ? answer.gzipped() : undefined;
  const body = gzipped ?? answer.body;
  response.writeHead(answer.status, {
    'Content-Type': answer.contentType,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    // Only the cached bodies come in two encodings; caches must key them on the header.
    ...(answer.gzipped ? { Vary: 'Accept-Encoding' } : {}),
    ...(gzipped ? { 'Content-Encoding': 'gzip' } : {}),
    ...answer.headers,
  });
  response.end(head ? undefined : body);
}

export function createApiServer(watcher: Watcher, token: TokenCheck, options: ServerOptions): http.Server {
  const issuesCache: Partial<Record<'open' | 'all', { version: number; body: CachedBody }>> = {};
  const routes: Record<string, Route> = {
    '/status': () => ({
      json: {
        watcher: {
          version: WATCHER_VERSION,
          started_at: new Date(watcher.startedAt).toISOString(),
          uptime_seconds: Math.round((Date.now() - watcher.startedAt) / 1000),
          events_processed: watcher.eventsProcessed,
          memory: memorySummary(),
          state_dir_writable: watcher.storeHealth.writable,
          docker: watcher.dockerStatus,
        },
        boot: watcher.boot(),
        containers: watcher.containers(),
        open_issues: watcher.issues.openCount(),
        ...(watcher.gpu ? { gpu: watcher.gpu.status() } : {}),
        ...(watcher.idle ? { idle: watcher.idle.status() } : {}),
      },
    }),
    '/events': (params) => {
      const since = integerParameter(params, 'since', 0, 0, Number.MAX_SAFE_INTEGER);
      const limit = integerParameter(params, 'limit', 100, 1, 1000);
      const { events, oldest } = watcher.eventsSince(since, limit);
      const last = events[events.length - 1];
      return {
        json: {
          events,
          count: events.length,
          next_since: last ? last.seq : since,
          oldest_seq: oldest ?? null,
        },
      };
    },
    '/issues': (params) => {
      const state = choiceParameter(params, 'state', ['open', 'all'], 'open') as 'open' | 'all';
      // Dashboards poll this; serialise once per change of the issue book, not per request.
      const cached = issuesCache[state];
      if (cached && cached.version === watcher.issues.version) return { raw: cached.body };
      const issues = watcher.issues.list(state);
      const plain = Buffer.from(JSON.stringify({ issues, count: issues.length }));
      const body: CachedBody = { plain };
      issuesCache[state] = { version: watcher.issues.version, body };
      return { raw: body };
    },
    '/metrics': () => ({
      text: renderMetrics({
        eventCounts: watcher.eventCounts,
        openIssues: watcher.issues.list('open'),
        containers: watcher.containers(),
        oomCount: watcher.detector.oomCount,
        rssBytes: process.memoryUsage().rss,
        dockerConnected: watcher.dockerStatus.connected,
        reconnects: watcher.dockerStatus.reconnects,
        stateDirWritable: watcher.storeHealth.writable,
        ...(watcher.gpu ? { gpus: watcher.gpu.status().gpus } : {}),
      }),
    }),
  };
  /** Routes that wait for Docker. */
  const waitingRoutes: Record<string, (params: URLSearchParams) => Promise<RouteResult>> = {
    '/logs': async (params) => {
      const lines = integerParameter(params, 'lines', 100, 1, 5000);
      const sinceValues = params.getAll('since');
      const since = sinceValues[0];
      if (sinceValues.length > 1 || (since !== undefined && !/^\d{1,12}(\.\d{1,9})?$/.test(since))) {
        throw new BadRequest('since must be a Unix time in seconds, e.g. 1763900000.5');
      }
      const names = params.getAll('container');
      const container = names[0] ?? options.defaultContainer;
      if (names.length > 1 || !CONTAINER_NAME.test(container)) {
        throw new BadRequest(
          'container must be a container name or id ([A-Za-z0-9_.-], up to 128 characters)',
        );
      }
      try {
        const logs = await watcher.containerLogs(container, lines, since);
        return { json: { container, lines: logs, count: logs.length } };
      } catch (error) {
        if (error instanceof DockerError && error.statusCode === 404) {
          throw new BadRequest(`no such container: ${container}`, 404);
        }
        throw new BadRequest('Docker is not reachable right now; try again shortly', 503);
      }
    },
  };

  // The Authorization header each connection last authenticated with: a dashboard polling over
  // a keep-alive connection is not hashed again on every request. Only a connection that has
  // itself presented the token reaches this plain comparison; any other goes through TokenCheck.
  const authenticated = new WeakMap<Socket, string>();
  function authorized(header: string | undefined, socket: Socket): boolean {
    if (header !== undefined && authenticated.get(socket) === header) return true;
    if (!token.allows(header)) return false;
    if (header !== undefined) authenticated.set(socket, header);
    return true;
  }

  /** The answer to one request: synchronous except for the routes that wait for Docker. */
  function answer(
    method: string | undefined,
    rawUrl: string,
    authorization: string | undefined,
    socket: Socket,
  ): Answer | Promise<Answer> {
    if (method !== 'GET' && method !== 'HEAD') {
      return json(405, { error: 'method not allowed' }, { Allow: 'GET, HEAD' });
    }
    let url: URL;
    try {
      if (rawUrl.length > MAX_URL || !rawUrl.startsWith('/')) throw new Error('bad url');
      url = new URL(rawUrl, 'http://buildwatch');
    } catch {
      return json(400, { error: 'malformed request URL' });
    }
    if (url.pathname === '/health') {
      const healthy = watcher.storeHealth.writable;
      return json(200, {
        status: healthy ? 'ok' : 'degraded',
        docker_connected: watcher.dockerStatus.connected,
        state_dir_writable: healthy,
        ...(watcher.storeHealth.lastError ? { state_dir_error: watcher.storeHealth.lastError } : {}),
      });
    }
    const route = url.pathname === '/metrics' && !options.metrics ? undefined : routes[url.pathname];
    const waiting = waitingRoutes[url.pathname];
    if (!route && !waiting) return json(404, { error: `no such endpoint: ${url.pathname.slice(0, 100)}` });
    if (!authorized(authorization, socket)) {
      return json(401, { error: 'missing or wrong bearer token' }, { 'WWW-Authenticate': 'Bearer' });
    }
    try {
      if (route) return toAnswer(route(url.searchParams));
      return (waiting as NonNullable<typeof waiting>)(url.searchParams).then(toAnswer, errorAnswer);
    } catch (error) {
      return errorAnswer(error);
    }
  }

  const timeoutMs = Math.round(options.requestTimeoutSeconds * 1000);
  const server = http.createServer(
    {
      maxHeaderSize: MAX_HEADER_BYTES,
      requestTimeout: timeoutMs,
      headersTimeout: timeoutMs,
      keepAliveTimeout: KEEP_ALIVE_MS,
      // How often node:http looks for requests past those timeouts.
      connectionsCheckingInterval: Math.min(1000, timeoutMs),
    },
    (request, response) => {
      const head = request.method === 'HEAD';
      const gzip = acceptsGzip(request.headers['accept-encoding']);
      const failed = () => {
        if (!response.headersSent) deliver(response, errorAnswer(undefined), head, false);
        else response.destroy();
      };
      try {
        const result = answer(
          request.method,
          request.url ?? '/',
          request.headers.authorization,
          request.socket,
        );
        if (result instanceof Promise)
          result.then((value) => deliver(response, value, head, gzip)).catch(failed);
        else deliver(response, result, head, gzip);
      } catch {
        failed();
      }
    },
  );
  server.maxConnections = 1024;
  // Idle sockets (a client that connects and says nothing) are closed too.
  server.setTimeout(timeoutMs, (socket: Socket) => socket.destroy());
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (socket.writable && !socket.destroyed) {
      const status =
        error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    } else socket.destroy();
  });
  return server;
}

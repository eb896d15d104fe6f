/**
 * The HTTP API. Every route but /health needs the bearer token. Requests are validated and
 * answered with JSON (4xx for bad input, never a crash); header size and the time a client
 * may take to send its request are bounded so slow or hostile clients cannot hold the server.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
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

function send(
  response: http.ServerResponse,
  status: number,
  body: string | Buffer,
  contentType: string,
  head: boolean,
) {
  response.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(head ? undefined : body);
}

function sendJson(response: http.ServerResponse, status: number, value: unknown, head = false) {
  send(response, status, JSON.stringify(value), 'application/json; charset=utf-8', head);
}

interface RouteResult {
  status?: number;
  json?: unknown;
  text?: string;
  /** Pre-serialised JSON (cached between changes). */
  raw?: Buffer;
}

type Route = (params: URLSearchParams) => Promise<RouteResult>;

export function createApiServer(watcher: Watcher, token: TokenCheck, options: ServerOptions): http.Server {
  const issuesCache: Partial<Record<'open' | 'all', { version: number; body: Buffer }>> = {};
  const routes: Record<string, Route> = {
    '/status': async () => ({
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
      },
    }),
    '/events': async (params) => {
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
    '/issues': async (params) => {
      const state = choiceParameter(params, 'state', ['open', 'all'], 'open') as 'open' | 'all';
      // Dashboards poll this; serialise once per change of the issue book, not per request.
      const cached = issuesCache[state];
      if (cached && cached.version === watcher.issues.version) return { raw: cached.body };
      const issues = watcher.issues.list(state);
      const body = Buffer.from(JSON.stringify({ issues, count: issues.length }));
      issuesCache[state] = { version: watcher.issues.version, body };
      return { raw: body };
    },
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
    '/metrics': async () => ({
      text: renderMetrics({
        eventCounts: watcher.eventCounts,
        openIssues: watcher.issues.list('open'),
        containers: watcher.containers(),
        oomCount: watcher.detector.oomCount,
        rssBytes: process.memoryUsage().rss,
        dockerConnected: watcher.dockerStatus.connected,
        reconnects: watcher.dockerStatus.reconnects,
        stateDirWritable: watcher.storeHealth.writable,
      }),
    }),
  };

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const head = request.method === 'HEAD';
    if (request.method !== 'GET' && !head) {
      response.setHeader('Allow', 'GET, HEAD');
      sendJson(response, 405, { error: 'method not allowed' });
      return;
    }
    const rawUrl = request.url ?? '/';
    let url: URL;
    try {
      if (rawUrl.length > MAX_URL || !rawUrl.startsWith('/')) throw new Error('bad url');
      url = new URL(rawUrl, 'http://buildwatch');
    } catch {
      sendJson(response, 400, { error: 'malformed request URL' }, head);
      return;
    }
    if (url.pathname === '/health') {
      const healthy = watcher.storeHealth.writable;
      sendJson(
        response,
        200,
        {
          status: healthy ? 'ok' : 'degraded',
          docker_connected: watcher.dockerStatus.connected,
          state_dir_writable: healthy,
          ...(watcher.storeHealth.lastError ? { state_dir_error: watcher.storeHealth.lastError } : {}),
        },
        head,
      );
      return;
    }
    const route = url.pathname === '/metrics' && !options.metrics ? undefined : routes[url.pathname];
    if (!route) {
      sendJson(response, 404, { error: `no such endpoint: ${url.pathname.slice(0, 100)}` }, head);
      return;
    }
    if (!token.allows(request.headers.authorization)) {
      response.setHeader('WWW-Authenticate', 'Bearer');
      sendJson(response, 401, { error: 'missing or wrong bearer token' }, head);
      return;
    }
    try {
      const result = await route(url.searchParams);
      if (result.text !== undefined) send(response, 200, result.text, 'text/plain; version=0.0.4', head);
      else if (result.raw !== undefined)
        send(response, 200, result.raw, 'application/json; charset=utf-8', head);
      else sendJson(response, result.status ?? 200, result.json, head);
    } catch (error) {
      if (error instanceof BadRequest) sendJson(response, error.status, { error: error.message }, head);
      else sendJson(response, 500, { error: 'internal error' }, head);
    }
  }

  const timeoutMs = Math.round(options.requestTimeoutSeconds * 1000);
  // Options unknown to older Node (the instance may run Node 12) are ignored there.
  const server = http.createServer(
    { maxHeaderSize: 8192, connectionsCheckingInterval: Math.min(1000, timeoutMs) } as http.ServerOptions,
    (request, response) => {
      handle(request, response).catch(() => {
        if (!response.headersSent) sendJson(response, 500, { error: 'internal error' });
        else response.destroy();
      });
    },
  );
  server.headersTimeout = timeoutMs;
  (server as http.Server & { requestTimeout: number }).requestTimeout = timeoutMs;
  server.keepAliveTimeout = 5000;
  // Idle sockets (a client that connects and says nothing) are closed too.
  server.setTimeout(timeoutMs, (socket: Socket) => socket.destroy());
  server.maxConnections = 1024;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (socket.writable && !socket.destroyed) {
      const status =
        error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    } else socket.destroy();
  });
  return server;
}

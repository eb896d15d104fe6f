/**
 * A tiny HTTP "app" for health checks in tests: `deploy --wait` and `status` probe the
 * published port; tests point them here with LINODE_BUILD_HEALTH_HOST=127.0.0.1:<port>. It can
 * also play the watcher's GET /status (LINODE_BUILD_WATCHER_URL=http://127.0.0.1:<port>).
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HealthApp {
  readonly port: number;
  readonly address: string;
  /** Paths requested so far. */
  readonly hits: string[];
  setStatus(code: number): void;
  /** Serve this as the watcher's GET /status (boot progress), or stop serving it (undefined). */
  setWatcherStatus(body: unknown): void;
  close(): Promise<void>;
}

export async function startHealthApp(initialStatus = 200): Promise<HealthApp> {
  let status = initialStatus;
  let watcherStatus: unknown;
  const hits: string[] = [];
  const server = http.createServer((request, response) => {
    hits.push(request.url ?? '/');
    if (watcherStatus !== undefined && request.url === '/status') {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(watcherStatus));
      return;
    }
    response.writeHead(status, { 'Content-Type': 'text/plain' });
    response.end(status === 200 ? 'ok\n' : 'not ready\n');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    hits,
    setStatus(code) {
      status = code;
    },
    setWatcherStatus(body) {
      watcherStatus = body;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

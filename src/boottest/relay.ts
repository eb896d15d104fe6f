/**
 * The guest's only way out: an HTTP proxy on a Unix socket that the guest reaches through a
 * bind mount (the guest has a private network, so its Docker bridge and iptables rules stay
 * inside it). Plain requests (apt: `GET http://deb.debian.org/...`) are forwarded and CONNECT
 * tunnels (HTTPS, e.g. a Docker registry) are spliced. Package files under `/pool/` never
 * change once published, so they are kept in a cache directory shared by every boot; index
 * downloads are counted (they are what a boot spends waiting on the mirror). A test may also
 * publish a host file under `/files/<name>` (`serveFile`), which the guest fetches from the
 * relay's own address as a plain origin server, e.g. an archive in place of a download site
 * the machine cannot reach.
 */

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

export interface RelayStats {
  /** Requests for apt index files (InRelease/Release/Packages): one set per `apt-get update`. */
  indexRequests: number;
  /** Package files answered from the cache / fetched from the mirror. */
  cachedPackages: number;
  fetchedPackages: number;
  tunnels: number;
  errors: string[];
}

export interface Relay {
  /** The Unix socket it listens on, or `127.0.0.1:<port>` when it listens on TCP. */
  readonly socketPath: string;
  /** The TCP port on 127.0.0.1 when it listens on TCP (a QEMU guest reaches it as 10.0.2.2). */
  readonly port: number | undefined;
  readonly stats: RelayStats;
  /** Serves `file` at `/files/<name>`; returns that path. */
  serveFile(name: string, file: string): string;
  close(): Promise<void>;
}

const UPSTREAM_TIMEOUT_MS = 60_000;

function isIndex(pathname: string): boolean {
  return /\/dists\/[^/]+\/(InRelease|Release)$/.test(pathname);
}

function cacheFile(cacheDir: string, url: URL): string | undefined {
  if (!url.pathname.includes('/pool/') || !url.pathname.endsWith('.deb')) return undefined;
  const key = createHash('sha256').update(`${url.host}${url.pathname}`).digest('hex').slice(0, 16);
  return path.join(cacheDir, `${key}-${path.basename(url.pathname)}`);
}

function forward(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  url: URL,
  stats: RelayStats,
  cachePath: string | undefined,
): void {
  const headers: http.OutgoingHttpHeaders = { ...request.headers, host: url.host };
  delete headers['proxy-connection'];
  const upstream = http.request(
    {
      host: url.hostname,
      port: url.port || 80,
      method: request.method,
      path: `${url.pathname}${url.search}`,
      headers,
      timeout: UPSTREAM_TIMEOUT_MS,
    },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      if (cachePath && answer.statusCode === 200 && request.method === 'GET') {
        const partial = `${cachePath}.${process.pid}.${Date.now()}.part`;
        const file = createWriteStream(partial);
        answer.pipe(file);
        file.on('finish', () => {
          if (answer.complete) renameSync(partial, cachePath);
          else rmSync(partial, { force: true });
        });
        file.on('error', () => rmSync(partial, { force: true }));
        stats.fetchedPackages++;
      }
      answer.pipe(response);
    },
  );
  upstream.on('timeout', () => upstream.destroy(new Error('upstream timed out')));
  upstream.on('error', (error) => {
    stats.errors.push(`${url.href}: ${error.message}`);
    if (!response.headersSent) response.writeHead(502);
    response.end();
  });
  request.pipe(upstream);
}

/**
 * Starts the relay on `listen`: a Unix socket path (nspawn guests, through a bind mount) or a
 * TCP port on 127.0.0.1 (0: any free one; QEMU guests on user networking, which reach the
 * host's loopback as 10.0.2.2). Package files are cached in `cacheDir`.
 */
export async function startRelay(listen: string | number, cacheDir: string): Promise<Relay> {
  mkdirSync(cacheDir, { recursive: true });
  if (typeof listen === 'string') rmSync(listen, { force: true });
  const stats: RelayStats = {
    indexRequests: 0,
    cachedPackages: 0,
    fetchedPackages: 0,
    tunnels: 0,
    errors: [],
  };
  const files = new Map<string, string>();
  const server = http.createServer((request, response) => {
    const published = files.get(request.url ?? '');
    if (published !== undefined && request.method === 'GET') {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      createReadStream(published).pipe(response);
      return;
    }
    let url: URL;
    try {
      url = new URL(request.url ?? '');
      if (url.protocol !== 'http:') throw new Error('not http');
    } catch {
      response.writeHead(400).end('absolute http:// URL expected (this is a proxy)\n');
      return;
    }
    if (isIndex(url.pathname)) stats.indexRequests++;
    const cachePath = cacheFile(cacheDir, url);
    if (cachePath && request.method === 'GET' && existsSync(cachePath)) {
      stats.cachedPackages++;
      response.writeHead(200, { 'content-type': 'application/vnd.debian.binary-package' });
      createReadStream(cachePath).pipe(response);
      return;
    }
    forward(request, response, url, stats, cachePath);
  });
  server.on('connect', (request, client, head) => {
    const [host, port] = (request.url ?? '').split(':');
    stats.tunnels++;
    const upstream = net.connect({ host: host ?? '', port: Number(port) || 443 }, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.setTimeout(UPSTREAM_TIMEOUT_MS, () => upstream.destroy());
    upstream.on('error', (error) => {
      stats.errors.push(`CONNECT ${request.url}: ${error.message}`);
      client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
    });
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (typeof listen === 'string') server.listen(listen, () => resolve());
    else server.listen(listen, '127.0.0.1', () => resolve());
  });
  const port = typeof listen === 'string' ? undefined : (server.address() as net.AddressInfo).port;
  return {
    socketPath: typeof listen === 'string' ? listen : `127.0.0.1:${port}`,
    port,
    stats,
    serveFile: (name, file) => {
      const pathname = `/files/${encodeURIComponent(name)}`;
      files.set(pathname, file);
      return pathname;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        if (typeof listen === 'string') rmSync(listen, { force: true });
      }),
  };
}

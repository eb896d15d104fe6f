/**
 * A small HTTP stand-in for the on-instance watcher (BuildWatch), for tests of how the CLI
 * reaches it: the watcher's read endpoints with its bearer-token check, a settable boot
 * progress, and a record of every request (path, whether the token came, from which address).
 * Also a "recorder": a listener that accepts anything and keeps the raw bytes, to prove that a
 * token never reached an address.
 */
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import type { BootProgress } from '../../src/watcher-client/client.js';

export interface StandinRequest {
  readonly path: string;
  readonly authorized: boolean;
  readonly remoteAddress: string;
}

/** Epoch ms and bearer token of each request, for timings and token checks. */
export interface StandinArrival {
  readonly at: number;
  readonly path: string;
  readonly bearer: string | undefined;
}

export interface WatcherStandin {
  readonly host: string;
  readonly port: number;
  readonly requests: StandinRequest[];
  readonly arrivals: StandinArrival[];
  setBoot(boot: BootProgress): void;
  close(): Promise<void>;
}

type BootStep = BootProgress['steps'][number];

/** The two steps most tests use: docker/install ("Install Docker") and app/start ("Start the app"). */
export function dockerStep(state: string, extra: Partial<BootStep> = {}): BootStep {
  return {
    id: 'docker/install',
    capability: 'docker',
    name: 'install',
    description: 'Install Docker',
    state,
    ...extra,
  };
}

export function appStep(state: string, extra: Partial<BootStep> = {}): BootStep {
  return { id: 'app/start', capability: 'app', name: 'start', description: 'Start the app', state, ...extra };
}

export function bootProgress(
  steps: BootProgress['steps'],
  state = 'running',
  stage = 'modules:final',
): BootProgress {
  return { cloud_init: { status: 'running', stage, errors: [] }, state, steps };
}

/**
 * `token` undefined: any bearer token is accepted (a deploy makes its own; tests compare the
 * recorded `arrivals` with the one it kept).
 */
export async function startWatcherStandin(
  token: string | undefined,
  options: {
    host?: string;
    port?: number;
    /** The app's log lines for GET /logs (default: one fixed line). */
    logLines?: () => { stream: string; time: string; text: string }[];
  } = {},
): Promise<WatcherStandin> {
  let boot = bootProgress([]);
  const requests: StandinRequest[] = [];
  const arrivals: StandinArrival[] = [];
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://watcher');
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const authorized = bearer !== undefined && (token === undefined || bearer === token);
    requests.push({ path: url.pathname, authorized, remoteAddress: request.socket.remoteAddress ?? '' });
    arrivals.push({ at: Date.now(), path: url.pathname, bearer });
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (url.pathname === '/health') return send(200, { status: 'ok', docker_connected: true });
    if (!authorized) return send(401, { error: 'unauthorized' });
    switch (url.pathname) {
      case '/status':
        return send(200, {
          watcher: { version: 'standin', started_at: new Date().toISOString() },
          boot,
          containers: [],
          open_issues: 0,
        });
      case '/issues':
        return send(200, { issues: [], count: 0 });
      case '/events':
        return send(200, { events: [], count: 0, next_since: 0 });
      case '/logs': {
        const lines = options.logLines?.() ?? [
          { stream: 'stdout', time: '2026-01-01T00:00:00Z', text: 'hello from the instance' },
        ];
        return send(200, { container: 'app', lines, count: lines.length });
      }
      default:
        return send(404, { error: 'not found' });
    }
  });
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as net.AddressInfo;
  return {
    host: address.address,
    port: address.port,
    requests,
    arrivals,
    setBoot(next) {
      boot = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface Recorder {
  readonly host: string;
  readonly port: number;
  /** Connections accepted so far. */
  connections(): number;
  /** Everything received, as text. */
  received(): string;
  close(): Promise<void>;
}

/** Accepts connections on host:port and keeps what arrives (never answers). */
export async function startRecorder(host: string, port = 0): Promise<Recorder> {
  let count = 0;
  let data = '';
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(port, host);
  await once(server, 'listening');
  return {
    host,
    port: (server.address() as net.AddressInfo).port,
    connections: () => count,
    received: () => data,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** This machine's own non-loopback IPv4 address (traffic to it never leaves the machine). */
export function ownInterfaceAddress(): string | undefined {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return undefined;
}

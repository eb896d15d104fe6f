/**
 * The built watcher (on its own Node, test/support/watcher-node.ts) against a fake Docker
 * socket: authentication on every endpoint, hostile and malformed requests, slow clients,
 * gzipped /issues, reconnect with `since`, and restart persistence.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watcherNodes } from '../../test/support/watcher-node.js';
import { type FakeDocker, logFrame, startFakeDocker } from './fake-docker.js';
import { fixtureLines } from './helpers.js';
import { type RunningWatcher, startWatcher, waitUntil } from './process.js';

const PROTECTED = ['/status', '/events', '/issues', '/logs', '/metrics'];

function rawRequest(port: number, text: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
      // The status line and headers are all these tests look at.
      if (answer.includes('\r\n\r\n')) socket.destroy();
    });
    socket.on('connect', () => socket.write(text));
    socket.on('error', () => resolve(answer));
    socket.on('close', () => resolve(answer));
    setTimeout(() => {
      socket.destroy();
      resolve(answer);
    }, timeoutMs);
  });
}

/** A watcher (request timeout 2 s) on a fake Docker, once its event stream is open. */
async function watcherOnFakeDocker(node?: string) {
  const docker = await startFakeDocker();
  const watcher = await startWatcher({ socket: docker.socket, args: ['--request-timeout', '2'], node });
  await waitUntil(
    async () => (docker.requests.some((r) => r.includes('/events')) ? true : undefined),
    5000,
    'events stream',
  );
  return { docker, watcher, port: Number(new URL(watcher.url).port) };
}

function statusOf(answer: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
}

describe('watcher HTTP API (built bundle, fake Docker)', () => {
  let docker: FakeDocker;
  let watcher: RunningWatcher;
  let port: number;

  beforeAll(async () => {
    ({ docker, watcher, port } = await watcherOnFakeDocker());
  });

  afterAll(async () => {
    await watcher?.stop();
    await docker?.close();
  });

  it('serves /health without a token and reports Docker connectivity', async () => {
    const health = await watcher.get('/health', null);
    expect(health.status).toBe(200);
    expect(health.json()).toMatchObject({ status: 'ok', docker_connected: true, state_dir_writable: true });
  });

  it('answers 401 on every protected endpoint without a token or with a wrong one', async () => {
    for (const endpoint of PROTECTED) {
      for (const token of [null, 'wrong-token', `${watcher.token}x`, watcher.token.slice(1)]) {
        const response = await watcher.get(endpoint, token);
        expect(response.status, `${endpoint} with ${token === null ? 'no token' : 'a wrong token'}`).toBe(
          401,
        );
        expect(response.json()).toEqual({ error: 'missing or wrong bearer token' });
      }
      expect((await watcher.get(endpoint)).status, endpoint).not.toBe(401);
    }
  });

  it('negotiated the API version and streams with type and event filters', () => {
    const events = docker.requests.find((r) => r.includes('/events')) ?? '';
    expect(events.startsWith('/v1.52/events?filters=')).toBe(true);
    const filters = JSON.parse(decodeURIComponent(events.split('filters=')[1]?.split('&')[0] ?? ''));
    expect(filters.type).toEqual(['container']);
    expect(filters.event).toEqual(expect.arrayContaining(['die', 'oom', 'start', 'health_status']));
  });

  it('detects issues from streamed Docker 29 events and pages /events with a cursor', async () => {
    docker.emit(fixtureLines('docker29-oom-stop-health.jsonl'));
    const issues = await waitUntil(
      async () => {
        const body = (await watcher.get('/issues?state=all')).json() as { issues: { kind: string }[] };
        return body.issues.length >= 3 ? body.issues : undefined;
      },
      2000,
      'issues',
    );
    expect(issues.map((issue) => issue.kind).sort()).toEqual(['nonzero_exit', 'oom_killed', 'unhealthy']);
    const open = (await watcher.get('/issues')).json() as { issues: { kind: string }[] };
    expect(open.issues.map((issue) => issue.kind).sort()).toEqual(['nonzero_exit', 'oom_killed']);
    const first = (await watcher.get('/events?limit=5')).json() as {
      events: { seq: number }[];
      next_since: number;
    };
    expect(first.events.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5]);
    const rest = (await watcher.get(`/events?since=${first.next_since}&limit=1000`)).json() as {
      count: number;
    };
    expect(rest.count).toBe(8);
    const metrics = await watcher.get('/metrics');
    expect(metrics.body).toContain('buildwatch_events_total{action="die"} 3');
    expect(metrics.body).toContain('buildwatch_open_issues{kind="oom_killed"} 1');
    expect(metrics.body).toContain('buildwatch_oom_kills_total 1');
    expect(metrics.body).toMatch(/buildwatch_resident_memory_bytes \d{6,}/);
  });

  it('returns demultiplexed log tails and JSON errors for bad /logs parameters', async () => {
    docker.logs = logFrame(2, 'error: boom!\n');
    const logs = await watcher.get('/logs?container=app&lines=10');
    expect(logs.json()).toEqual({
      container: 'app',
      lines: [{ stream: 'stderr', text: 'error: boom!' }],
      count: 1,
    });
    expect((await watcher.get('/logs?container=missing')).status).toBe(404);
    for (const query of [
      'lines=0',
      'lines=abc',
      'lines=5001',
      'lines=1&lines=2',
      'container=../etc',
      'container=a%20b',
    ]) {
      const response = await watcher.get(`/logs?${query}`);
      expect(response.status, query).toBe(400);
      expect(typeof (response.json() as { error: string }).error).toBe('string');
    }
  });

  it('survives 1,000+ malformed requests and slowloris clients, and keeps serving others promptly', async () => {
    // Slow clients: partial request lines and headers that never finish.
    const slow: net.Socket[] = [];
    for (let index = 0; index < 60; index++) {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => {});
      socket.write(index % 2 ? 'GET /status HTTP/1.1\r\nHost: x\r\nX-Slow: ' : 'GE');
      slow.push(socket);
    }
    const bad: Promise<number>[] = [];
    const huge = `GET /issues HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`;
    const shapes = [
      () => watcher.get('/events?since=-1').then((r) => r.status),
      () => watcher.get('/events?limit=0').then((r) => r.status),
      () => watcher.get('/events?limit=1e3').then((r) => r.status),
      () => watcher.get('/issues?state=closed').then((r) => r.status),
      () => watcher.get('/nope').then((r) => r.status),
      () => watcher.get('/%E0%A4%A').then((r) => r.status),
      () => rawRequest(port, huge).then(statusOf),
      () => rawRequest(port, 'THIS IS NOT HTTP\r\n\r\n').then(statusOf),
      () => rawRequest(port, 'GET /health HTTP/1.1\r\nContent-Length: -5\r\n\r\n').then(statusOf),
      () => rawRequest(port, 'POST /issues HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n').then(statusOf),
      () => rawRequest(port, `GET /${'x'.repeat(3000)} HTTP/1.1\r\nHost: x\r\n\r\n`).then(statusOf),
      () =>
        rawRequest(port, 'GET /status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\n\r\n').then(
          statusOf,
        ),
    ];
    for (let index = 0; index < 1200; index++) {
      bad.push(shapes[index % shapes.length]!());
      if (index % 100 === 99) await Promise.all(bad.slice(-100));
    }
    const statuses = await Promise.all(bad);
    expect(
      statuses.every((status) => status >= 400 && status < 500),
      `statuses: ${[...new Set(statuses)]}`,
    ).toBe(true);
    expect(new Set(statuses)).toEqual(new Set([400, 401, 404, 405, 431]));
    // With the slow clients still connected, a normal request is answered quickly.
    const started = Date.now();
    const status = await watcher.get('/status');
    expect(status.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);
    // The server drops the slow clients after its request timeout (2 s here).
    await waitUntil(
      async () => (slow.every((socket) => socket.destroyed || socket.readableEnded) ? true : undefined),
      6000,
      'slow clients dropped',
    );
    for (const socket of slow) socket.destroy();
    expect(watcher.child.exitCode).toBeNull();
    expect((await watcher.get('/health', null)).status).toBe(200);
  });

  it('reports a state directory it cannot write to on /health and keeps serving', async () => {
    const events = path.join(watcher.stateDir, 'events.jsonl');
    fs.rmSync(events, { force: true });
    fs.mkdirSync(events);
    docker.emit([
      '{"Type":"container","Action":"start","Actor":{"ID":"f00d","Attributes":{"name":"late"}},"time":1999999999,"timeNano":1999999999000000000}',
    ]);
    const health = await waitUntil(
      async () => {
        const body = (await watcher.get('/health', null)).json() as {
          status: string;
          state_dir_error?: string;
        };
        return body.status === 'degraded' ? body : undefined;
      },
      3000,
      'degraded health',
    );
    expect(health.state_dir_error).toMatch(/events\.jsonl/);
    expect((await watcher.get('/metrics')).body).toContain('buildwatch_state_dir_writable 0');
    fs.rmSync(events, { recursive: true });
    await waitUntil(
      async () =>
        ((await watcher.get('/health', null)).json() as { status: string }).status === 'ok'
          ? true
          : undefined,
      3000,
      'recovered health',
    );
  });

  it('never writes the token to its log', () => {
    expect(watcher.output()).not.toContain(watcher.token);
  });
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The body's bytes as sent (gzipped ones included). */
  raw: Buffer;
}

/** One keep-alive connection spoken to byte by byte, reading responses by Content-Length. */
class RawConnection {
  private readonly socket: net.Socket;
  private buffered = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  closed = false;

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.waiting?.();
    });
    this.socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
    this.socket.on('error', () => {});
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** The next response (the body is left out for HEAD), or undefined once the server closed. */
  async next(head = false): Promise<RawResponse | undefined> {
    for (;;) {
      const end = this.buffered.indexOf('\r\n\r\n');
      if (end !== -1) {
        const lines = this.buffered.toString('latin1', 0, end).split('\r\n');
        const headers: Record<string, string> = {};
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
        }
        const length = head ? 0 : Number(headers['content-length']);
        if (this.buffered.length >= end + 4 + length) {
          const raw = Buffer.from(this.buffered.subarray(end + 4, end + 4 + length));
          this.buffered = this.buffered.subarray(end + 4 + length);
          return { status: Number(lines[0]?.split(' ')[1]), headers, body: raw.toString('utf8'), raw };
        }
      }
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

describe.each(watcherNodes())(
  'node:http on $label (keep-alive, pipelining, limits, gzip)',
  ({ path: node }) => {
    let docker: FakeDocker;
    let watcher: RunningWatcher;
    let port: number;
    let auth: string;

    beforeAll(async () => {
      ({ docker, watcher, port } = await watcherOnFakeDocker(node));
      auth = `Authorization: Bearer ${watcher.token}\r\n`;
      docker.emit(fixtureLines('docker29-oom-stop-health.jsonl'));
      await waitUntil(
        async () => ((await watcher.get('/issues')).json() as { count: number }).count > 0 || undefined,
        5000,
        'issues',
      );
    });

    afterAll(async () => {
      await watcher?.stop();
      await docker?.close();
    });

    it('answers pipelined requests in order on one keep-alive connection', async () => {
      const connection = new RawConnection(port);
      connection.send(
        `GET /health HTTP/1.1\r\nHost: x\r\n\r\nHEAD /issues HTTP/1.1\r\nHost: x\r\n${auth}\r\n` +
          `GET /status HTTP/1.1\r\nHost: x\r\n${auth}\r\nGET /logs?container=app HTTP/1.1\r\nHost: x\r\n${auth}\r\n` +
          `GET /issues HTTP/1.1\r\nHost: x\r\n${auth}\r\n`,
      );
      const health = await connection.next();
      expect(health).toMatchObject({ status: 200, headers: { connection: 'keep-alive' } });
      const head = await connection.next(true);
      expect(head?.status).toBe(200);
      expect(Number(head?.headers['content-length'])).toBeGreaterThan(100);
      expect((await connection.next())?.body).toContain('"events_processed"');
      expect((await connection.next())?.status).toBe(200);
      const issues = await connection.next();
      expect(JSON.parse(issues?.body ?? '{}').count).toBeGreaterThan(0);
      connection.send(`GET /issues HTTP/1.1\r\nHost: x\r\n${auth}\r\n`);
      expect((await connection.next())?.body).toBe(issues?.body);
      connection.close();
    });

    it('serves the cached /issues gzipped to clients that accept gzip, and only to them', async () => {
      const ask = async (headers: string, method = 'GET') => {
        const connection = new RawConnection(port);
        connection.send(`${method} /issues?state=all HTTP/1.1\r\nHost: x\r\n${auth}${headers}\r\n`);
        const response = await connection.next(method === 'HEAD');
        connection.close();
        return response;
      };
      const plain = await ask('');
      expect(plain?.status).toBe(200);
      expect(plain?.headers['content-encoding']).toBeUndefined();
      expect(plain?.headers.vary).toBe('Accept-Encoding');
      const issues = JSON.parse(plain?.raw.toString('utf8') ?? '{}') as { count: number };
      expect(issues.count).toBeGreaterThan(0);
      for (const accept of ['gzip', 'br, gzip;q=0.5, deflate', 'GZIP']) {
        const gzipped = await ask(`Accept-Encoding: ${accept}\r\n`);
        expect(gzipped?.headers['content-encoding'], accept).toBe('gzip');
        expect(gzipped?.headers.vary).toBe('Accept-Encoding');
        expect(Number(gzipped?.headers['content-length'])).toBe(gzipped?.raw.length);
        expect(gzipped?.raw.length).toBeLessThan(plain?.raw.length ?? 0);
        expect(gunzipSync(gzipped?.raw ?? Buffer.alloc(0)).equals(plain?.raw ?? Buffer.alloc(0))).toBe(true);
      }
      // Refused or not offered: the plain body.
      for (const accept of ['gzip;q=0', 'br, deflate', 'identity']) {
        const refused = await ask(`Accept-Encoding: ${accept}\r\n`);
        expect(refused?.headers['content-encoding'], accept).toBeUndefined();
        expect(refused?.raw.equals(plain?.raw ?? Buffer.alloc(0))).toBe(true);
      }
      const head = await ask('Accept-Encoding: gzip\r\n', 'HEAD');
      expect(head?.headers['content-encoding']).toBe('gzip');
      expect(head?.raw.length).toBe(0);
      // Without the token, no body in any encoding.
      const connection = new RawConnection(port);
      connection.send('GET /issues HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n');
      const denied = await connection.next();
      connection.close();
      expect(denied?.status).toBe(401);
      expect(denied?.headers['content-encoding']).toBeUndefined();
    });

    it("applies node:http's limits and timeouts", async () => {
      const statuses = async (text: string) => {
        const connection = new RawConnection(port);
        connection.send(text);
        const response = await connection.next();
        connection.close();
        return response?.status;
      };
      expect(await statuses(`POST /issues HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 2\r\n\r\n{}`)).toBe(
        405,
      );
      expect(
        await statuses(`GET /issues HTTP/1.1\r\nHost: x\r\n${auth}X-Big: ${'a'.repeat(9000)}\r\n\r\n`),
      ).toBe(431);
      expect(await statuses(`GET /issues HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: -5\r\n\r\n`)).toBe(
        400,
      );
      const close = new RawConnection(port);
      close.send(`GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect((await close.next())?.headers.connection).toBe('close');
      expect(await close.next()).toBeUndefined();
      // A head trickled in a line at a time is dropped at the request timeout (2 s here), although
      // the connection is never silent for long.
      const trickle = new RawConnection(port);
      trickle.send('GET /status HTTP/1.1\r\n');
      const timer = setInterval(() => trickle.send('X-Slow: 1\r\n'), 200);
      try {
        await waitUntil(async () => (trickle.closed ? true : undefined), 8000, 'trickling client dropped');
      } finally {
        clearInterval(timer);
        trickle.close();
      }
    });
  },
);

describe('reconnect and restart (fake Docker)', () => {
  it('resumes from the last event with since after the stream drops, and restores state after a restart', async () => {
    const docker = await startFakeDocker('1.50');
    // The fixtures are from 2025: keep them through the restart whatever today's date is.
    const args = ['--retention-days', '36500'];
    let watcher = await startWatcher({ socket: docker.socket, args });
    const lines = fixtureLines('docker28-crash-loop.jsonl');
    await waitUntil(
      async () => (docker.requests.some((r) => r.includes('/events')) ? true : undefined),
      5000,
      'stream',
    );
    docker.emit(lines.slice(0, 5));
    await waitUntil(
      async () => ((await watcher.get('/events')).json() as { count: number }).count === 5 || undefined,
      2000,
      '5 events',
    );
    // Daemon restart: the stream ends; the watcher reconnects with since = last timeNano.
    await docker.close();
    const docker2 = await startFakeDockerAt(docker.socket);
    const resumed = await waitUntil(
      async () => docker2.requests.find((r) => r.includes('/events')),
      8000,
      'reconnect',
    );
    expect(resumed.startsWith('/v1.50/events')).toBe(true);
    expect(resumed).toContain('since=1763900000.940000004');
    // Docker replays from `since` inclusive: the last event again, then new ones.
    docker2.emit(lines.slice(4));
    const issues = await waitUntil(
      async () => {
        const body = (await watcher.get('/issues')).json() as { issues: { kind: string; id: string }[] };
        return body.issues.some((issue) => issue.kind === 'crash_loop') ? body.issues : undefined;
      },
      2000,
      'crash loop',
    );
    const events = (await watcher.get('/events?limit=1000')).json() as { events: { timeNano: string }[] };
    expect(events.events.map((event) => event.timeNano)).toEqual(
      lines.map((line) => /"timeNano":(\d+)/.exec(line)?.[1]),
    );

    // Restart the watcher on the same state directory: same open issues, no duplicate events.
    await watcher.stop();
    watcher = await startWatcher({ socket: docker2.socket, stateDir: watcher.stateDir, args });
    const restored = (await watcher.get('/issues')).json() as { issues: { kind: string; id: string }[] };
    expect(restored.issues.map((issue) => issue.id).sort()).toEqual(issues.map((issue) => issue.id).sort());
    await waitUntil(
      async () => (docker2.requests.filter((r) => r.includes('/events')).length >= 2 ? true : undefined),
      5000,
      'stream after restart',
    );
    expect(docker2.requests.filter((r) => r.includes('/events')).pop()).toContain(
      'since=1763900001.560000006',
    );
    docker2.emit(lines.slice(-2));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = (await watcher.get('/events?limit=1000')).json() as { events: { seq: number }[] };
    expect(after.events.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const crash = (
      (await watcher.get('/issues')).json() as { issues: { kind: string; count: number }[] }
    ).issues.find((issue) => issue.kind === 'crash_loop');
    expect(crash?.count).toBe(1);
    await watcher.stop();
    await docker2.close();
  });
});

async function startFakeDockerAt(socket: string): Promise<FakeDocker> {
  const fs = await import('node:fs');
  fs.rmSync(socket, { force: true });
  return startFakeDocker('1.50', socket);
}

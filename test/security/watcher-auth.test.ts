/**
 * The watcher (built bundle, fake Docker with a container whose logs carry a canary) refuses
 * every request to a protected endpoint that does not carry the exact bearer token: no header,
 * wrong or truncated or extended token, other schemes, the token in the query string, every
 * method, and path spellings that normalise to a protected route. Refusals leak no data.
 * (watcher/test/api.test.ts covers the plain no-token and wrong-token GETs.)
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeDocker, startFakeDocker } from '../../watcher/test/fake-docker.js';
import type { RunningWatcher } from '../../watcher/test/process.js';
import { startStreamingWatcher, stopWatcherAndDocker } from '../reliability/support.js';

const PROTECTED = ['/status', '/events', '/issues', '/logs', '/metrics'];
const canary = 'canary-container-log-5e7a';

/** One raw HTTP/1.1 exchange, so headers and paths are sent exactly as written. */
function exchange(port: number, request: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    const finish = () => resolve(answer);
    socket.on('end', finish);
    socket.on('error', finish);
    socket.setTimeout(8000, () => {
      socket.destroy();
      finish();
    });
  });
}

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);

describe('watcher authentication', () => {
  let docker: FakeDocker;
  let watcher: RunningWatcher;
  let port: number;

  beforeAll(async () => {
    docker = await startFakeDocker();
    docker.logs = Buffer.from(`${canary}\n`);
    watcher = await startStreamingWatcher(docker);
    port = Number(new URL(watcher.url).port);
  });

  afterAll(() => stopWatcherAndDocker(watcher, docker));

  it('answers the right token (so the refusals below mean something)', async () => {
    const answer = await exchange(
      port,
      `GET /logs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${watcher.token}\r\nConnection: close\r\n\r\n`,
    );
    expect(statusOf(answer)).toBe(200);
    expect(answer).toContain(canary);
  });

  it('refuses every protected endpoint without the exact token', { timeout: 120_000 }, async () => {
    const token = watcher.token;
    const credentials = [
      undefined,
      'Bearer',
      'Bearer ',
      `Bearer ${token.slice(0, -1)}`,
      `Bearer ${token}x`,
      `Bearer ${token.toUpperCase() === token ? token.toLowerCase() : token.toUpperCase()}`,
      `Bearer  ${'0'.repeat(token.length)}`,
      `Basic ${Buffer.from(`buildwatch:${token}`).toString('base64')}`,
      `Token ${token}`,
      token,
      `Bearer ${token} ${token}`,
    ];
    const paths = [
      ...PROTECTED,
      ...PROTECTED.map((route) => `${route}?token=${token}`),
      ...PROTECTED.map((route) => `${route}?access_token=${token}`),
      '/health/../status',
      '//status',
      '/%73tatus',
      '/logs/../issues',
    ];
    const refusals: string[] = [];
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS']) {
      for (const route of paths) {
        for (const credential of credentials) {
          const header = credential === undefined ? '' : `Authorization: ${credential}\r\n`;
          const answer = await exchange(
            port,
            `${method} ${route} HTTP/1.1\r\nHost: x\r\n${header}Connection: close\r\n\r\n`,
          );
          const status = statusOf(answer);
          if (status >= 200 && status < 300)
            refusals.push(`${method} ${route} [${credential?.slice(0, 12)}] → ${status}`);
          if (answer.includes(canary) || answer.includes('events_processed'))
            refusals.push(`${method} ${route} leaked data`);
          if (status === 0) refusals.push(`${method} ${route}: no answer`);
        }
      }
    }
    expect(refusals).toEqual([]);
  });

  it('serves only /health without a token, and it reveals no container data', async () => {
    const answer = await exchange(port, 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(statusOf(answer)).toBe(200);
    expect(answer).not.toContain(canary);
    expect(answer).not.toMatch(/app-|containers|issues/);
  });

  it('never writes the token to its log', () => {
    expect(watcher.output().length).toBeGreaterThan(0);
    expect(watcher.output()).not.toContain(watcher.token);
  });
});

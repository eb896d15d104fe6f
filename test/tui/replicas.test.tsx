/**
 * The dashboard with a deployment of replicas: one row that counts them, and a detail view
 * that lists each replica with its instance status, health and backend on the NodeBalancer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ReplicaView } from '../../src/status/types.js';
import { FakeSource, view } from './fake-source.js';
import { type Harness, KEYS, lineWidths, renderApp } from './harness.js';

let app: Harness | undefined;
afterEach(() => app?.unmount());

function replica(index: number, overrides: Partial<ReplicaView> = {}): ReplicaView {
  return {
    index,
    label: `chat-prod-aaaa1111-${index}`,
    linodeId: 5000 + index,
    instanceStatus: 'running',
    privateIpv4: `192.168.130.${index}`,
    health: 'healthy',
    backend: { mode: 'accept', status: 'UP' },
    ...overrides,
  };
}

const replicated = view('aaaa1111', {
  app: 'chat',
  url: 'http://nb-198-51-100-7.ord.nodebalancer.linode.com:8080',
  ipv4: '198.51.100.7',
  hourlyPrice: 0.123,
  replicas: [
    replica(1),
    replica(2, { health: 'unhealthy', backend: { mode: 'accept', status: 'DOWN' } }),
    replica(3, {
      instanceStatus: 'offline',
      health: 'not-checked',
      backend: { mode: 'drain', status: 'DOWN' },
    }),
  ],
  nodeBalancer: {
    id: 77,
    label: 'lb-aaaa1111-chat',
    hostname: 'nb-198-51-100-7.ord.nodebalancer.linode.com',
    ipv4: '198.51.100.7',
    port: 8080,
  },
});

describe('replicas in the TUI', () => {
  it('lists a deployment with replicas as one row that counts them, next to a single instance', async () => {
    const source = new FakeSource([replicated, view('bbbb2222')]);
    app = renderApp(source, { columns: 120, rows: 30 });
    const frame = await app.waitFor((f) => f.includes('▶ aaaa1111') && f.includes('bbbb2222'));
    const rows = frame.split('\n');
    expect(rows.filter((line) => line.includes('aaaa1111'))).toHaveLength(1);
    expect(rows.find((line) => line.includes('aaaa1111'))).toContain(' 2/3 running ');
    expect(rows.find((line) => line.includes('bbbb2222'))).toMatch(/ running /);
  });

  it('the detail view shows the NodeBalancer and each replica with its backend, within 80 columns', async () => {
    const source = new FakeSource([replicated]);
    app = renderApp(source, { columns: 80, rows: 30 });
    await app.waitFor((f) => f.includes('▶ aaaa1111'));
    await app.press(KEYS.enter);
    const frame = await app.waitFor((f) => f.includes('Replicas ('), 'detail');
    expect(frame).toContain('Replicas (2/3 running, 1/3 UP) · NodeBalancer 77 lb-aaaa1111-chat');
    expect(frame).toMatch(/ 1 linode 5001 · running · healthy · accept UP · chat-prod-aaaa1111-1/);
    expect(frame).toMatch(/ 2 linode 5002 · running · unhealthy · accept DOWN · chat-prod-aaaa1111-2/);
    expect(frame).toMatch(/ 3 linode 5003 · offline · no check · drain DOWN · chat-prod/);
    expect(Math.max(...lineWidths(frame))).toBeLessThanOrEqual(80);
  });

  it('a replica not yet registered on the NodeBalancer says so, and hostile labels stay inert', async () => {
    const source = new FakeSource([
      view('aaaa1111', {
        replicas: [replica(1, { label: 'evil\u001b[2Jlabel', backend: undefined, health: 'unknown' })],
      }),
    ]);
    app = renderApp(source, { columns: 100, rows: 30 });
    await app.waitFor((f) => f.includes('▶ aaaa1111'));
    await app.press(KEYS.enter);
    const frame = await app.waitFor((f) => f.includes('Replicas ('), 'detail');
    expect(frame).toContain('no NodeBalancer found');
    expect(frame).toMatch(/ 1 linode 5001 · running · unknown · not registered · evil/);
    expect(frame).not.toContain('\u001b[2J');
  });

  it('marks a roll that stopped at a replica apart from one cut short, in the row and the detail view', async () => {
    const stopped = view('aaaa1111', {
      ...replicated,
      unfinishedRollSince: '2026-12-02T10:00:00.000Z',
      rollStopped: {
        at: '2026-12-02T10:02:00.000Z',
        replica: 2,
        reason: 'health check failed',
        updated: [1],
      },
    });
    const cut = view('cccc3333', {
      replicas: [replica(1), replica(2)],
      unfinishedRollSince: '2026-12-02T11:00:00.000Z',
    });
    const source = new FakeSource([stopped, cut, view('bbbb2222')]);
    app = renderApp(source, { columns: 120, rows: 30 });
    const frame = await app.waitFor((f) => f.includes('aaaa1111') && f.includes('cccc3333'));
    const row = (id: string) => frame.split('\n').find((line) => line.includes(id)) ?? '';
    expect(row('aaaa1111')).toContain('2/3 running (roll stopped)');
    expect(row('cccc3333')).toContain('2/2 running (roll interrupted)');
    expect(row('bbbb2222')).not.toContain('roll');

    await app.press(KEYS.enter);
    const detail = await app.waitFor((f) => f.includes('Replicas ('), 'detail');
    expect(detail).toMatch(/roll +stopped at replica 2 \(health check failed\)/);
    expect(detail).toContain('replica 1 runs the new version; deploy rolls again');
    expect(detail).not.toContain('interrupted');
  });

  it('the detail view of a roll cut short says so within 80 columns', async () => {
    const source = new FakeSource([
      view('cccc3333', {
        replicas: [replica(1), replica(2)],
        unfinishedRollSince: '2026-12-02T11:00:00.000Z',
      }),
    ]);
    app = renderApp(source, { columns: 80, rows: 30 });
    await app.waitFor((f) => f.includes('▶ cccc3333'));
    await app.press(KEYS.enter);
    const detail = await app.waitFor((f) => f.includes('Replicas ('), 'detail');
    expect(detail).toMatch(/roll +interrupted \(the deploy was cut short\)/);
    expect(detail).toContain('some replicas may be drained; deploy finishes it');
    expect(detail).not.toContain('stopped at');
    expect(Math.max(...lineWidths(detail))).toBeLessThanOrEqual(80);
  });
});

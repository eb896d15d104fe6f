import { afterEach, describe, expect, it } from 'vitest';
import type { DetailView } from '../../src/tui/data.js';
import { FakeSource, NOW, view } from './fake-source.js';
import { type Harness, KEYS, lineWidths, renderApp } from './harness.js';

let app: Harness | undefined;
afterEach(() => app?.unmount());

const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString();

function watched(source: FakeSource): void {
  source.detailOf = (id): DetailView => ({
    deployment: source.deployments.find((d) => d.id === id)!,
    watcher: {
      state: 'ok',
      bootSteps: [
        { name: 'packages', state: 'done', startedAt: ago(300), finishedAt: ago(288) },
        { name: 'docker', state: 'done', startedAt: ago(288), finishedAt: ago(248) },
        { name: 'pull image', state: 'running', startedAt: ago(20) },
        { name: 'start app', state: 'pending' },
      ],
      issues: [
        {
          kind: 'oom-killed',
          severity: 'critical',
          container: 'app',
          message: 'container killed by the kernel OOM killer',
          firstSeen: ago(600),
          lastSeen: ago(120),
          count: 3,
          evidence: 'docker event die exitCode=137 OOMKilled=true',
        },
      ],
      events: [
        { at: ago(125), kind: 'start', message: 'app started' },
        { at: ago(130), kind: 'die', message: 'app exited 137' },
        { at: ago(900), kind: 'create', message: 'oldest, beyond the three shown' },
        { at: ago(901), kind: 'pull', message: 'older still' },
      ],
      idleGpu: [
        'Idle:      since 2026-01-01T10:00:00.000Z (2h)',
        'GPU 0:     NVIDIA RTX 4000 Ada Generation: 0% busy, 15234 of 20475 MiB, 35°C, 17.8 W',
      ],
    },
    healthHistory: [
      { at: ago(30), ok: true },
      { at: ago(20), ok: false },
      { at: ago(10), ok: true },
    ],
  });
}

async function openDetail(source: FakeSource, options: { columns?: number; rows?: number } = {}) {
  app = renderApp(source, options);
  await app.waitFor((f) => f.includes('▶ aaaa1111'));
  await app.press(KEYS.enter);
  return app.waitFor((f) => f.includes('instance') && !f.includes('Log tail: loading'), 'detail');
}

describe('detail view', () => {
  it('shows the time left of a deployment with a lifetime, and marks an expired one in the list', async () => {
    const source = new FakeSource([
      view('aaaa1111', { expiresAt: new Date(NOW + (3 * 60 + 12) * 60_000).toISOString() }),
      view('bbbb2222', { expiresAt: new Date(NOW - 2 * 3_600_000).toISOString() }),
    ]);
    app = renderApp(source, { columns: 120, rows: 40 });
    const list = await app.waitFor((f) => f.includes('▶ aaaa1111'));
    expect(list.split('\n').find((line) => line.includes('bbbb2222'))).toMatch(/ EXP$/);
    expect(list.split('\n').find((line) => line.includes('aaaa1111'))).not.toContain('EXP');
    await app.press(KEYS.enter);
    const frame = await app.waitFor((f) => f.includes('instance'), 'detail');
    expect(frame).toContain('3h 12m left');
    await app.press(KEYS.escape, 'j', KEYS.enter);
    const expired = await app.waitFor((f) => f.includes('bbbb2222') && f.includes('instance'), 'detail');
    expect(expired).toContain('expired 2h ago; run linode-build reap');
  });

  it('shows instance facts, health history, boot steps with measured times, issues with evidence and events', async () => {
    const source = new FakeSource([view('aaaa1111', { app: 'chat', label: 'chat-prod-aaaa1111' })]);
    watched(source);
    const frame = await openDetail(source, { columns: 120, rows: 40 });
    expect(frame).toContain('aaaa1111 · chat / prod · llm-api');
    expect(frame).toMatch(/idle +since 2026-01-01T10:00:00.000Z \(2h\)/);
    expect(frame).toMatch(/gpu 0 +NVIDIA RTX 4000 Ada Generation: 0% busy, 15234 of 20475 MiB/);
    expect(frame).toMatch(/instance +running \(record: active\)/);
    expect(frame).toContain('1089 chat-prod-aaaa1111'.replace('1089', String(1000 + 'a'.charCodeAt(0))));
    expect(frame).toContain('url      http://192.0.2.1:8000');
    expect(frame).toContain('$0.036/h · accrued $0.108');
    expect(frame).toMatch(/age +3h/);
    expect(frame).toContain('registry and tags');
    expect(frame).toContain('✓✗✓ (last 3, newest right)');
    expect(frame).toContain('✓ packages 12s  ✓ docker 40s  ▶ pull image 20s  ○ start app');
    expect(frame).toContain('Open issues (1)');
    expect(frame).toContain(
      'CRITICAL oom-killed [app]: container killed by the kernel OOM killer (×3, last 2m ago)',
    );
    expect(frame).toContain('evidence: docker event die exitCode=137 OOMKilled=true');
    expect(frame).toContain('die: app exited 137');
    expect(frame).toContain('start: app started');
    expect(frame).not.toContain('older still');
    expect(frame).toContain('Log tail (2 lines)');
    expect(frame).toContain('line two');
  });

  it('lists each replica of a deployment behind a NodeBalancer, with its backend', async () => {
    const source = new FakeSource([
      view('aaaa1111', {
        app: 'chat',
        nodeBalancerId: 7,
        replicas: [
          {
            index: 1,
            label: 'chat-1',
            linodeId: 101,
            instanceStatus: 'running',
            backend: { mode: 'accept', status: 'UP' },
          },
          {
            index: 2,
            label: 'chat-2',
            linodeId: 102,
            instanceStatus: 'booting',
            backend: { mode: 'reject', status: 'DOWN' },
          },
        ],
      }),
    ]);
    const frame = await openDetail(source, { columns: 120, rows: 40 });
    expect(frame).toMatch(/ 1 linode 101 · running · unknown · accept UP · chat-1/);
    expect(frame).toMatch(/ 2 linode 102 · booting · unknown · reject DOWN · chat-2/);
  });

  it('says when the watcher is not enabled or not reachable instead of inventing steps', async () => {
    const source = new FakeSource([view('aaaa1111')]);
    let frame = await openDetail(source);
    expect(frame).toContain('watcher not enabled for this deployment');
    expect(frame).toContain('no health history recorded');
    app?.unmount();
    source.detailOf = (id) => ({
      deployment: source.deployments.find((d) => d.id === id)!,
      watcher: { state: 'unreachable', error: 'connect ETIMEDOUT 192.0.2.1:9090' },
    });
    frame = await openDetail(source);
    expect(frame).toContain('watcher unreachable: connect ETIMEDOUT 192.0.2.1:9090');
    expect(frame).not.toMatch(/\d+s +[✓▶]/);
  });

  it('shows hostile log lines literally: no escape sequences, no extra rows, layout intact', async () => {
    const source = new FakeSource([view('aaaa1111')]);
    source.logLines = [
      'normal line',
      '\u001b[2J\u001b[Hcleared?',
      '\u001b]0;title pwned\u0007after title',
      'progress 10%\rprogress 100%',
      `wide ${'W'.repeat(500)}`,
      '[bold red]markup[/] stays text',
      'embedded\nnewline',
      '\u001b[31mred\u001b[0m',
    ];
    const frame = await openDetail(source, { columns: 80, rows: 24 });
    expect(frame).not.toContain('\u001b');
    expect(frame).not.toContain('\u0007');
    expect(frame).toContain('cleared?');
    expect(frame).toContain('after title');
    expect(frame).toContain('progress 10%␍progress 100%');
    expect(frame).toContain('[bold red]markup[/] stays text');
    expect(frame.split('\n').length).toBeLessThanOrEqual(23);
    expect(Math.max(...lineWidths(frame))).toBeLessThanOrEqual(80);
    expect(frame).toContain('Log tail (9 lines)');
  });

  it('scrolls the log tail and returns to the list with q or Esc', async () => {
    const source = new FakeSource([view('aaaa1111'), view('bbbb2222')]);
    source.logLines = Array.from({ length: 100 }, (_, i) => `log line ${i}`);
    let frame = await openDetail(source, { columns: 80, rows: 24 });
    expect(frame).toContain('log line 99');
    await app!.press('k', 'k', 'k');
    frame = await app!.waitFor((f) => f.includes('scrolled up 3'));
    expect(frame).toContain('log line 96');
    expect(frame).not.toContain('log line 99');
    await app!.press('G');
    await app!.waitFor((f) => f.includes('log line 99'));
    await app!.press(KEYS.escape);
    await app!.waitFor((f) => f.includes('▶ aaaa1111') && f.includes('bbbb2222'), 'back on the list');
    await app!.press('j', KEYS.enter);
    await app!.waitFor((f) => f.includes('bbbb2222 · app-bbb'), 'detail of the second');
    await app!.press('q');
    await app!.waitFor((f) => f.includes('▶ bbbb2222'), 'list again');
  });

  it('keeps the last good detail and shows the error when a refresh fails', async () => {
    const source = new FakeSource([view('aaaa1111')]);
    watched(source);
    await openDetail(source);
    source.detailOf = () => {
      throw new Error('watcher: 401 unauthorized (token mismatch)');
    };
    source.logsError = new Error('logs endpoint timed out');
    await app!.press('r');
    const frame = await app!.waitFor((f) => f.includes('401 unauthorized'));
    expect(frame).toContain('Open issues (1)');
    expect(frame).toContain('line two');
  });
});

describe('logs view', () => {
  it('opens with l, follows the tail, pages and goes back', async () => {
    const source = new FakeSource([view('aaaa1111')]);
    source.logLines = Array.from({ length: 200 }, (_, i) => `entry ${i}`);
    app = renderApp(source, { columns: 80, rows: 24 });
    await app.waitFor((f) => f.includes('▶ aaaa1111'));
    await app.press('l');
    let frame = await app.waitFor((f) => f.includes('entry 199'));
    expect(frame).toContain('Log · aaaa1111');
    expect(frame).toContain('200 lines · following');
    await app.press(KEYS.pageDown.replace('6', '5')); // PgUp
    frame = await app.waitFor((f) => f.includes('scrolled up'));
    expect(frame).not.toContain('entry 199');
    await app.press('g');
    frame = await app.waitFor((f) => f.includes('entry 0\n') || f.includes('entry 0 '));
    await app.press('q');
    await app.waitFor((f) => f.includes('▶ aaaa1111'));
  });

  it('says when there are no lines or they cannot be fetched', async () => {
    const source = new FakeSource([view('aaaa1111')]);
    source.logsError = new Error('watcher not enabled: no log source');
    app = renderApp(source);
    await app.waitFor((f) => f.includes('▶ aaaa1111'));
    await app.press('l');
    const frame = await app.waitFor((f) => f.includes('no log source'));
    expect(frame).toContain('No log lines could be fetched.');
  });
});

describe('detail view at 80×24', () => {
  it('fits everything (issues, events, log tail) in 23 rows of at most 80 columns', async () => {
    const source = new FakeSource([view('aaaa1111', { app: 'x'.repeat(120) })]);
    watched(source);
    source.logLines = Array.from({ length: 300 }, (_, i) => `log ${i} ${'y'.repeat(i % 120)}`);
    const frame = await openDetail(source, { columns: 80, rows: 24 });
    const lines = frame.split('\n');
    expect(lines.length).toBeLessThanOrEqual(23);
    expect(Math.max(...lineWidths(frame))).toBeLessThanOrEqual(80);
    expect(frame).toContain('Open issues (1)');
    expect(frame).toContain('log 299');
    expect(lines[lines.length - 1]).toContain('q/Esc back');
  });
});

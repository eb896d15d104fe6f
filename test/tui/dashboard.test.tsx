import { afterEach, describe, expect, it } from 'vitest';
import { FakeSource, view } from './fake-source.js';
import { type Harness, KEYS, lineWidths, renderApp, sleep } from './harness.js';

let app: Harness | undefined;
afterEach(() => app?.unmount());

const three = () => [
  view('aaaa1111', { app: 'chat', env: 'prod' }),
  view('bbbb2222', { app: 'embed', env: 'staging', instanceStatus: 'offline', health: 'unhealthy' }),
  view('cccc3333', { app: 'vision', env: 'dev', hourlyPrice: 0.5 }),
];

describe('dashboard', () => {
  it('shows loading until the first list arrives', async () => {
    const source = new FakeSource(three());
    const open = source.hold();
    app = renderApp(source);
    expect(app.frame()).toContain('Loading deployments…');
    expect(app.frame()).toContain('loading…');
    open();
    await app.waitFor((f) => f.includes('aaaa1111'), 'rows');
  });

  it('lists deployments with every column and header totals', async () => {
    app = renderApp(new FakeSource(three()), { columns: 140 });
    const frame = await app.waitFor((f) => f.includes('cccc3333'));
    expect(frame).toContain('3 deployments · 2 running · 1 unhealthy · $0.572/h');
    for (const header of ['ID', 'APP', 'ENV', 'REGION', 'TYPE', 'STATUS', 'HEALTH', 'ISS', '$/H', 'AGE']) {
      expect(frame).toContain(header);
    }
    const row = frame.split('\n').find((line) => line.includes('bbbb2222'))!;
    expect(row).toMatch(
      /bbbb2222 +embed +staging +us-east +g6-standard-2 +offline +unhealthy +0 +\$0\.036 +3h/,
    );
    expect(frame).toContain('updated 0s ago');
  });

  it('keeps the totals whole on a narrow terminal (the name gives way first)', async () => {
    app = renderApp(new FakeSource([view('aaaa1111'), view('bbbb2222', { hourlyPrice: undefined })]), {
      columns: 80,
      rows: 24,
    });
    const frame = await app.waitFor((f) => f.includes('bbbb2222'));
    expect(frame.split('\n')[0]).toMatch(
      /^2 deployments · 2 running · 0 unhealthy · ≥ \$0\.036\/h \(1 unpriced\) +updated 0s ago$/,
    );
  });

  it('says so when there are no deployments', async () => {
    app = renderApp(new FakeSource([]));
    const frame = await app.waitFor((f) => f.includes('No deployments'));
    expect(frame).toContain('linode-build deploy');
    expect(frame).toContain('0 deployments');
  });

  it('shows unknown facts as unknown, never invented', async () => {
    app = renderApp(
      new FakeSource([
        view('dddd4444', {
          instanceStatus: 'unknown',
          health: 'unknown',
          hourlyPrice: undefined,
          createdAt: undefined,
          openIssues: undefined,
        }),
      ]),
    );
    const frame = await app.waitFor((f) => f.includes('dddd4444'));
    const row = frame.split('\n').find((line) => line.includes('dddd4444'))!;
    expect(row).toMatch(/unknown +unknown +\? +\? +\?$/);
    expect(frame).toContain('unknown $/h');
  });

  it('shows an error line with no data, and keeps the last good data when a refresh fails', async () => {
    const source = new FakeSource(three());
    source.listError = new Error('connect ECONNREFUSED 127.0.0.1:4010');
    app = renderApp(source);
    let frame = await app.waitFor((f) => f.includes('ECONNREFUSED'));
    expect(frame).toContain('No data yet.');
    source.listError = undefined;
    await app.press('r');
    await app.waitFor((f) => f.includes('aaaa1111') && !f.includes('ECONNREFUSED'));
    source.listError = new Error('Linode API 503: service unavailable');
    await app.press('r');
    frame = await app.waitFor((f) => f.includes('503'));
    expect(frame).toContain('aaaa1111');
    expect(frame).toContain('cccc3333');
    expect(frame).toContain('updated 0s ago');
  });

  it('moves the selection with arrows and j/k and keeps it on the same deployment across refreshes', async () => {
    const source = new FakeSource(three());
    app = renderApp(source);
    await app.waitFor((f) => f.includes('▶ aaaa1111'));
    await app.press('j');
    await app.waitFor((f) => f.includes('▶ bbbb2222'));
    await app.press(KEYS.down, KEYS.down);
    await app.waitFor((f) => f.includes('▶ cccc3333'));
    await app.press(KEYS.up, 'k', 'k');
    await app.waitFor((f) => f.includes('▶ aaaa1111'));
    await app.press('G');
    await app.waitFor((f) => f.includes('▶ cccc3333'));
    // A new deployment sorted first must not move the selection off cccc3333.
    source.deployments = [view('0000aaaa'), ...source.deployments];
    await app.press('r');
    const frame = await app.waitFor((f) => f.includes('0000aaaa'));
    expect(frame).toContain('▶ cccc3333');
  });

  it('scrolls a long list so the selection stays visible, and fits 80×24', async () => {
    const many = Array.from({ length: 60 }, (_, i) => view(`dep${String(i).padStart(5, '0')}`));
    app = renderApp(new FakeSource(many), { columns: 80, rows: 24 });
    await app.waitFor((f) => f.includes('dep00000'));
    await app.press(...Array.from({ length: 40 }, () => 'j'));
    const frame = await app.waitFor((f) => f.includes('▶ dep00040'));
    expect(frame).not.toContain('dep00000');
    expect(frame).toContain('41/60');
    expect(frame.split('\n').length).toBeLessThanOrEqual(23);
    expect(Math.max(...lineWidths(frame))).toBeLessThanOrEqual(80);
  });

  it('keeps long and hostile names on one line without escape sequences', async () => {
    const hostile = view('eeee5555', {
      app: `${'x'.repeat(200)}\u001b[2J\u001b]0;pwned\u0007`,
      env: 'prod\nINJECTED-ROW',
      label: '\u001b[31mred',
    });
    app = renderApp(new FakeSource([hostile, view('ffff6666')]), { columns: 80, rows: 24 });
    const frame = await app.waitFor((f) => f.includes('eeee5555'));
    expect(frame).not.toContain('\u001b');
    expect(frame).not.toContain('\u0007');
    expect(frame.split('\n').some((line) => line.startsWith('INJECTED-ROW'))).toBe(false);
    expect(Math.max(...lineWidths(frame))).toBeLessThanOrEqual(80);
    const rowLines = frame.split('\n').filter((line) => /eeee5555|ffff6666/.test(line));
    expect(rowLines).toHaveLength(2);
  });

  it('refreshes automatically on its interval, never overlapping fetches', async () => {
    const source = new FakeSource(three());
    app = renderApp(source, { intervalMs: 30 });
    await app.waitFor(() => source.calls.list >= 4, 'four polls');
    // A manual refresh while a fetch is in flight runs once it completes, not never.
    const open = source.hold();
    await sleep(60);
    const before = source.calls.list;
    await app.press('r');
    expect(source.calls.list).toBe(before);
    open();
    await app.waitFor(() => source.calls.list > before, 'the queued refresh');
  });

  it('quits with q', async () => {
    app = renderApp(new FakeSource(three()));
    await app.waitFor((f) => f.includes('aaaa1111'));
    await app.press('q');
    // Count after the quit has been handled (a frame already queued may still land), then a
    // key that would move the selection must draw nothing: the app is gone.
    await sleep(150);
    const frames = app.stdoutFrames().length;
    await app.press('j');
    await sleep(150);
    expect(app.stdoutFrames().length).toBe(frames);
  });
});

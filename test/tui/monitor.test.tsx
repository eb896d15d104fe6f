/**
 * The live deploy monitor: stages only from real events with their measured times, the
 * watcher's boot steps, a failure with the failing step and its last output lines, and leaving
 * it (q/Esc) without cancelling the deploy.
 */
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { applyEvent, initialMonitor, MonitorSession } from '../../src/tui/monitor/model.js';
import { formatElapsed, MonitorScreen } from '../../src/tui/screens/MonitorScreen.js';
import { FakeSource, NOW, view } from './fake-source.js';
import { type Harness, KEYS, sleep } from './harness.js';
import { FakeWizard, renderWizardApp } from './wizard-fakes.js';

const T0 = NOW;
const s = (seconds: number) => T0 + seconds * 1000;

let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

function renderMonitor(session: MonitorSession, now: number, onLeave = () => {}) {
  const keys: { current: ((input: string, key: import('ink').Key) => void) | undefined } = {
    current: undefined,
  };
  const instance = render(
    <MonitorScreen session={session} now={now} width={100} height={30} keys={keys} onLeave={onLeave} />,
  );
  cleanup = () => instance.unmount();
  return { instance, keys, frame: () => instance.lastFrame() ?? '' };
}

async function until(frame: () => string, predicate: (f: string) => boolean, what: string) {
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    if (predicate(frame())) return frame();
    await sleep(5);
  }
  throw new Error(`timed out waiting for ${what}; last frame:\n${frame()}`);
}

describe('monitor model', () => {
  it('a stage lasts from its start to the next stage and the outcome closes the last one', () => {
    let state = initialMonitor('chat / prod', T0);
    state = applyEvent(state, { kind: 'stage', id: 'write', label: 'Writing', at: s(0) });
    state = applyEvent(state, {
      kind: 'stage',
      id: 'status:provisioning',
      label: 'Instance provisioning',
      at: s(2),
    });
    state = applyEvent(state, { kind: 'stage', id: 'status:booting', label: 'Instance booting', at: s(40) });
    expect(state.stages.map((stage) => [stage.label, stage.state, stage.finishedAt])).toEqual([
      ['Writing', 'done', s(2)],
      ['Instance provisioning', 'done', s(40)],
      ['Instance booting', 'running', undefined],
    ]);
    state = applyEvent(state, { kind: 'done', at: s(75), summary: 'Healthy' });
    expect(state.stages.at(-1)).toMatchObject({ state: 'done', finishedAt: s(75) });
    // Nothing changes once the outcome is known.
    const after = applyEvent(state, { kind: 'stage', id: 'x', label: 'late', at: s(80) });
    expect(after).toBe(state);
  });

  it('a failure names the failed boot step and falls back to its output when the error has none', () => {
    let state = initialMonitor('t', T0);
    state = applyEvent(state, { kind: 'stage', id: 'health', label: 'Health check', at: s(1) });
    state = applyEvent(state, {
      kind: 'boot',
      at: s(2),
      steps: [
        { name: 'install docker', state: 'done' },
        { name: 'pull image', state: 'failed', detail: 'Pulling\nerror: manifest unknown\n' },
      ],
    });
    state = applyEvent(state, { kind: 'failed', at: s(3), message: 'boot failed', lastLines: [] });
    expect(state.outcome).toMatchObject({
      kind: 'failed',
      step: 'boot step pull image',
      lastLines: ['Pulling', 'error: manifest unknown'],
    });
    expect(state.stages[0]).toMatchObject({ state: 'failed', finishedAt: s(3) });
  });

  it('formats measured elapsed time to the second', () => {
    expect(formatElapsed(0)).toBe('0s');
    expect(formatElapsed(59_999)).toBe('59s');
    expect(formatElapsed(187_000)).toBe('3m 07s');
  });
});

describe('monitor screen', () => {
  it('shows each real stage with its elapsed time, boot steps and the outcome', async () => {
    const session = new MonitorSession('chat / prod · llm-api', T0);
    const { frame } = renderMonitor(session, s(100));
    session.emit({ kind: 'stage', id: 'write', label: 'Writing the project to ./chat', at: s(0) });
    session.emit({ kind: 'stage', id: 'create', label: 'Creating firewall and instance', at: s(1) });
    session.emit({
      kind: 'deployment',
      id: 'k3v9x2ab',
      label: 'chat-prod-k3v9x2ab',
      ipv4: '192.0.2.7',
      at: s(4),
    });
    session.emit({ kind: 'stage', id: 'status:provisioning', label: 'Instance provisioning', at: s(4) });
    session.emit({ kind: 'stage', id: 'status:running', label: 'Instance running', at: s(52) });
    session.emit({
      kind: 'boot',
      at: s(60),
      steps: [
        {
          name: 'install docker',
          state: 'done',
          startedAt: new Date(s(53)).toISOString(),
          finishedAt: new Date(s(71)).toISOString(),
        },
        { name: 'pull image', state: 'running', startedAt: new Date(s(71)).toISOString() },
      ],
    });
    session.emit({ kind: 'note', text: 'Not healthy yet: connection refused', at: s(80) });
    let text = await until(frame, (f) => f.includes('pull image'), 'the boot steps');
    expect(text).toMatch(/✓ Writing the project to \.\/chat +1s/);
    expect(text).toMatch(/✓ Creating firewall and instance +3s/);
    expect(text).toMatch(/✓ Instance provisioning +48s/);
    // Still running: measured up to now (t=100).
    expect(text).toMatch(/▶ Instance running +48s/);
    expect(text).toContain('✓ install docker 18s');
    expect(text).toContain('▶ pull image 29s');
    expect(text).toContain('Not healthy yet: connection refused');
    expect(text).toContain('k3v9x2ab · chat-prod-k3v9x2ab · 192.0.2.7');
    expect(text).toContain('running · 1m 40s');
    expect(text).toContain('(the deploy continues)');
    // Only stages that happened: no invented ones.
    expect(text).not.toMatch(/booting|Health check/);

    session.emit({ kind: 'done', at: s(90), summary: 'Healthy (HTTP 200): http://192.0.2.7:8000' });
    text = await until(frame, (f) => f.includes('ready'), 'the outcome');
    expect(text).toMatch(/✓ Instance running +38s/);
    expect(text).toContain('✓ Healthy (HTTP 200): http://192.0.2.7:8000 after 1m 30s');
    expect(text).toContain('ready · 1m 30s');
  });

  it('on failure shows the failing step, the hint and the last output lines (sanitized)', async () => {
    const session = new MonitorSession('chat / prod', T0);
    const { frame } = renderMonitor(session, s(30));
    session.emit({ kind: 'stage', id: 'health', label: 'Health check', at: s(10) });
    session.emit({
      kind: 'failed',
      at: s(20),
      message: 'the app at http://192.0.2.7:8000/health answered but is unhealthy: HTTP 503 after 4 checks.',
      hint: "remove it with 'linode-build destroy k3v9x2ab'.",
      lastLines: ['health http://192.0.2.7:8000/health: HTTP 503', 'evil \u001b[31mred\u001b[0m line'],
    });
    const text = await until(frame, (f) => f.includes('Failed at'), 'the failure');
    expect(text).toMatch(/✗ Health check +10s/);
    expect(text).toContain('✗ Failed at Health check\nthe app at http://192.0.2.7:8000/health answered');
    expect(text).toContain('linode-build destroy k3v9x2ab');
    expect(text).toContain('Last output');
    expect(text).toContain('health http://192.0.2.7:8000/health: HTTP 503');
    expect(text).not.toContain('\u001b[31m');
    expect(text).toContain('failed · 20s');
  });

  it('q and Esc call onLeave', async () => {
    let left = 0;
    const session = new MonitorSession('x', T0);
    const { keys } = renderMonitor(session, s(1), () => left++);
    await until(
      () => (keys.current ? 'ready' : ''),
      (f) => f === 'ready',
      'the key handler',
    );
    keys.current!('q', {} as import('ink').Key);
    keys.current!('', { escape: true } as import('ink').Key);
    keys.current!('x', {} as import('ink').Key);
    expect(left).toBe(2);
  });
});

/** Renders the App, walks the wizard with its defaults (first template) and confirms. */
async function deployFromWizard(source: FakeSource): Promise<{ app: Harness; wizard: FakeWizard }> {
  const wizard = new FakeWizard();
  wizard.script = [{ kind: 'stage', id: 'write', label: 'Writing the project', at: s(0) }];
  const app = renderWizardApp(source, wizard);
  await app.waitFor((f) => f.includes('aaaa1111'), 'the dashboard');
  await app.press('n');
  await app.waitFor((f) => f.includes('llm-api'), 'the wizard');
  await app.press(KEYS.enter);
  await app.waitFor((f) => f.includes('us-east'), 'regions');
  await app.press(KEYS.enter);
  await app.waitFor((f) => f.includes('Instance type'), 'types');
  await app.press(KEYS.enter, KEYS.enter, KEYS.enter, KEYS.enter);
  await app.waitFor((f) => f.includes('Confirm'), 'confirm');
  await app.press(KEYS.enter);
  await app.waitFor((f) => f.includes('Writing the project'), 'the monitor');
  return { app, wizard };
}

describe('wizard → monitor → dashboard', () => {
  let app: Harness | undefined;
  afterEach(() => {
    app?.unmount();
    app = undefined;
  });

  it('leaving the monitor does not cancel the deploy; it shows on the dashboard and m reopens it', async () => {
    const source = new FakeSource([view('aaaa1111')]);
    const started = await deployFromWizard(source);
    app = started.app;
    const wizard = started.wizard;
    expect(wizard.started).toHaveLength(1);

    await app.press('q');
    await app.waitFor((f) => f.includes('aaaa1111') && !f.includes('Deploying'), 'the dashboard');
    // The deploy goes on after the monitor is left: it creates the instance…
    const listCalls = source.calls.list;
    source.deployments = [...source.deployments, view('k3v9x2ab', { instanceStatus: 'provisioning' })];
    wizard.emit({ kind: 'deployment', id: 'k3v9x2ab', label: 'embeddings-python-prod', at: s(3) });
    wizard.emit({ kind: 'stage', id: 'status:provisioning', label: 'Instance provisioning', at: s(3) });
    // …which the dashboard lists without a manual refresh.
    await app.waitFor((f) => f.includes('k3v9x2ab'), 'the new deployment on the dashboard');
    expect(source.calls.list).toBeGreaterThan(listCalls);
    wizard.emit({ kind: 'done', at: s(50), summary: 'Healthy (HTTP 200)' });

    await app.press('m');
    const text = await app.waitFor((f) => f.includes('Healthy (HTTP 200) after 50s'), 'the finished monitor');
    expect(text).toMatch(/✓ Instance provisioning +47s/);
    expect(wizard.started).toHaveLength(1);
    await app.press(KEYS.escape);
    await app.waitFor((f) => f.includes('k3v9x2ab') && !f.includes('Deploying'), 'the dashboard again');
  });
});

describe('monitor screen: long failures', () => {
  it('keeps the newest output line on screen when the failure text wraps', async () => {
    const session = new MonitorSession('chat / prod', T0);
    const { frame } = renderMonitor(session, s(30));
    session.emit({ kind: 'stage', id: 'health', label: 'Health check', at: s(10) });
    const lines = Array.from({ length: 40 }, (_, index) => `output line ${index + 1}`);
    session.emit({
      kind: 'failed',
      at: s(20),
      message: `boot step failed: ${'x'.repeat(250)}`,
      hint: `inspect it: ${'y'.repeat(150)}`,
      lastLines: lines,
    });
    const text = await until(frame, (f) => f.includes('Failed at'), 'the failure');
    expect(text).toMatch(/✗ Health check +10s/);
    expect(text).toContain('output line 40');
    expect(text).not.toContain('output line 1\n');
    expect(text.split('\n').length).toBeLessThanOrEqual(30);
  });
});

describe('quitting while a deploy runs', () => {
  let app: Harness | undefined;
  afterEach(() => {
    app?.unmount();
    app = undefined;
  });

  it('the first q on the dashboard warns that a deploy is still being followed', async () => {
    const started = await deployFromWizard(new FakeSource([view('aaaa1111'), view('bbbb2222')]));
    app = started.app;
    const wizard = started.wizard;
    await app.press('q');
    await app.waitFor((f) => f.includes('aaaa1111') && !f.includes('Deploying'), 'the dashboard');
    await app.press('q');
    await app.waitFor((f) => f.includes('still running: press q again'), 'the warning');
    // Once it has finished, q quits at once (the App unmounts: its frame stops changing).
    wizard.emit({ kind: 'done', at: s(5), summary: 'Healthy' });
    await app.press('q');
    await sleep(100);
    const before = app.stdoutFrames().length;
    // Two rows: j would move the selection (a new frame) if the App were still running.
    await app.press('j');
    expect(app.stdoutFrames().length).toBe(before);
  });
});

/**
 * The init wizard and deploy monitor end to end: the BUILT binary in a real terminal (tmux)
 * against the fake Linode API. `n` → llm-api (required HF_TOKEN typed masked) → Metadata
 * regions only → its GPU type → confirm; the project is written like `init` (deploy.yml, .env
 * 0600), the deploy runs like `deploy --wait`, the monitor shows the real API stages, the
 * watcher's boot steps and the health check until healthy, and the fake holds exactly one
 * instance, listed on the dashboard after leaving the monitor.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, labToken, startLab } from '../fake-linode/harness.js';
import { snapshotBuild } from '../support/snapshot.js';
import { launchInTerminal, tmux } from '../support/tmux.js';
import { toolsAvailable } from '../support/tools.js';

const haveTmux = toolsAvailable('tmux');
let session = `lb-wiz-${process.pid}`;
const sessions: string[] = [];
const canary = 'hf_WIZARD_CANARY_9c2e71d0';
let lab: Lab;
let bin = '';
const seenScreens: string[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const screen = () => tmux('capture-pane', '-p', '-t', session);
const selectedRow = (text: string) => text.split('\n').find((line) => line.includes('▶ ')) ?? '';

/** One key at a time, ~0.25 s apart, as Ink under tmux needs. */
async function keys(...names: string[]): Promise<void> {
  for (const name of names) {
    tmux('send-keys', '-t', session, name);
    await sleep(250);
  }
}

async function typeText(text: string): Promise<void> {
  tmux('send-keys', '-t', session, '-l', text);
  await sleep(250);
}

async function waitForScreen(predicate: (text: string) => boolean, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = screen();
    seenScreens.push(text);
    if (predicate(text)) return text;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${text}`);
}

/** Moves down a list until the selected row contains `text`. */
async function select(text: string, what: string): Promise<string> {
  for (let i = 0; i < 30; i++) {
    const current = await waitForScreen((t) => selectedRow(t) !== '', what);
    if (selectedRow(current).includes(text)) return current;
    await keys('Down');
  }
  throw new Error(`could not select ${what}; screen:\n${screen()}`);
}

/** A watcher GET /status body (the lab's app serves it) with these boot steps. */
function watcherStatus(state: 'done' | 'failed', steps: readonly object[]) {
  return {
    watcher: {},
    boot: { cloud_init: { status: state === 'done' ? 'done' : 'running', errors: [] }, state, steps },
    containers: [],
    open_issues: 0,
  };
}

function step(id: string, capability: string, description: string, state: string) {
  return { id, capability, name: id.replace(/^\d+-/, ''), description, state };
}

/** Starts the built dashboard in a detached tmux session that reports its exit code. */
function launch(name: string): void {
  session = name;
  sessions.push(name);
  launchInTerminal({
    session,
    cwd: lab.home,
    env: { ...lab.env, LINODE_BUILD_WATCHER_URL: `http://${lab.app.address}` },
    argv: [process.execPath, bin, 'tui', '--interval', '2', '--no-health'],
  });
}

describe.skipIf(!haveTmux)('tui wizard in a real terminal', () => {
  beforeAll(async () => {
    bin = await snapshotBuild('lb-wiz-build-');
    lab = await startLab();
    // The lab's app also plays the watcher: every boot step finished.
    lab.app.setWatcherStatus(
      watcherStatus('done', [
        step('01-docker', 'docker', 'Install docker.io', 'ok'),
        step('02-gpu', 'gpu-nvidia', 'Install NVIDIA driver', 'ok'),
      ]),
    );
  }, 120_000);

  afterAll(async () => {
    for (const name of sessions) spawnSync('tmux', ['kill-session', '-t', name]);
    expect(seenScreens.length).toBeGreaterThan(0);
    expect(seenScreens.filter((text) => text.includes(labToken) || text.includes(canary))).toEqual([]);
    await lab?.close();
  });

  it('wizard → written project → deploy → monitor reaches healthy; exactly one instance', async () => {
    launch(`lb-wiz-${process.pid}`);
    await waitForScreen(
      (t) => t.includes('0 deployments') || t.includes('No deployments'),
      'the empty dashboard',
    );

    await keys('n');
    await waitForScreen(
      (t) => t.includes('New deployment · Template') && t.includes('llm-api'),
      'the wizard',
    );
    await select('llm-api', 'the llm-api template');
    await keys('Enter');

    // Regions: only those with Metadata; GPU ones marked; the template's default preselected.
    let text = await waitForScreen((t) => t.includes('Region (with') && t.includes('us-east'), 'regions');
    expect(text).toMatch(/us-ord +Chicago, IL +\[GPU\]/);
    expect(text).not.toContain('eu-west');
    expect(text).not.toContain('ap-south');
    expect(selectedRow(text)).toContain('us-ord');
    await keys('Enter');

    // Types: every fake type, grouped, priced; the GPU default preselected.
    text = await waitForScreen((t) => t.includes('Instance type') && t.includes('/h'), 'types');
    for (const id of [
      'g6-nanode-1',
      'g6-standard-8',
      'g6-dedicated-4',
      'g1-gpu-rtx6000-1',
      'g2-gpu-rtx4000a1-m',
    ]) {
      expect(text).toContain(id);
    }
    expect(text).toMatch(/GPU\n/);
    expect(selectedRow(text)).toMatch(/g2-gpu-rtx4000a1-s .*\$0\.\d+\/h +GPU×1/);
    await keys('Enter');

    await waitForScreen((t) => t.includes('> llm-api'), 'the app name');
    await keys('Enter');
    await waitForScreen((t) => t.includes('> prod'), 'the env name');
    await keys('BSpace', 'BSpace', 'BSpace', 'BSpace');
    await typeText('demo');
    await keys('Enter');
    await waitForScreen((t) => t.includes('> ./llm-api'), 'the directory');
    await keys('Enter');

    // The required variable: masked, written to .env (0600) later.
    await waitForScreen((t) => t.includes('1 of 1: HF_TOKEN'), 'the required env prompt');
    await typeText(canary);
    await waitForScreen((t) => t.includes('•'.repeat(canary.length)), 'the masked value');
    await keys('Enter');
    text = await waitForScreen((t) => t.includes('Template   llm-api'), 'the summary');
    expect(text).toContain('App / env  llm-api / demo');
    expect(text).toContain('HF_TOKEN (values hidden)');
    // Nothing is written or created before the confirm.
    const projectDir = path.join(lab.home, 'llm-api');
    expect(existsSync(projectDir)).toBe(false);
    expect(lab.fake.listInstances()).toHaveLength(0);

    const started = Date.now();
    await keys('Enter');
    text = await waitForScreen(
      (t) => t.includes('ready ·') || t.includes('Failed at'),
      'the deploy to finish',
      90_000,
    );
    console.log(`[tui-wizard] confirm → healthy on the monitor in ${Date.now() - started} ms`);
    if (process.env.SHOW_TUI_WIZARD) console.log(text);
    expect(text).not.toContain('Failed at');
    expect(text).toMatch(/✓ Writing the project to \.\/llm-api +\d+s/);
    expect(text).toMatch(/✓ Creating firewall and instance +\d+s/);
    expect(text).toMatch(/✓ Instance running +\d+s/);
    expect(text).toMatch(/✓ Health check +\d+s/);
    expect(text).toContain('✓ Install docker.io');
    expect(text).toContain('✓ Install NVIDIA driver');
    expect(text).toMatch(/✓ Healthy \(HTTP 200\)/);
    // The API status transitions were seen (the fake goes provisioning → booting → running).
    const statuses = seenScreens.join('\n');
    expect(statuses).toMatch(/Instance (provisioning|booting)/);

    // Written like `init`, plus .env with the secret at mode 0600.
    expect(readFileSync(path.join(projectDir, 'deploy.yml'), 'utf8')).toContain('region_default: us-ord');
    expect(existsSync(path.join(projectDir, '.env.example'))).toBe(true);
    expect(readFileSync(path.join(projectDir, '.env'), 'utf8')).toBe(`HF_TOKEN=${canary}\n`);
    expect(statSync(path.join(projectDir, '.env')).mode & 0o777).toBe(0o600);

    // Exactly one instance, tagged with the deployment id; the health endpoint was probed.
    const instances = lab.fake.listInstances();
    expect(instances).toHaveLength(1);
    expect(instances[0]!.type).toBe('g2-gpu-rtx4000a1-s');
    expect(instances[0]!.region).toBe('us-ord');
    const id = instances[0]!.tags.find((tag) => tag.startsWith('build-id:'))!.slice('build-id:'.length);
    expect(text).toContain(id);
    expect(lab.app.hits).toContain('/health');

    // Leaving the monitor returns to the dashboard, which lists the deployment.
    await keys('q');
    text = await waitForScreen((t) => t.includes(id) && t.includes('1 deployment'), 'the dashboard with it');
    expect(text).toMatch(/llm-api +demo +us-ord/);
    expect(lab.fake.listInstances()).toHaveLength(1);
    await keys('q');
    await waitForScreen((t) => t.includes('EXITED:0'), 'the process to exit');
  }, 180_000);
  it('a failed boot step stops the monitor with its output; leaving keeps the instance for inspection', async () => {
    const before = lab.fake.listInstances().length;
    lab.app.setStatus(503);
    lab.app.setWatcherStatus(
      watcherStatus('failed', [
        step('01-docker', 'docker', 'Install docker.io', 'ok'),
        {
          ...step('02-docker-start', 'docker', 'Enable and start Docker', 'failed'),
          exit_code: 3,
          output_tail: 'Job for docker.service failed\nsee journalctl -xeu docker.service',
        },
      ]),
    );
    try {
      launch(`lb-wiz-${process.pid}-fail`);
      await waitForScreen((t) => t.includes('1 deployment'), 'the dashboard');
      await keys('n');
      await waitForScreen((t) => t.includes('chat-agent'), 'the wizard');
      await select('chat-agent', 'the chat-agent template');
      await keys('Enter');
      await waitForScreen((t) => t.includes('Region (with'), 'regions');
      await keys('Enter');
      await waitForScreen((t) => t.includes('Instance type') && t.includes('/h'), 'types');
      await keys('Enter', 'Enter', 'Enter');
      await waitForScreen((t) => t.includes('> ./chat-agent'), 'the directory');
      await keys('Enter');
      await waitForScreen((t) => t.includes('Template   chat-agent'), 'the summary');
      await keys('Enter');
      const text = await waitForScreen((t) => t.includes('Failed at'), 'the failure', 90_000);
      expect(text).toContain('✗ Failed at boot step Enable and start Docker\n');
      expect(text.replaceAll('\n', ' ')).toMatch(/Enable and start Docker failed with +exit code 3\./);
      expect(text).toMatch(/✗ Health check +\d+s/);
      expect(text).toContain('✗ Enable and start Docker');
      expect(text).toContain('Last output');
      expect(text).toContain('Job for docker.service failed');
      expect(text).toContain('linode-build destroy');
      expect(text).toContain('failed ·');
      // Left running for inspection, listed on the dashboard after leaving the monitor.
      expect(lab.fake.listInstances()).toHaveLength(before + 1);
      await keys('Escape');
      await waitForScreen((t) => t.includes('2 deployments'), 'the dashboard with both');
      expect(lab.fake.listInstances()).toHaveLength(before + 1);
    } finally {
      lab.app.setStatus(200);
      lab.app.setWatcherStatus(undefined);
    }
  }, 180_000);
});

/**
 * The dashboard end to end: the BUILT binary in a real terminal (tmux), against the fake Linode
 * API with three deployments. Navigates, opens a detail view, destroys one with confirmation,
 * and checks the fake saw exactly one instance delete. Also records how long the first frame
 * takes and saves a capture of the dashboard for the README (docs/tui-capture.txt).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../fake-linode/harness.js';
import { binPath, repoRoot } from '../support/cli.js';
import { toolsAvailable } from '../support/tools.js';

const haveTmux = toolsAvailable('tmux');
const session = `lb-tui-${process.pid}`;
const columns = 100;
const rows = 30;
let lab: Lab;
const ids: string[] = [];

function tmux(...args: string[]): string {
  const result = spawnSync('tmux', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tmux ${args[0]} failed: ${result.stderr}`);
  return result.stdout;
}

const screen = () => tmux('capture-pane', '-p', '-t', session);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends keys one at a time with a pause: Ink needs ~0.2 s between keys under tmux. */
async function keys(...names: string[]): Promise<void> {
  for (const name of names) {
    tmux('send-keys', '-t', session, name);
    await sleep(250);
  }
}

async function waitForScreen(predicate: (text: string) => boolean, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = screen();
    if (predicate(text)) return text;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${text}`);
}

describe.skipIf(!haveTmux)('tui in a real terminal', () => {
  beforeAll(async () => {
    lab = await startLab();
    const project = await lab.project('dash', 'embeddings-python');
    for (const env of ['prod', 'staging', 'dev']) {
      const result = await lab.run(['deploy', '--yes', '--env', env], { cwd: project });
      expect(result.code, result.stderr).toBe(0);
      const id = /as ([0-9a-z]{8})/.exec(result.stdout)?.[1];
      expect(id, result.stdout).toBeDefined();
      ids.push(id!);
    }
  }, 180_000);

  afterAll(async () => {
    spawnSync('tmux', ['kill-session', '-t', session]);
    await lab?.close();
  });

  it('navigates, opens a detail view and destroys exactly one deployment', async () => {
    const environment = Object.entries({ ...lab.env, TERM: 'xterm-256color' }).map(
      ([key, value]) => `${key}=${value}`,
    );
    const started = Date.now();
    tmux(
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      String(columns),
      '-y',
      String(rows),
      '-c',
      lab.home,
      '--',
      'env',
      ...environment,
      process.execPath,
      binPath,
      'tui',
      '--interval',
      '2',
      '--no-health',
    );
    await waitForScreen((text) => text.includes('linode-build ·'), 'the first frame');
    const firstFrameMs = Date.now() - started;
    let text = await waitForScreen((t) => ids.every((id) => t.includes(id)), 'three deployments');
    const firstDataMs = Date.now() - started;
    console.log(`[tui] first frame after ${firstFrameMs} ms, first data after ${firstDataMs} ms`);
    expect(text).toContain('3 deployments · 3 running');
    expect(text).toMatch(/ID +APP +ENV +REGION +TYPE +STATUS/);
    expect(text.split('\n').every((line) => line.length <= columns)).toBe(true);

    // Keep a capture of the dashboard for the README.
    const capture = text.replace(/updated \d+s ago/, 'updated 1s ago').replace(/\s+$/, '\n');
    writeFileSync(path.join(repoRoot, 'docs/tui-capture.txt'), capture);

    // Navigate: the selection moves with j/k and arrows.
    const selectedLine = (t: string) => t.split('\n').find((line) => line.startsWith('▶')) ?? '';
    const firstSelected = selectedLine(text);
    await keys('j');
    text = await waitForScreen((t) => selectedLine(t) !== firstSelected, 'the selection to move');
    await keys('Down', 'k');
    text = screen();
    const target = ids.find((id) => selectedLine(text).includes(id))!;
    expect(target).toBeDefined();

    // Detail view and back.
    await keys('Enter');
    text = await waitForScreen((t) => t.includes('record: active'), 'the detail view');
    expect(text).toContain(target);
    expect(text).toMatch(/instance +running/);
    expect(text).toContain('watcher not enabled');
    await keys('Escape');
    await waitForScreen((t) => t.includes('ID ') && t.includes('APP'), 'the list again');

    // Help overlay.
    await keys('?');
    text = await waitForScreen((t) => t.includes('Ctrl-C'), 'the help overlay');
    await keys('?');
    await waitForScreen((t) => selectedLine(t).includes(target), 'the list after help');

    // Destroy with confirmation: a wrong answer first, then the id.
    const deletesBefore = lab.fake.countRequests({ method: 'DELETE', path: /\/linode\/instances\// });
    await keys('d');
    await waitForScreen((t) => t.includes(`Destroy ${target}`), 'the confirmation dialog');
    await keys('y', 'Enter');
    await waitForScreen((t) => t.includes(`That is not ${target}`), 'the refusal');
    await keys('BSpace');
    tmux('send-keys', '-t', session, '-l', target);
    await sleep(250);
    await keys('Enter');
    text = await waitForScreen((t) => t.includes(`Destroyed ${target}`), 'destroy to finish', 60_000);
    await keys('Space');
    text = await waitForScreen(
      (t) => t.includes('2 deployments') && !t.includes(`${target} `),
      'the list without the destroyed deployment',
    );
    expect(lab.fake.countRequests({ method: 'DELETE', path: /\/linode\/instances\// }) - deletesBefore).toBe(
      1,
    );
    expect(
      lab.fake.listInstances().map((instance) => instance.tags.find((tag) => tag.startsWith('build-id:'))),
    ).toEqual(expect.not.arrayContaining([`build-id:${target}`]));
    expect(lab.fake.listInstances()).toHaveLength(2);

    // Quit restores the terminal: the pane shows the shell's screen, not the dashboard.
    await keys('q');
    await sleep(500);
    const after = spawnSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' });
    expect(after.status !== 0 || !after.stdout.includes('linode-build ·')).toBe(true);
  }, 180_000);
});

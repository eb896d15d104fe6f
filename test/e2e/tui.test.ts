/**
 * The dashboard end to end: the BUILT binary in a real terminal (tmux), against the fake Linode
 * API with three deployments. Navigates, opens a detail view, destroys one with confirmation,
 * and checks the fake saw exactly one instance delete. Also records how long the first frame
 * takes and saves a capture of the dashboard for the README (docs/tui-capture.txt).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, labToken, startLab } from '../fake-linode/harness.js';
import { binPath, repoRoot, runCli, tempHome } from '../support/cli.js';
import { snapshotBuild } from '../support/snapshot.js';
import { launchInTerminal, tmux } from '../support/tmux.js';
import { toolsAvailable } from '../support/tools.js';

const haveTmux = toolsAvailable('tmux');
const session = `lb-tui-${process.pid}`;
const columns = 100;
const rows = 30;
let lab: Lab;
const ids: string[] = [];
let snapshotBin = binPath;
/** Every screen the tests looked at, for the secret check. */
const seenScreens: string[] = [];

const screen = (name = session) => tmux('capture-pane', '-p', '-t', name);

/**
 * Starts the built binary in a detached tmux session, inside a shell that reports the exit
 * code and keeps the pane open, so the screen after exit can be inspected.
 */
function launch(name: string, args: readonly string[]): void {
  launchInTerminal({
    session: name,
    cwd: lab.home,
    env: lab.env,
    argv: [process.execPath, snapshotBin, 'tui', ...args],
    columns,
    rows,
  });
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends keys one at a time with a pause: Ink needs ~0.2 s between keys under tmux. */
async function keys(...names: string[]): Promise<void> {
  for (const name of names) {
    tmux('send-keys', '-t', session, name);
    await sleep(250);
  }
}

async function waitForScreen(
  predicate: (text: string) => boolean,
  what: string,
  timeoutMs = 60_000,
  name = session,
) {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = screen(name);
    seenScreens.push(text);
    if (predicate(text)) return text;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${text}`);
}

describe('tui without a terminal, and start-up cost', () => {
  it('says it needs a terminal, points at status --json and exits 1', async () => {
    const result = await runCli(['tui'], { env: tempHome().env });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('needs an interactive terminal');
    expect(result.stderr).toContain('status --json');
  });

  it('rejects a refresh interval that would hammer the API, with exit 2', async () => {
    for (const value of ['0.2', '7200', 'soon']) {
      const result = await runCli(['tui', '--interval', value], { env: tempHome().env });
      expect(result.code, value).toBe(2);
      expect(result.stderr).toMatch(/interval/);
    }
  });

  it('no chunk statically reachable from the CLI entry contains Ink, Yoga or React', () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      for (const match of source.matchAll(/(?:from|import)\s*"(\.{1,2}\/[^"]+)"/g)) {
        visit(path.resolve(path.dirname(file), match[1]!));
      }
    };
    visit(path.join(repoRoot, 'dist/cli.js'));
    expect(seen.size).toBeGreaterThan(1);
    for (const file of seen) {
      const source = readFileSync(file, 'utf8');
      expect(source.includes('react.transitional.element') || source.includes('yoga'), file).toBe(false);
    }
    // The dashboard chunk does exist (it is loaded with import() by the tui handler only).
    const chunks = readdirSync(path.join(repoRoot, 'dist/chunks')).map((name) =>
      readFileSync(path.join(repoRoot, 'dist/chunks', name), 'utf8'),
    );
    expect(chunks.some((source) => source.includes('yoga'))).toBe(true);
  });
});

describe.skipIf(!haveTmux)('tui in a real terminal', () => {
  beforeAll(async () => {
    snapshotBin = await snapshotBuild('lb-tui-build-');
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
    // The API token (and the watcher tokens) must never reach the screen.
    expect(seenScreens.length).toBeGreaterThan(0);
    expect(seenScreens.filter((text) => text.includes(labToken))).toEqual([]);
    await lab?.close();
  });

  it('navigates, opens a detail view and destroys exactly one deployment', async () => {
    const started = Date.now();
    launch(session, ['--interval', '2', '--no-health']);
    await waitForScreen((text) => text.includes('linode-build ·'), 'the first frame');
    const firstFrameMs = Date.now() - started;
    let text = await waitForScreen((t) => ids.every((id) => t.includes(id)), 'three deployments');
    const firstDataMs = Date.now() - started;
    console.log(`[tui] first frame after ${firstFrameMs} ms, first data after ${firstDataMs} ms`);
    expect(text).toContain('3 deployments · 3 running');
    expect(text).toMatch(/ID +APP +ENV +REGION +TYPE +STATUS/);
    expect(text.split('\n').every((line) => line.length <= columns)).toBe(true);

    // The README's capture comes from here; refreshed with UPDATE_TUI_CAPTURE=1 (ids and ages
    // change every run, so it is not rewritten on every test run).
    const captureFile = path.join(repoRoot, 'docs/tui-capture.txt');
    if (process.env.UPDATE_TUI_CAPTURE || !existsSync(captureFile)) {
      writeFileSync(captureFile, `${text.replace(/updated \d+s ago/, 'updated 1s ago').trimEnd()}\n`);
    }

    // Navigate: the selection moves with j/k and arrows.
    const selectedLine = (t: string) => t.split('\n').find((line) => line.startsWith('▶')) ?? '';
    const firstSelected = selectedLine(text);
    await keys('j');
    text = await waitForScreen((t) => selectedLine(t) !== firstSelected, 'the selection to move');
    // j then Down then k: back on the second row.
    const rowOrder = text
      .split('\n')
      .map((line) => ids.find((id) => line.includes(id)))
      .filter((id): id is string => id !== undefined);
    const target = rowOrder[1]!;
    await keys('Down');
    await waitForScreen((t) => selectedLine(t).includes(rowOrder[2]!), 'the third row');
    await keys('k');
    await waitForScreen((t) => selectedLine(t).includes(target), 'the second row again');

    // Detail view and back.
    await keys('Enter');
    text = await waitForScreen(
      (t) => t.includes('record: active') && t.includes('watcher not enabled'),
      'the detail view with its data',
    );
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

    // Resizing re-lays the screen out: at 80×24 every line still fits.
    tmux('resize-window', '-t', session, '-x', '80', '-y', '24');
    text = await waitForScreen((t) => {
      const lines = t.trimEnd().split('\n');
      // A whole frame (title to key hints), not one caught mid-redraw.
      return (
        lines.length <= 24 &&
        t.includes('2 deployments') &&
        t.includes('q quit') &&
        lines.every((line) => line.length <= 80)
      );
    }, 'the 80×24 layout');
    expect(text).toContain('2 deployments');

    // Quit restores the terminal: the shell's screen is back, the dashboard is gone.
    await keys('q');
    text = await waitForScreen((t) => t.includes('EXITED:0'), 'the process to exit');
    expect(text).not.toContain('linode-build ·');
  }, 180_000);

  it('Ctrl-C exits from a dialog and restores the terminal', async () => {
    const name = `${session}-c`;
    launch(name, ['--interval', '0', '--no-health']);
    try {
      await waitForScreen((t) => t.includes('2 deployments'), 'the dashboard', 20_000, name);
      tmux('send-keys', '-t', name, 'd');
      await sleep(250);
      await waitForScreen((t) => t.includes('Type the id'), 'the dialog', 20_000, name);
      tmux('send-keys', '-t', name, 'C-c');
      const text = await waitForScreen((t) => t.includes('EXITED:'), 'the process to exit', 20_000, name);
      expect(text).not.toContain('Type the id');
      expect(lab.fake.listInstances()).toHaveLength(2);
    } finally {
      spawnSync('tmux', ['kill-session', '-t', name]);
    }
  }, 180_000);
});

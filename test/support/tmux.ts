/** Runs a tmux command on the default server; a failure throws with tmux's message. */
import { spawnSync } from 'node:child_process';

export function tmux(...args: string[]): string {
  const result = spawnSync('tmux', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tmux ${args[0]} failed: ${result.stderr}`);
  return result.stdout;
}

export interface TerminalLaunch {
  readonly session: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** The command line, e.g. `[process.execPath, bin, 'tui']`. */
  readonly argv: readonly string[];
  readonly columns?: number;
  readonly rows?: number;
}

/**
 * Starts argv in a detached tmux session of the given size, inside a shell that prints
 * `EXITED:<code>` when it ends and keeps the pane open, so the screen after exit can be read.
 */
export function launchInTerminal(launch: TerminalLaunch): void {
  const environment = Object.entries({ ...launch.env, TERM: 'xterm-256color' }).map(([k, v]) => `${k}=${v}`);
  tmux(
    'new-session',
    '-d',
    '-s',
    launch.session,
    '-x',
    String(launch.columns ?? 100),
    '-y',
    String(launch.rows ?? 30),
    '-c',
    launch.cwd,
    '--',
    'sh',
    '-c',
    '"$@"; echo "EXITED:$?"; sleep 600',
    'sh',
    'env',
    ...environment,
    ...launch.argv,
  );
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the session's pane shows now. */
export function screenOf(session: string): string {
  return tmux('capture-pane', '-p', '-t', session);
}

/** Polls the pane until `predicate` holds; throws with the last screen after `timeoutMs`. */
export async function waitForScreen(
  session: string,
  predicate: (text: string) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = screenOf(session);
    if (predicate(text)) return text;
    await pause(50);
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${text}`);
}

/** Sends each key in turn, with time for the app to redraw between them. */
export async function sendKeys(session: string, ...names: string[]): Promise<void> {
  for (const name of names) {
    tmux('send-keys', '-t', session, name);
    await pause(250);
  }
}

/**
 * The dashboard's detail view of each of two listed deployments `ids`: opens the selected row
 * (Enter) until `opened` holds, goes back (Escape), moves down (j), opens the other. Returns
 * each detail screen by the id of the row it was opened from.
 */
export async function detailOfBothRows(
  session: string,
  ids: readonly [string, string],
  opened: (text: string) => boolean,
): Promise<Record<string, string>> {
  const selected = (text: string) => text.split('\n').find((line) => line.startsWith('▶')) ?? '';
  const details: Record<string, string> = {};
  for (let turn = 0; turn < 2; turn++) {
    const current = await waitForScreen(session, (t) => selected(t) !== '', 'a selected row');
    const id = selected(current).includes(ids[0]) ? ids[0] : ids[1];
    await sendKeys(session, 'Enter');
    details[id] = await waitForScreen(session, opened, `the detail view of ${id}`);
    await sendKeys(session, 'Escape');
    await waitForScreen(session, (t) => t.includes('STATUS'), 'the list again');
    if (turn === 0) {
      await sendKeys(session, 'j');
      await waitForScreen(session, (t) => !selected(t).includes(id), 'the other row');
    }
  }
  return details;
}

/** The built CLI's dashboard (`tui --interval 2 --no-health`) in a detached 120×30 terminal. */
export function launchDashboard(
  session: string,
  bin: string,
  home: string,
  env: Record<string, string>,
): void {
  launchInTerminal({
    session,
    cwd: home,
    env,
    argv: [process.execPath, bin, 'tui', '--interval', '2', '--no-health'],
    columns: 120,
    rows: 30,
  });
}

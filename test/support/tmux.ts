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

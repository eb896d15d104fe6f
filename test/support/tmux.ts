/** Runs a tmux command on the default server; a failure throws with tmux's message. */
import { spawnSync } from 'node:child_process';

export function tmux(...args: string[]): string {
  const result = spawnSync('tmux', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tmux ${args[0]} failed: ${result.stderr}`);
  return result.stdout;
}

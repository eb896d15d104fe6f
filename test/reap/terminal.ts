/**
 * Runs the built CLI in a real terminal (a private tmux server), for the paths that only exist
 * with a TTY: confirmation and question prompts. The shell prints `exit=<code>` when it ends.
 */
import { spawnSync } from 'node:child_process';
import { binPath } from '../support/cli.js';

export interface Terminal {
  waitFor(text: string, timeoutMs?: number): Promise<string>;
  send(text: string): void;
  screen(): string;
  close(): void;
}

const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

export function startInTerminal(args: readonly string[], env: Record<string, string>, cwd: string): Terminal {
  const socket = `lb-h8-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const tmux = (...words: string[]) => spawnSync('tmux', ['-L', socket, ...words], { encoding: 'utf8' });
  const environment = Object.entries(env).map(([key, value]) => `${key}=${quote(value)}`);
  const command = [process.execPath, binPath, ...args].map(quote).join(' ');
  const started = tmux(
    'new-session',
    '-d',
    '-x',
    '200',
    '-y',
    '50',
    '-c',
    cwd,
    `env ${environment.join(' ')} ${command}; echo "exit=$?"; sleep 60`,
  );
  if (started.status !== 0) throw new Error(`tmux failed to start: ${started.stderr}`);
  const screen = () => tmux('capture-pane', '-p', '-S', '-200').stdout;
  return {
    screen,
    async waitFor(text, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const shown = screen();
        if (shown.includes(text)) return shown;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`timed out waiting for '${text}':\n${screen()}`);
    },
    send(text) {
      if (text !== '') tmux('send-keys', '-l', text);
      tmux('send-keys', 'Enter');
    },
    close() {
      tmux('kill-server');
    },
  };
}

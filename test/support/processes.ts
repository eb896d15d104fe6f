/** Which processes are still running, for tests that check nothing is left behind (Linux /proc). */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** PIDs whose command line mentions `text` (e.g. an ssh forwarding into a directory). */
export function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/**
 * Runs `node bin args…` and SIGKILLs it once its stderr contains `text` (or after `timeoutMs`);
 * resolves with the stderr it wrote, after it exited.
 */
export async function killedOnStderr(
  bin: string,
  args: readonly string[],
  options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv },
  text: string,
  timeoutMs = 60_000,
): Promise<string> {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + timeoutMs;
  while (!stderr.includes(text) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 50));
  child.kill('SIGKILL');
  await exited;
  return stderr;
}

/**
 * Runs `nvidia-smi` once, bounded in time. A GPU that fell off the bus or a wedged driver can
 * leave nvidia-smi stuck in the kernel; the watcher then reports `timeout` at the deadline and
 * does not wait for it (nor start another one while it lingers).
 */
import childProcess from 'node:child_process';

export type SmiResult =
  | { ok: true; stdout: string }
  | { ok: false; reason: 'missing' | 'timeout' | 'failed'; message: string };

export interface SmiRun {
  readonly done: Promise<SmiResult>;
  /** Whether the process is still alive (a timed-out nvidia-smi may never exit). */
  running(): boolean;
}

const MAX_OUTPUT = 256 * 1024;

export function runSmi(command: string, args: readonly string[], timeoutMs: number): SmiRun {
  let alive = true;
  const done = new Promise<SmiResult>((resolve) => {
    let settled = false;
    const finish = (result: SmiResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    let stdout = '';
    let stderr = '';
    const child = childProcess.spawn(command, args as string[], { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({
        ok: false,
        reason: 'timeout',
        message: `${command} did not answer within ${timeoutMs / 1000} s`,
      });
    }, timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (stdout.length < MAX_OUTPUT) stdout += chunk;
    });
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 4096) stderr += chunk;
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      alive = false;
      finish(
        error.code === 'ENOENT'
          ? { ok: false, reason: 'missing', message: `${command} not found` }
          : { ok: false, reason: 'failed', message: `${command}: ${error.code ?? error.message}` },
      );
    });
    child.on('close', (code, signal) => {
      alive = false;
      if (code === 0) finish({ ok: true, stdout });
      else {
        // nvidia-smi prints its reason on stdout ("NVIDIA-SMI has failed because it couldn't
        // communicate with the NVIDIA driver…") or stderr.
        const said = `${stderr} ${stdout}`.replace(/\s+/g, ' ').trim().slice(0, 300);
        finish({
          ok: false,
          reason: 'failed',
          message: `${command} exited with ${signal ?? code}${said ? `: ${said}` : ''}`,
        });
      }
    });
  });
  return { done, running: () => alive };
}

/**
 * Runs the real built binary (bin/linode-build.js → dist/cli.js) as a child process in a
 * throwaway HOME, the way a user runs it. `npm test` builds before running the suite.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const binPath = path.join(repoRoot, 'bin/linode-build.js');
/** Node's arguments before bin/linode-build.js, as its shebang (`env -S node --`) passes them. */
export const nodeArgs: readonly string[] = ['--'];

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string | undefined>;
  readonly input?: string;
  readonly timeoutMs?: number;
  /** Another copy of bin/linode-build.js, e.g. an installed package's. */
  readonly bin?: string;
}

/** A fresh temporary HOME with an isolated state directory. */
export function tempHome(): { home: string; env: Record<string, string> } {
  const home = mkdtempSync(path.join(os.tmpdir(), 'lb-home-'));
  return {
    home,
    env: {
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, '.config'),
      XDG_CACHE_HOME: path.join(home, '.cache'),
      XDG_STATE_HOME: path.join(home, '.local', 'state'),
      NO_COLOR: '1',
    },
  };
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries({ ...process.env, ...options.env })) {
      if (value !== undefined) env[key] = value;
    }
    // Tests must never reach the real API by accident or read the developer's token.
    for (const key of ['LINODE_TOKEN', 'LINODE_CLI_TOKEN']) {
      if (!options.env || !(key in options.env)) delete env[key];
    }
    const child = spawn(process.execPath, [...nodeArgs, options.bin ?? binPath, ...args], {
      cwd: options.cwd ?? repoRoot,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Runs the built watcher bundle as a child process on a loopback port, as systemd would. */
import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { watcherNodes } from '../../test/support/watcher-node.js';

export const bundlePath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/buildwatch.js');

export interface RunningWatcher {
  readonly url: string;
  readonly token: string;
  readonly stateDir: string;
  readonly child: ChildProcess;
  /** Everything the watcher wrote to stderr so far. */
  output(): string;
  get(
    pathAndQuery: string,
    token?: string | null,
  ): Promise<{ status: number; body: string; json: () => unknown }>;
  stop(): Promise<void>;
}

export interface WatcherSetup {
  socket: string;
  stateDir?: string;
  token?: string;
  args?: readonly string[];
  /** Extra node flags (e.g. a preload). */
  nodeArgs?: readonly string[];
  /** The Node binary (default: the watcher's pinned build, test/support/watcher-node.ts). */
  node?: string;
  /** Environment of the watcher (default: the tests'), e.g. a PATH with a stand-in program. */
  env?: NodeJS.ProcessEnv;
  /** The boot-status file (default: a missing file in the run's directory). */
  bootStatusFile?: string;
}

let watcherNode: string | undefined;
/** The Node the watcher runs on in production; locally, without it, this one (with a reason). */
function defaultNode(): string {
  watcherNode ??= watcherNodes()[0]?.path ?? process.execPath;
  return watcherNode;
}

export function newToken(): string {
  return crypto.randomBytes(24).toString('hex');
}

export async function startWatcher(setup: WatcherSetup): Promise<RunningWatcher> {
  if (!fs.existsSync(bundlePath)) throw new Error(`${bundlePath} is missing: run \`npm run build\` first`);
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-run-'));
  const stateDir = setup.stateDir ?? path.join(directory, 'state');
  const token = setup.token ?? newToken();
  const tokenFile = path.join(directory, 'token');
  fs.writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  const child = spawn(
    setup.node ?? defaultNode(),
    [
      ...(setup.nodeArgs ?? []),
      bundlePath,
      '--docker-socket',
      setup.socket,
      '--listen',
      '127.0.0.1:0',
      '--token-file',
      tokenFile,
      '--state-dir',
      stateDir,
      '--boot-status-file',
      setup.bootStatusFile ?? path.join(directory, 'boot-status.json'),
      '--cloud-init-dir',
      path.join(directory, 'cloud-init'),
      ...(setup.args ?? []),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: setup.env ?? process.env },
  );
  let output = '';
  child.stderr?.setEncoding('utf8');
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`watcher did not start:\n${output}`)), 15000);
    child.stderr?.on('data', (chunk: string) => {
      output += chunk;
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`watcher exited with ${code}:\n${output}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    token,
    stateDir,
    child,
    output: () => output,
    async get(pathAndQuery, useToken = token) {
      const headers: Record<string, string> = {};
      if (useToken !== null) headers.authorization = `Bearer ${useToken}`;
      const response = await fetch(`${url}${pathAndQuery}`, { headers, signal: AbortSignal.timeout(5000) });
      const body = await response.text();
      return { status: response.status, body, json: () => JSON.parse(body) };
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Polls until `check` returns a value (not undefined) or the time runs out. */
export async function waitUntil<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * One place that wires an end-to-end test: the fake Linode API, a local "app" for health
 * checks, a throwaway HOME, and the built CLI pointed at both. Every secret a test plants is
 * tracked so the test can assert none of them leaks into output or files.
 */

import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type CliResult, runCli, tempHome } from '../support/cli.js';
import { type HealthApp, startHealthApp } from './health.js';
import { FakeLinode, type FakeLinodeOptions } from './server.js';

export const labToken = 'lbtest-token-4f9d2c7a1e8b';

export interface Lab {
  readonly fake: FakeLinode;
  readonly app: HealthApp;
  readonly home: string;
  readonly env: Record<string, string>;
  /** Every output of every CLI run, for leak checks. */
  readonly transcript: string[];
  run(
    args: readonly string[],
    options?: { cwd?: string; env?: Record<string, string>; timeoutMs?: number },
  ): Promise<CliResult>;
  /** A project directory with deploy.yml from a bundled template (via `init`) and a .env. */
  project(name: string, template: string, dotenv?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startLab(options: FakeLinodeOptions = {}): Promise<Lab> {
  const fake = await new FakeLinode({
    token: labToken,
    provisionMs: 150,
    bootMs: 150,
    deleteMs: 100,
    ...options,
  }).start();
  const app = await startHealthApp();
  const { home, env: homeEnv } = tempHome();
  // deploy refuses to create a machine nobody can log in to: the lab user has a public key.
  writeSshKey(home);
  const env: Record<string, string> = {
    ...homeEnv,
    LINODE_TOKEN: labToken,
    LINODE_API_URL: fake.url,
    LINODE_BUILD_HEALTH_HOST: app.address,
    LINODE_BUILD_POLL_MS: '40',
    LINODE_BUILD_RETRY_BASE_MS: '10',
  };
  const transcript: string[] = [];
  const run: Lab['run'] = async (args, runOptions = {}) => {
    const result = await runCli(args, {
      cwd: runOptions.cwd ?? home,
      env: { ...env, ...runOptions.env },
      timeoutMs: runOptions.timeoutMs ?? 90_000,
    });
    transcript.push(result.stdout, result.stderr);
    return result;
  };
  return {
    fake,
    app,
    home,
    env,
    transcript,
    run,
    async project(name, template, dotenv = '') {
      const directory = path.join(home, name);
      const init = await run(['init', template, '--directory', directory]);
      if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
      writeFileSync(path.join(directory, '.env'), dotenv, { mode: 0o600 });
      return directory;
    },
    async close() {
      await Promise.all([fake.close(), app.close()]);
    },
  };
}

/** Every regular file under `root` (skipping node_modules), for leak scans. */
export function filesUnder(root: string): string[] {
  const found: string[] = [];
  const walk = (directory: string) => {
    for (const name of readdirSync(directory)) {
      const full = path.join(directory, name);
      const stats = statSync(full);
      if (stats.isDirectory()) walk(full);
      else if (stats.isFile()) found.push(full);
    }
  };
  walk(root);
  return found;
}

/** Files under `root` containing `secret`, except those allowed to (e.g. the .env that holds it). */
export function filesContaining(root: string, secret: string, allowed: (file: string) => boolean): string[] {
  return filesUnder(root).filter((file) => !allowed(file) && readFileSync(file, 'utf8').includes(secret));
}

export function writeSshKey(home: string): string {
  const directory = path.join(home, '.ssh');
  mkdirSync(directory, { recursive: true });
  const file = path.join(directory, 'id_ed25519.pub');
  writeFileSync(
    file,
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTestsOnly0000000000000000000000 test@lab\n',
  );
  return file;
}

/**
 * Helpers for the reliability suite: the built CLI as a killable child process, the registry
 * as the CLI leaves it on disk, and the watcher on a fake Docker socket.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { DeploymentRecord } from '../../src/state/types.js';
import type { FakeDocker } from '../../watcher/test/fake-docker.js';
import {
  type RunningWatcher,
  startWatcher,
  type WatcherSetup,
  waitUntil,
} from '../../watcher/test/process.js';
import type { Lab } from '../fake-linode/harness.js';
import { binPath, type CliResult } from '../support/cli.js';

export interface RunningCli {
  readonly child: ChildProcess;
  readonly done: Promise<CliResult>;
}

/** Starts the built CLI without waiting for it, so a test can kill it mid-flight. */
export function startCli(args: readonly string[], cwd: string, env: Record<string, string>): RunningCli {
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...env })) {
    if (value !== undefined) merged[key] = value;
  }
  const child = spawn(process.execPath, [binPath, ...args], {
    cwd,
    env: merged,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? -1 : 0), stdout, stderr }));
  });
  return { child, done };
}

export function registryFile(home: string): string {
  return path.join(home, '.local/state/linode-build/registry.json');
}

/** The registry's records; throws (failing the test) when the file does not parse. */
export function readRegistry(home: string): DeploymentRecord[] {
  const file = registryFile(home);
  if (!existsSync(file)) return [];
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as {
    version: number;
    deployments: DeploymentRecord[];
  };
  if (!Array.isArray(parsed.deployments)) throw new Error(`${file} has no deployments array`);
  return parsed.deployments;
}

/** The deployment id from a tag list (`build-id:<id>`). */
export function buildIdOf(tags: readonly string[]): string | undefined {
  return tags.find((tag) => tag.startsWith('build-id:'))?.slice('build-id:'.length);
}

/** Runs `worker` over `items` with at most `limit` running at once. */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  worker: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await worker(items[index] as T);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** A clear CLI failure: an `Error:` line and a `Hint:` line, and no stack trace. */
export function isClearFailure(result: CliResult): boolean {
  return (
    /^Error: .+/m.test(result.stderr) &&
    /^Hint: .+/m.test(result.stderr) &&
    !/^\s+at .+\(.*:\d+:\d+\)$/m.test(result.stderr)
  );
}

/** The built watcher on `docker`'s socket, once it has opened the events stream. */
export async function startStreamingWatcher(
  docker: FakeDocker,
  setup: Omit<WatcherSetup, 'socket'> = {},
): Promise<RunningWatcher> {
  const watcher = await startWatcher({ ...setup, socket: docker.socket });
  await waitUntil(
    async () => (docker.requests.some((r) => r.includes('/events')) ? true : undefined),
    15_000,
    'events stream',
  );
  return watcher;
}

export async function stopWatcherAndDocker(watcher?: RunningWatcher, docker?: FakeDocker): Promise<void> {
  await watcher?.stop();
  await docker?.close();
}

/** A request that changes something on Linode: where a kill test stops the CLI. */
export interface KillStep {
  readonly method: string;
  readonly path: RegExp;
  readonly name: string;
  /** Matching requests answered before the one the CLI dies on (default 0: the first). */
  readonly skip?: number;
}

/**
 * Runs the CLI until the fake API has handled the step's request, and kills it (SIGKILL)
 * before the answer arrives: the change was made and the CLI never learned it.
 */
export async function killAt(
  lab: Lab,
  step: KillStep,
  args: string[],
  project: string,
  extraEnv: Record<string, string> = {},
): Promise<void> {
  const held = lab.fake.holdResponse({ method: step.method, path: step.path, skip: step.skip ?? 0 });
  const cli = startCli(args, project, { ...lab.env, LINODE_BUILD_POLL_MS: '20', ...extraEnv });
  const outcome = await Promise.race([
    held.then(() => 'held' as const),
    cli.done.then(() => 'exited' as const),
  ]);
  expect(outcome, `${step.name}: the deploy never reached this step`).toBe('held');
  cli.child.kill('SIGKILL');
  await cli.done;
}

/** What Linode holds for one env of a replicated deployment: live instances, NodeBalancers and their backends, firewalls. */
export function replicatedResources(lab: Lab, envName: string) {
  const tagged = (tags: readonly string[]) => tags.includes(`build-env:${envName}`);
  const instances = lab.fake
    .listInstances()
    .filter((instance) => tagged(instance.tags) && instance.status !== 'deleting');
  const balancers = lab.fake.nodeBalancers.list().filter((balancer) => tagged(balancer.tags));
  const firewalls = lab.fake.listFirewalls().filter((firewall) => tagged(firewall.tags));
  const nodes = balancers.flatMap((balancer) =>
    lab.fake.nodeBalancers.configsOf(balancer.id).flatMap((config) => config.nodes),
  );
  return { instances, balancers, firewalls, nodes };
}

/**
 * The built watcher under a full disk and an event storm (dockerd and watcher restarts are
 * covered in watcher/test/dockerd.test.ts and watcher/test/api.test.ts):
 *   - its state directory on a full 8 MiB tmpfs (or, where mounting is not allowed, a file in
 *     place of the directory): writes fail, /health says `degraded` with the reason, the watcher
 *     keeps classifying and serving, and reports writable again once space is freed;
 *   - a file in place of the state directory from the start: the watcher still starts (it used
 *     to die on mkdir) and reports why on /health;
 *   - 100,000 synthetic Docker events: all are classified, the process stays within a memory
 *     bound (under the V8 limits its systemd unit sets), and the state it keeps stays bounded.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_FLAGS } from '../../capabilities/buildwatch/delivery.js';
import { type FakeDocker, startFakeDocker } from '../../watcher/test/fake-docker.js';
import { type RunningWatcher, waitUntil } from '../../watcher/test/process.js';
import { startStreamingWatcher, stopWatcherAndDocker } from './support.js';

const CONTAINERS = 40;
// The unit's own flags, so the storm runs under the memory limits the instance uses.
const UNIT_NODE_FLAGS = NODE_FLAGS;

/** A Docker event line: restart loops, health flips, OOMs and stops across CONTAINERS. */
function eventLine(index: number): string {
  const container = index % CONTAINERS;
  const id = container.toString(16).padStart(64, 'e');
  const actions = [
    'start',
    'health_status: healthy',
    'die',
    'start',
    'health_status: unhealthy',
    'kill',
    'die',
    'oom',
  ];
  const action = actions[Math.floor(index / CONTAINERS) % actions.length] as string;
  const attributes: Record<string, string> = {
    image: `example/app-${container}:1`,
    name: `app-${container}`,
  };
  if (action === 'die') attributes.exitCode = '1';
  if (action === 'kill') attributes.signal = '15';
  const nano = 1_763_900_000_000_000_000n + BigInt(index) * 1000n;
  return JSON.stringify({
    Type: 'container',
    Action: action,
    Actor: { ID: id, Attributes: attributes },
    scope: 'local',
    time: Number(nano / 1_000_000_000n),
    timeNano: `${nano}`,
  }).replace(/"timeNano":"(\d+)"/, '"timeNano":$1');
}

function emitEvents(docker: FakeDocker, from: number, count: number): void {
  for (let start = from; start < from + count; start += 1000) {
    const lines: string[] = [];
    for (let index = start; index < Math.min(from + count, start + 1000); index++)
      lines.push(eventLine(index));
    docker.emit(lines);
  }
}

interface WatcherStatus {
  watcher: { events_processed: number; memory: { heap_used_bytes: number } };
}

/** GET as JSON, or undefined while the watcher is too busy to answer (a loaded CI machine). */
async function tryJson<T>(
  watcher: RunningWatcher,
  pathAndQuery: string,
  token?: null,
): Promise<T | undefined> {
  try {
    return (await watcher.get(pathAndQuery, token)).json() as T;
  } catch {
    return undefined;
  }
}

/** /health once it reports `state_dir_writable: writable`. */
function healthOnceWritable(watcher: RunningWatcher, writable: boolean): Promise<Record<string, unknown>> {
  return waitUntil(
    async () => {
      const body = await tryJson<Record<string, unknown>>(watcher, '/health', null);
      return body?.state_dir_writable === writable ? body : undefined;
    },
    30_000,
    `/health to report state_dir_writable: ${writable}`,
  );
}

async function eventsProcessed(watcher: RunningWatcher): Promise<number> {
  return (await tryJson<WatcherStatus>(watcher, '/status'))?.watcher.events_processed ?? 0;
}

function peakRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/** An 8 MiB tmpfs when this process may mount one (root in CI), else undefined. */
function tinyTmpfs(): string | undefined {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0700', 'tmpfs', directory], {
      stdio: 'ignore',
    });
    return directory;
  } catch {
    return undefined;
  }
}

describe('watcher with a full disk', () => {
  let docker: FakeDocker;
  let watcher: RunningWatcher;
  let mounted: string | undefined;
  let blocker: string | undefined;

  beforeAll(async () => {
    docker = await startFakeDocker();
    mounted = tinyTmpfs();
    let stateDir: string;
    if (mounted) {
      stateDir = path.join(mounted, 'state');
      // Fill the tmpfs but a few KiB, so the watcher's first flushes already fail. (8 MiB, not
      // less: once space is freed, the watcher writes its whole backlog at once.)
      fs.writeFileSync(path.join(mounted, 'ballast'), Buffer.alloc((8 * 1024 - 8) * 1024));
    } else {
      console.log('cannot mount a tmpfs here (not root?): using a file in place of the state directory');
      blocker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bw-full-')), 'state');
      fs.writeFileSync(blocker, '');
      stateDir = blocker;
    }
    watcher = await startStreamingWatcher(docker, { stateDir, nodeArgs: UNIT_NODE_FLAGS });
  });

  afterAll(async () => {
    await stopWatcherAndDocker(watcher, docker);
    if (mounted) execFileSync('umount', [mounted]);
  });

  it('reports the failing writes on /health and keeps working', { timeout: 120_000 }, async () => {
    emitEvents(docker, 0, 5000);
    await waitUntil(
      async () => ((await eventsProcessed(watcher)) >= 5000 ? true : undefined),
      60_000,
      '5,000 events',
    );
    const health = await healthOnceWritable(watcher, false);
    expect(health.status).toBe('degraded');
    expect(String(health.state_dir_error)).toMatch(
      mounted ? /ENOSPC|no space/i : /ENOTDIR|EEXIST|not a directory|exists/i,
    );
    // Still classifying and serving.
    const issues = await watcher.get('/issues');
    expect(issues.status).toBe(200);
    expect((issues.json() as { count: number }).count).toBeGreaterThan(0);
    expect(watcher.child.exitCode).toBeNull();
    expect(watcher.output()).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

    if (mounted) {
      // Space comes back: the next flush succeeds and /health recovers.
      fs.rmSync(path.join(mounted, 'ballast'));
      emitEvents(docker, 5000, 500);
      const recovered = await healthOnceWritable(watcher, true);
      expect(recovered.status).toBe('ok');
    }
  });
});

describe('watcher whose state directory is a file', () => {
  let docker: FakeDocker;
  let watcher: RunningWatcher;

  beforeAll(async () => {
    docker = await startFakeDocker();
    const blocker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bw-file-')), 'state');
    fs.writeFileSync(blocker, '');
    watcher = await startStreamingWatcher(docker, { stateDir: blocker, nodeArgs: UNIT_NODE_FLAGS });
  });

  afterAll(() => stopWatcherAndDocker(watcher, docker));

  it('starts anyway, reports degraded on /health and keeps classifying', { timeout: 120_000 }, async () => {
    const health = await tryJson<Record<string, unknown>>(watcher, '/health', null);
    expect(health).toMatchObject({ status: 'degraded', state_dir_writable: false });
    expect(String(health?.state_dir_error)).toMatch(/EEXIST|ENOTDIR|not a directory|exists/i);
    emitEvents(docker, 0, 1000);
    await waitUntil(
      async () => ((await eventsProcessed(watcher)) >= 1000 ? true : undefined),
      60_000,
      '1,000 events',
    );
    expect(((await watcher.get('/issues')).json() as { count: number }).count).toBeGreaterThan(0);
    expect(watcher.output()).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  });
});

describe('watcher under an event storm', () => {
  let docker: FakeDocker;
  let watcher: RunningWatcher;

  beforeAll(async () => {
    docker = await startFakeDocker();
    watcher = await startStreamingWatcher(docker, {
      nodeArgs: UNIT_NODE_FLAGS,
      args: ['--max-events', '2000'],
    });
  });

  afterAll(() => stopWatcherAndDocker(watcher, docker));

  it('classifies 100,000 events with bounded memory and bounded state', { timeout: 180_000 }, async () => {
    const total = 100_000;
    emitEvents(docker, 0, total);
    await waitUntil(
      async () => ((await eventsProcessed(watcher)) >= total ? true : undefined),
      150_000,
      `${total} events`,
    );
    expect(await eventsProcessed(watcher)).toBe(total);
    // Under the unit's V8 limits (64 MB old space) the whole process stays well below this.
    expect(peakRssMb(watcher.child.pid as number)).toBeLessThan(150);
    // The heap holds --max-events events and the open issues, however many events arrived.
    const status = (await watcher.get('/status')).json() as WatcherStatus;
    expect(status.watcher.memory.heap_used_bytes).toBeLessThan(64 * 1024 * 1024);
    const issues = (await watcher.get('/issues?state=all')).json() as { count: number };
    expect(issues.count).toBeGreaterThan(0);
    expect(issues.count).toBeLessThan(1000);
    // On disk: events.jsonl rotates at its size limit (4 MiB by default), one old file kept.
    const bytes = fs
      .readdirSync(watcher.stateDir)
      .reduce((sum, name) => sum + fs.statSync(path.join(watcher.stateDir, name)).size, 0);
    expect(bytes).toBeLessThan(3 * 4 * 1024 * 1024);
    expect((await watcher.get('/health', null)).json()).toMatchObject({ status: 'ok' });
  });
});

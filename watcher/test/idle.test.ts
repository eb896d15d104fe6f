/**
 * The idle guard's watcher side (issue 18): since when nothing reached the app (its container's
 * received packets, from Docker's stats) and, on GPU deployments, every GPU sat below the
 * utilisation threshold. The built watcher, a fake Docker socket and the stand-in nvidia-smi.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watcherNodes } from '../../test/support/watcher-node.js';
import { type FakeDocker, startFakeDocker } from './fake-docker.js';
import { standInSmi } from './gpu-standin.js';
import { type RunningWatcher, startWatcher, waitUntil } from './process.js';

interface IdleStatus {
  idle: boolean;
  since: string | null;
  idle_seconds: number;
  busy_reason: string | null;
  packets_last_interval: number | null;
}

describe.each(watcherNodes())('idle tracking in the built watcher on $label', ({ path: node }) => {
  let docker: FakeDocker | undefined;
  let watcher: RunningWatcher | undefined;
  let traffic: NodeJS.Timeout | undefined;

  afterEach(async () => {
    clearInterval(traffic);
    await watcher?.stop();
    await docker?.close();
  });

  const idle = async () => {
    if (!watcher) throw new Error('the watcher is not running');
    return ((await watcher.get('/status')).json() as { idle: IdleStatus }).idle;
  };
  const until = (check: (status: IdleStatus) => boolean, what: string) =>
    waitUntil(
      async () => {
        const status = await idle();
        return check(status) ? status : undefined;
      },
      6000,
      what,
    );

  it('a CPU deployment is idle once its app receives no requests, busy again when one arrives', async () => {
    docker = await startFakeDocker();
    docker.rxPackets.set('app', 1000);
    // Requests: 40 packets every 100 ms.
    traffic = setInterval(() => docker?.rxPackets.set('app', (docker.rxPackets.get('app') ?? 0) + 40), 100);
    watcher = await startWatcher({
      socket: docker.socket,
      args: ['--idle-interval', '0.3', '--idle-max-packets', '4'],
    });
    const busy = await until(
      (status) => status.packets_last_interval !== null && status.packets_last_interval > 4,
      'busy',
    );
    expect(busy).toMatchObject({ idle: false, since: null });
    expect(busy.busy_reason).toMatch(/packets received in the last interval/);
    // No more requests; a couple of ARP packets do not count.
    clearInterval(traffic);
    docker.rxPackets.set('app', (docker.rxPackets.get('app') ?? 0) + 2);
    const idleNow = await until((status) => status.idle, 'idle');
    const since = idleNow.since;
    expect(Date.parse(since ?? '')).toBeGreaterThan(Date.now() - 5000);
    // Still idle later, since the same moment.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const later = await idle();
    expect(later).toMatchObject({ idle: true, since });
    expect(later.idle_seconds).toBeGreaterThanOrEqual(1);
    // One request (a TCP connection is at least 5 packets) ends it.
    docker.rxPackets.set('app', (docker.rxPackets.get('app') ?? 0) + 6);
    await until((status) => !status.idle && status.since === null, 'busy again');
  });

  it('a GPU deployment is idle only while every GPU is below the threshold too', async () => {
    docker = await startFakeDocker();
    docker.rxPackets.set('app', 500);
    const smi = standInSmi();
    smi.answer('idle');
    watcher = await startWatcher({
      node,
      socket: docker.socket,
      env: { ...process.env, PATH: `${smi.dir}:${process.env.PATH ?? ''}` },
      args: ['--gpu', '--gpu-interval', '1', '--kernel-log', '/dev/null', '--idle-interval', '0.3'],
    });
    await until((status) => status.idle, 'idle with idle GPUs');
    // The model is working (GPU 0 at 87 %) though no request came in: not idle.
    smi.answer('two-gpus');
    const busy = await until((status) => !status.idle, 'GPU busy');
    expect(busy.busy_reason).toBe('GPU 0 at 87% utilisation');
    // A failing nvidia-smi means utilisation is unknown: never idle on a guess.
    smi.mode('fail');
    const unknown = await until((status) => status.busy_reason?.includes('unknown') === true, 'unknown');
    expect(unknown.idle).toBe(false);
  });

  it('an idle stretch survives a watcher restart only if nothing arrived in between', async () => {
    docker = await startFakeDocker();
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-idle-state-'));
    const threeHoursAgo = Date.now() - 3 * 3600_000;
    const saved = {
      seq: 0,
      oomCount: 0,
      containers: [],
      eventCounts: {},
      idle: { since: threeHoursAgo, packets: 500 },
    };
    fs.writeFileSync(path.join(stateDir, 'state.json'), JSON.stringify(saved));
    docker.rxPackets.set('app', 500);
    watcher = await startWatcher({ node, socket: docker.socket, stateDir, args: ['--idle-interval', '0.3'] });
    const status = await until((s) => s.idle, 'idle since before the restart');
    expect(status.since).toBe(new Date(threeHoursAgo).toISOString());
    expect(status.idle_seconds).toBeGreaterThanOrEqual(3 * 3600);
    await watcher.stop();
    // Saved again on the way out; this time requests came in while it was down.
    expect(JSON.parse(fs.readFileSync(path.join(stateDir, 'state.json'), 'utf8')).idle.since).toBe(
      threeHoursAgo,
    );
    docker.rxPackets.set('app', 900);
    watcher = await startWatcher({ node, socket: docker.socket, stateDir, args: ['--idle-interval', '0.3'] });
    const busy = await until((s) => s.checked_at !== null, 'a check');
    expect(busy).toMatchObject({ idle: false, since: null });
    const fresh = await until((s) => s.idle, 'a new idle stretch');
    expect(Date.parse(fresh.since ?? '')).toBeGreaterThan(Date.now() - 10_000);
  });
});

/**
 * The idle guard end to end (issue 18): the built CLI against the fake Linode API, and real
 * watchers (the built bundle) on this machine's loopback with a stand-in nvidia-smi: one GPU
 * deployment idle for three hours (no packets, GPUs at 0 %), one whose GPU is busy though no
 * request came in, one deployed from another machine (no watcher token here) and a hand-made
 * instance. `reap --idle 2h` destroys exactly the idle one; a `build-idle:` tag alone makes a
 * plain `reap` (cron) apply the policy; `status <id>` shows the idle time, its cost and the GPUs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertDeployment } from '../../src/state/registry.js';
import { writeSecret } from '../../src/state/secrets.js';
import type { DeploymentRecord } from '../../src/state/types.js';
import { WATCHER_TOKEN_SECRET } from '../../src/watcher-client/resolve.js';
import { type FakeDocker, startFakeDocker } from '../../watcher/test/fake-docker.js';
import { standInSmi } from '../../watcher/test/gpu-standin.js';
import { type RunningWatcher, startWatcher, waitUntil } from '../../watcher/test/process.js';
import { type Lab, startLab } from '../fake-linode/harness.js';

let lab: Lab;
const dockers: FakeDocker[] = [];
const watchers: RunningWatcher[] = [];

/** A watcher whose previous run saved an idle stretch that began three hours ago. */
async function gpuWatcher(sample: string): Promise<RunningWatcher> {
  const docker = await startFakeDocker();
  dockers.push(docker);
  docker.rxPackets.set('app', 1200);
  const smi = standInSmi();
  smi.answer(sample);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reap-idle-'));
  const since = Date.now() - 3 * 3600_000;
  fs.writeFileSync(
    path.join(stateDir, 'state.json'),
    JSON.stringify({ seq: 0, oomCount: 0, containers: [], eventCounts: {}, idle: { since, packets: 1200 } }),
  );
  const watcher = await startWatcher({
    socket: docker.socket,
    stateDir,
    env: { ...process.env, PATH: `${smi.dir}:${process.env.PATH ?? ''}` },
    args: ['--gpu', '--gpu-interval', '1', '--kernel-log', '/dev/null', '--idle-interval', '0.3'],
  });
  watchers.push(watcher);
  await waitUntil(
    async () =>
      ((await watcher.get('/status')).json() as { idle: { checked_at: string | null } }).idle.checked_at ??
      undefined,
    5000,
    'a first idle check',
  );
  return watcher;
}

function seed(id: string, extraTags: string[] = []) {
  return lab.fake.seedInstance({
    label: `llm-prod-${id}`,
    region: 'us-ord',
    type: 'g2-gpu-rtx4000a1-s',
    tags: [`build-id:${id}`, 'build-app:llm', 'build-env:prod', ...extraTags],
  });
}

async function record(id: string, linodeId: number, watcher: RunningWatcher) {
  const entry: DeploymentRecord = {
    id,
    app: 'llm',
    env: 'prod',
    template: 'llm-api',
    templateVersion: '1.0.0',
    status: 'active',
    region: 'us-ord',
    type: 'g2-gpu-rtx4000a1-s',
    image: 'linode/ubuntu24.04',
    label: `llm-prod-${id}`,
    linodeId,
    ipv4: '127.0.0.1',
    watcherPort: Number(new URL(watcher.url).port),
    createdAt: new Date(Date.now() - 4 * 3600_000).toISOString(),
    updatedAt: new Date().toISOString(),
  };
  await upsertDeployment(lab.env, entry);
  await writeSecret(lab.env, id, WATCHER_TOKEN_SECRET, watcher.token);
}

beforeAll(async () => {
  lab = await startLab();
});
afterAll(async () => {
  for (const watcher of watchers) await watcher.stop();
  for (const docker of dockers) await docker.close();
  await lab?.close();
});

describe('reap --idle', () => {
  it('destroys exactly the deployment whose watcher has seen no requests and idle GPUs for the limit', async () => {
    const idleWatcher = await gpuWatcher('idle');
    const busyWatcher = await gpuWatcher('two-gpus');
    const idle = seed('idle0001', ['build-idle:1h']);
    const busy = seed('busy0001');
    const elsewhere = seed('else0001');
    const handMade = lab.fake.seedInstance({
      label: 'hand-made',
      region: 'us-ord',
      type: 'g6-standard-2',
      tags: [],
    });
    await record('idle0001', idle.id, idleWatcher);
    await record('busy0001', busy.id, busyWatcher);

    const dry = await lab.run(['reap', '--idle', '2h', '--dry-run']);
    expect(dry.stderr).not.toMatch(/Error/);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('1 idle deployment(s)');
    expect(dry.stdout).toMatch(/idle0001\s+llm\s+prod\s+\d+\s+g2-gpu-rtx4000a1-s\s+3h\s+1h \(tag\)/);
    expect(dry.stdout).not.toMatch(/busy0001|else0001/);
    expect(dry.stderr).toMatch(/Not checked for idleness: else0001 .*watcher token is not here/);
    expect(dry.stdout).toContain('Dry run: nothing destroyed.');
    const json = JSON.parse((await lab.run(['reap', '--idle', '2h', '--dry-run', '--json'])).stdout);
    expect(json.idle.map((d: { id: string }) => d.id)).toEqual(['idle0001']);
    expect(json.idle[0].idleMs).toBeGreaterThanOrEqual(3 * 3600_000 - 5000);
    expect(json.idle[0].idleCost).toBeGreaterThan(0);
    expect(json.unchecked).toEqual([expect.objectContaining({ id: 'else0001' })]);
    expect(lab.fake.listInstances()).toHaveLength(4);

    // The busy one is not idle, for the reason its watcher gives.
    const status = (await busyWatcher.get('/status')).json() as {
      idle: { idle: boolean; busy_reason: string };
    };
    expect(status.idle).toMatchObject({ idle: false, busy_reason: 'GPU 0 at 87% utilisation' });

    // status shows the idle time and its cost, and the GPUs.
    const idleStatus = await lab.run(['status', 'idle0001', '--no-health']);
    expect(idleStatus.code, idleStatus.stderr).toBe(0);
    expect(idleStatus.stdout).toMatch(/Idle: +since \S+ \(3h, \$\d+\.\d\d of idle time\)/);
    expect(idleStatus.stdout).toMatch(
      /GPU 0: +NVIDIA RTX 4000 Ada Generation: 0% busy, 15234 of 20475 MiB, 35°C, 17\.8 W/,
    );
    const busyStatus = await lab.run(['status', 'busy0001', '--no-health']);
    expect(busyStatus.stdout).toMatch(/Idle: +no \(GPU 0 at 87% utilisation\)/);
    expect(busyStatus.stdout).toMatch(/GPU 1: +NVIDIA RTX 4000 Ada Generation: 0% busy, 1 of 20475 MiB/);

    const logs = await lab.run(['logs', 'busy0001', '--boot']);
    expect(logs.stdout).toMatch(
      /\nGPU 0: +NVIDIA RTX 4000 Ada Generation: 87% busy, 15234 of 20475 MiB, 66°C, 112\.37 W/,
    );

    // From cron, without --idle: the build-idle:1h tag is the policy.
    const cron = await lab.run(['reap', '--yes']);
    expect(cron.stderr).not.toMatch(/Error/);
    expect(cron.code).toBe(0);
    expect(cron.stdout).toMatch(
      /Destroyed idle0001 \(llm, prod\): idle for 3h, the idle time cost about \$\d+\.\d\d/,
    );
    expect(cron.stdout).toMatch(/Reaped 1 of 1/);
    await waitUntil(
      async () => (lab.fake.listInstances().some((instance) => instance.id === idle.id) ? undefined : true),
      5000,
      'the idle instance gone',
    );
    const left = lab.fake
      .listInstances()
      .map((instance) => instance.id)
      .sort();
    expect(left).toEqual([busy.id, elsewhere.id, handMade.id].sort());
  });
});

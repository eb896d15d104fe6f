/**
 * The production data source against the fake Linode API (in process, over HTTP): the list is
 * the registry merged with tagged instances, the ISS column comes from the watcher (unknown
 * when it does not answer), detail/logs say when there is no watcher, and destroy deletes
 * exactly the one instance and its record.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import { readRegistry, upsertDeployment } from '../../src/state/registry.js';
import type { DeploymentRecord } from '../../src/state/types.js';
import type { WatcherIssueSummary } from '../../src/status/types.js';
import { createLiveSource, type WatcherReader } from '../../src/tui/live-source.js';
import { FakeLinode } from '../fake-linode/server.js';
import { sampleRecord } from '../state/fixtures/records.js';

const token = 'lbtest-live-source-token';
let fake: FakeLinode;
let env: NodeJS.ProcessEnv;
const linodeIds = new Map<string, number>();

async function createInstance(id: string, env_: string): Promise<number> {
  const response = await fetch(`${fake.url}/v4/linode/instances`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      region: 'us-ord',
      type: 'g6-standard-2',
      image: 'linode/ubuntu24.04',
      label: `chat-${env_}-${id}`,
      root_pass: 'Very-long-and-random-1234567890!',
      tags: [`build-id:${id}`, 'build-app:chat', `build-env:${env_}`, 'build-tmpl:llm-api'],
    }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return ((await response.json()) as { id: number }).id;
}

beforeAll(async () => {
  fake = await new FakeLinode({ token, provisionMs: 0, bootMs: 0, deleteMs: 20 }).start();
  const home = mkdtempSync(path.join(os.tmpdir(), 'lb-live-'));
  env = {
    LINODE_BUILD_HOME: path.join(home, 'state'),
    LINODE_TOKEN: token,
    LINODE_API_URL: fake.url,
    LINODE_BUILD_POLL_MS: '20',
    LINODE_BUILD_RETRY_BASE_MS: '5',
  };
  for (const [id, environment, watcherPort] of [
    ['watched1', 'prod', 9090],
    ['silent22', 'staging', 9090],
    ['plain333', 'dev', undefined],
  ] as const) {
    const linodeId = await createInstance(id, environment);
    linodeIds.set(id, linodeId);
    const record: DeploymentRecord = sampleRecord(id, {
      app: 'chat',
      env: environment,
      linodeId,
      region: 'us-ord',
      ...(watcherPort ? { watcherPort } : {}),
    });
    await upsertDeployment(env, record);
  }
  // Let the fake move the instances to running.
  await new Promise((resolve) => setTimeout(resolve, 50));
});

afterAll(() => fake?.close());

const issue: WatcherIssueSummary = {
  kind: 'crash-loop',
  severity: 'critical',
  container: 'app',
  message: 'restarted 5 times in 2 minutes',
  firstSeen: '2026-01-01T00:00:00Z',
  lastSeen: '2026-01-01T00:02:00Z',
  count: 5,
  evidence: 'restart_count=5',
};

function fakeWatcher(): WatcherReader & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async panel(record) {
      if (record.id === 'silent22') throw new Error('connect ETIMEDOUT');
      return { state: 'ok', bootSteps: [], issues: [issue], events: [] };
    },
    async logs(record, _view, lines) {
      return [`${record.id} log`, `${lines} asked`];
    },
    async openIssues(record) {
      asked.push(record.id);
      if (record.id === 'silent22') throw new Error('connect ETIMEDOUT');
      return [issue];
    },
  };
}

describe('live data source', () => {
  it('lists with one instance-list request per refresh and fills issues only from answering watchers', async () => {
    const watcher = fakeWatcher();
    const source = createLiveSource({ env, cwd: os.tmpdir(), checkHealth: false, watcher });
    fake.clearLog();
    const views = await source.list();
    expect(fake.countRequests({ method: 'GET', path: /\/linode\/instances$/ })).toBe(1);
    const byId = new Map(views.map((view) => [view.id, view]));
    expect([...byId.keys()].sort()).toEqual(['plain333', 'silent22', 'watched1']);
    expect(byId.get('watched1')?.instanceStatus).toBe('running');
    expect(byId.get('watched1')?.openIssues).toEqual([issue]);
    expect(byId.get('silent22')?.openIssues).toBeUndefined();
    expect(byId.get('plain333')?.openIssues).toBeUndefined();
    expect(watcher.asked.sort()).toEqual(['silent22', 'watched1']);
  });

  it('details: watcher panel, unreachable with the reason, or disabled', async () => {
    const source = createLiveSource({ env, cwd: os.tmpdir(), checkHealth: false, watcher: fakeWatcher() });
    await source.list();
    expect((await source.detail('watched1')).watcher).toMatchObject({ state: 'ok', issues: [issue] });
    expect((await source.detail('silent22')).watcher).toEqual({
      state: 'unreachable',
      error: 'connect ETIMEDOUT',
    });
    expect((await source.detail('plain333')).watcher).toEqual({ state: 'disabled' });
    expect(await source.logs('watched1', 50)).toEqual(['watched1 log', '50 asked']);
    const error = await source.logs('plain333', 50).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toContain('watcher is not enabled');
  });

  it('reports a missing token as an actionable error instead of crashing', async () => {
    const source = createLiveSource({
      env: {
        ...env,
        LINODE_TOKEN: '',
        LINODE_CLI_TOKEN: '',
        HOME: os.tmpdir(),
        XDG_CONFIG_HOME: os.tmpdir(),
      },
      cwd: os.tmpdir(),
      checkHealth: false,
    });
    await expect(source.list()).rejects.toBeInstanceOf(CliError);
  });

  it('destroys exactly one deployment: one instance delete, its record gone, the others kept', async () => {
    const source = createLiveSource({ env, cwd: os.tmpdir(), checkHealth: false });
    await source.list();
    fake.clearLog();
    const progress: string[] = [];
    await source.destroy('plain333', (message) => progress.push(message));
    expect(fake.countRequests({ method: 'DELETE', path: /\/linode\/instances\// })).toBe(1);
    expect(progress[0]).toContain(`Deleting Linode ${linodeIds.get('plain333')}`);
    expect(fake.listInstances().map((instance) => instance.id)).not.toContain(linodeIds.get('plain333'));
    expect((await readRegistry(env)).deployments.map((record) => record.id).sort()).toEqual([
      'silent22',
      'watched1',
    ]);
    expect((await source.list()).map((view) => view.id)).not.toContain('plain333');
  });
});

describe('live data source with replicas', () => {
  it('lists a deployment with replicas as one view, and its detail reads the backends in one more request', async () => {
    const id = 'scaled44';
    const instances: { id: number; ipv4: string[] }[] = [];
    for (const index of [1, 2]) {
      const response = await fetch(`${fake.url}/v4/linode/instances`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          region: 'us-ord',
          type: 'g6-standard-2',
          image: 'linode/ubuntu24.04',
          label: `chat-prod-${id}-${index}`,
          root_pass: 'Very-long-and-random-1234567890!',
          private_ip: true,
          tags: [`build-id:${id}`, 'build-app:chat', 'build-env:prod', `build-replica:${id}-${index}`],
        }),
      });
      expect(response.status, await response.clone().text()).toBe(200);
      instances.push((await response.json()) as { id: number; ipv4: string[] });
    }
    const privateOf = (instance: { ipv4: string[] }) => instance.ipv4.find((a) => a.startsWith('192.168.'))!;
    const balancer = await fake.nodeBalancers.seed({
      label: `lb-${id}-chat`,
      region: 'us-ord',
      tags: [`build-id:${id}`, 'build-app:chat', 'build-env:prod'],
      configs: [
        {
          port: 8080,
          protocol: 'http',
          check: 'http',
          check_path: '/health',
          check_interval: 10,
          check_timeout: 5,
          check_attempts: 3,
          nodes: instances.map((instance, k) => ({
            label: `${id}-r${k + 1}`,
            address: `${privateOf(instance)}:8080`,
            mode: 'accept',
            weight: 100,
          })),
        },
      ],
    });
    const configId = fake.nodeBalancers.configsOf(balancer.id)[0]!.id;
    await upsertDeployment(
      env,
      sampleRecord(id, {
        app: 'chat',
        env: 'prod',
        linodeId: instances[0]!.id,
        region: 'us-ord',
        externalPort: 8080,
        scale: {
          replicas: 2,
          nodeBalancerId: balancer.id,
          configId,
          members: instances.map((instance, k) => ({ index: k + 1, linodeId: instance.id })),
        },
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    fake.nodeBalancers.setNodeHealth(instances[1]!.id, false);

    const source = createLiveSource({ env, cwd: os.tmpdir(), checkHealth: false });
    const listed = (await source.list()).filter((view) => view.id === id);
    expect(listed).toHaveLength(1);
    expect(listed[0]!.nodeBalancer).toMatchObject({ id: balancer.id, ipv4: balancer.ipv4, port: 8080 });
    expect(listed[0]!.replicas!.map((replica) => replica.backend)).toEqual([undefined, undefined]);

    fake.clearLog();
    const detail = await source.detail(id);
    expect(detail.deployment.replicas!.map((replica) => [replica.index, replica.backend?.status])).toEqual([
      [1, 'UP'],
      [2, 'DOWN'],
    ]);
    // Only this deployment's backends: one nodes listing, whatever else the account has.
    expect(fake.countRequests({ method: 'GET', path: /\/nodes$/ })).toBe(1);
    fake.nodeBalancers.setNodeHealth(instances[1]!.id, undefined);
  });
});

/**
 * reapExpired against the fake Linode API with an injected clock: expired vs not-yet-expired
 * vs untagged instances, dry runs, local state cleanup, and exactly the expected deletes.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LinodeClient } from '../../src/linode/client.js';
import { defaultRetryPolicy } from '../../src/linode/retry.js';
import { reapExpired } from '../../src/reap/reap.js';
import { writeProjectState } from '../../src/state/project.js';
import { updateRegistry } from '../../src/state/registry.js';
import { writeSecret } from '../../src/state/secrets.js';
import type { DeploymentRecord } from '../../src/state/types.js';
import { deploymentRecord } from '../deploy/fixtures.js';
import { type Lab, startLab } from '../fake-linode/harness.js';

const now = new Date('2030-06-01T12:00:00Z');
let lab: Lab;
let client: LinodeClient;
const stateDir = () => path.join(lab.home, '.local/state/linode-build');
const readRecords = (): DeploymentRecord[] =>
  JSON.parse(readFileSync(path.join(stateDir(), 'registry.json'), 'utf8')).deployments;

const writeRecords = (records: DeploymentRecord[]) => updateRegistry(lab.env, () => records);

function seed(tags: string[], label: string) {
  return lab.fake.seedInstance({ label, region: 'us-ord', type: 'g6-standard-2', tags });
}

async function firewallFor(id: string) {
  return client.createFirewall({
    label: `lb-${id}`,
    tags: [`build-id:${id}`],
    rules: { inbound_policy: 'DROP', outbound_policy: 'ACCEPT', inbound: [], outbound: [] },
  });
}

beforeAll(async () => {
  lab = await startLab({ deleteMs: 60 });
  client = await LinodeClient.connect(lab.env);
});
afterAll(() => lab.close());
beforeEach(async () => {
  for (const instance of lab.fake.listInstances()) lab.fake.removeInstance(instance.id);
  for (const firewall of lab.fake.listFirewalls()) await client.deleteFirewall(firewall.id);
  await writeRecords([]);
});

/** Two expired deployments, one with time left, one untagged machine with an old expiry-like tag. */
async function seedMix() {
  const expired = seed(
    ['build-id:exp00001', 'build-app:chat', 'build-env:prod', 'build-expires:2030-06-01T10:00Z'],
    'chat-prod-exp00001',
  );
  const expiredElsewhere = seed(
    ['build-id:exp00002', 'build-app:llm', 'build-env:dev', 'build-expires:2030-05-31T12:00Z'],
    'llm-dev-exp00002',
  );
  const alive = seed(
    ['build-id:live0001', 'build-app:chat', 'build-env:prod', 'build-expires:2030-06-01T18:00Z'],
    'chat-prod-live0001',
  );
  const noLifetime = seed(['build-id:keep0001', 'build-app:api', 'build-env:prod'], 'api-prod-keep0001');
  const foreign = seed(['build-expires:2020-01-01T00:00Z', 'team:ml'], 'someone-elses-box');
  const firewalls = {
    expired: await firewallFor('exp00001'),
    alive: await firewallFor('live0001'),
  };
  return { expired, expiredElsewhere, alive, noLifetime, foreign, firewalls };
}

describe('reapExpired', () => {
  it('destroys only expired deployments carrying our tags, and cleans their local state', async () => {
    const seeded = await seedMix();
    const project = path.join(lab.home, 'chat-project');
    await writeProjectState(project, {
      deploymentId: 'exp00001',
      app: 'chat',
      env: 'prod',
      region: 'us-ord',
      type: 'g6-standard-2',
      createdAt: '2030-06-01T02:00:00Z',
    });
    await writeRecords([
      deploymentRecord('exp00001', { app: 'chat', linodeId: seeded.expired.id, projectDir: project }),
      deploymentRecord('live0001', { app: 'chat', linodeId: seeded.alive.id }),
    ]);
    await writeSecret(lab.env, 'exp00001', 'root-password', 'canary-pass-5d1e');
    lab.fake.clearLog();

    const destroying: string[] = [];
    const report = await reapExpired({
      env: lab.env,
      client,
      now,
      dryRun: false,
      onDestroying: (d) => destroying.push(d.id),
    });

    expect(report.expired.map((d) => d.id)).toEqual(['exp00002', 'exp00001']);
    expect(destroying).toEqual(['exp00002', 'exp00001']);
    expect(report.outcomes.every((o) => o.error === undefined)).toBe(true);
    expect(report.outcomes.map((o) => o.result)).toEqual([
      { instancesDeleted: 1, firewallsDeleted: 0, nodeBalancersDeleted: 0 },
      { instancesDeleted: 1, firewallsDeleted: 1, nodeBalancersDeleted: 0 },
    ]);

    // The fake saw exactly these deletes, nothing else.
    const deletes = lab.fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.path);
    expect(deletes.sort()).toEqual(
      [
        `/linode/instances/${seeded.expiredElsewhere.id}`,
        `/linode/instances/${seeded.expired.id}`,
        `/networking/firewalls/${seeded.firewalls.expired.id}`,
      ].sort(),
    );
    expect(
      lab.fake
        .listInstances()
        .map((i) => i.label)
        .sort(),
    ).toEqual(['api-prod-keep0001', 'chat-prod-live0001', 'someone-elses-box']);
    expect(lab.fake.listFirewalls().map((f) => f.id)).toEqual([seeded.firewalls.alive.id]);

    expect(readRecords().map((r) => r.id)).toEqual(['live0001']);
    expect(existsSync(path.join(stateDir(), 'secrets/exp00001'))).toBe(false);
    const state = JSON.parse(readFileSync(path.join(project, '.linode/state.json'), 'utf8')).envs.prod;
    expect(state.destroyedAt).toBe(now.toISOString());
  });

  it('deletes nothing on a dry run', async () => {
    await seedMix();
    lab.fake.clearLog();
    const report = await reapExpired({ env: lab.env, client, now, dryRun: true });
    expect(report.expired.map((d) => d.id)).toEqual(['exp00002', 'exp00001']);
    expect(report.outcomes).toEqual([]);
    expect(lab.fake.countRequests({ method: 'DELETE' })).toBe(0);
    expect(lab.fake.countRequests({ method: 'POST' })).toBe(0);
    expect(lab.fake.listInstances()).toHaveLength(5);
  });

  it('finds nothing before the expiry and everything tagged once all lifetimes are over', async () => {
    await seedMix();
    const before = await reapExpired({
      env: lab.env,
      client,
      now: new Date('2030-05-01T00:00:00Z'),
      dryRun: true,
    });
    expect(before.expired).toEqual([]);
    const later = await reapExpired({
      env: lab.env,
      client,
      now: new Date('2031-01-01T00:00:00Z'),
      dryRun: true,
    });
    // The untagged machine and the one without a lifetime are never candidates.
    expect(later.expired.map((d) => d.id).sort()).toEqual(['exp00001', 'exp00002', 'live0001']);
  });

  it('keeps going when one destroy fails and reports it', async () => {
    const seeded = await seedMix();
    const stubborn = new RegExp(`^/linode/instances/${seeded.expiredElsewhere.id}$`);
    for (let i = 0; i < 2; i++) lab.fake.injectOnce('server-error', { method: 'DELETE', path: stubborn });
    const twoTries = await LinodeClient.connect(lab.env, {
      policy: { ...defaultRetryPolicy, maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const report = await reapExpired({ env: lab.env, client: twoTries, now, dryRun: false });
    expect(report.outcomes.map((o) => [o.deployment.id, o.error === undefined])).toEqual([
      ['exp00002', false],
      ['exp00001', true],
    ]);
    expect(report.outcomes[0]!.error).toMatch(/deleting instance/);
    expect(lab.fake.listInstances().map((i) => i.id)).toContain(seeded.expiredElsewhere.id);
    expect(lab.fake.listInstances().map((i) => i.id)).not.toContain(seeded.expired.id);
  });
});

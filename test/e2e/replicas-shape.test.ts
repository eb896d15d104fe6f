/**
 * One instance → 3 replicas → one instance, end to end with the built CLI and the fake API.
 * Each change is a new deployment (new id) built while the old one serves, then the old one is
 * destroyed; the public address changes and deploy says so. Sampled every 20 ms: something
 * serves throughout (the old instance, or the NodeBalancer with its backends accepting), and at
 * the end nothing is left but what the final shape needs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../fake-linode/harness.js';
import { buildIdOf, readRegistry } from '../reliability/support.js';
import { appTemplateYml } from '../support/app-template.js';

describe('one instance ↔ replicas', () => {
  let lab: Lab;
  let project: string;
  beforeAll(async () => {
    lab = await startLab({ provisionMs: 30, bootMs: 30, deleteMs: 30 });
    project = await lab.project('shape', 'embeddings-python');
    writeFileSync(path.join(project, 'deploy.yml'), appTemplateYml({ name: 'shape-app', greeting: false }));
  });
  afterAll(() => lab?.close());

  const env = { LINODE_BUILD_POLL_MS: '20', LINODE_BUILD_DRAIN_SECONDS: '0' };
  const deploy = (...extra: string[]) =>
    lab.run(['deploy', '--yes', '--json', ...extra], { cwd: project, env });
  const live = () => lab.fake.listInstances().filter((instance) => instance.status !== 'deleting');
  const ids = () => new Set(live().map((instance) => buildIdOf(instance.tags)));
  /** Healthy accepting backends of every NodeBalancer, plus running single instances. */
  const serving = () => {
    const backends = lab.fake.nodeBalancers
      .list()
      .flatMap((balancer) => lab.fake.nodeBalancers.configsOf(balancer.id).flatMap((config) => config.nodes))
      .filter((node) => node.mode === 'accept' && node.status === 'UP').length;
    const singles = live().filter(
      (instance) =>
        instance.status === 'running' && !instance.tags.some((tag) => tag.startsWith('build-replica:')),
    ).length;
    return backends + singles;
  };
  const sampled = async (run: () => Promise<{ code: number; stdout: string; stderr: string }>) => {
    const seen: number[] = [];
    const timer = setInterval(() => seen.push(serving()), 20);
    try {
      return { result: await run(), seen };
    } finally {
      clearInterval(timer);
    }
  };
  const plan = async (...args: string[]) => {
    const json = await lab.run(['plan', '--json', ...args], { cwd: project, env });
    const text = await lab.run(['plan', ...args], { cwd: project, env });
    expect(json.code, json.stderr).toBe(0);
    expect(text.code, text.stderr).toBe(0);
    return { json: JSON.parse(json.stdout), text: text.stdout };
  };
  const projectState = () =>
    JSON.parse(readFileSync(path.join(project, '.linode/state.json'), 'utf8')) as {
      envs: Record<string, { deploymentId: string; ipv4?: string }>;
    };

  it('1 → 3 → 1: the new shape serves before the old one goes; the address change is said; nothing leaks', {
    timeout: 120_000,
  }, async () => {
    const first = await deploy('--ttl', '5h');
    expect(first.code, first.stderr).toBe(0);
    const single = JSON.parse(first.stdout) as { id: string; ipv4: string; expiresAt: string };
    expect(single.expiresAt).toBeTruthy();
    expect(live()).toHaveLength(1);

    // plan says what changes: a new deployment in the other shape, at the new total.
    const planUp = await plan('--replicas', '3');
    expect(planUp.json.deployment).toMatchObject({
      id: single.id,
      replicas: { from: 1, to: 3, kind: 'to-replicas' },
    });
    expect(planUp.json.cost.total).toEqual({ hourly: 0.123, monthly: 88.84 });
    expect(planUp.text).toMatch(
      /± replicas\s+1 → 3\s+\(a new deployment: a NodeBalancer and 3 replicas; the public address becomes the NodeBalancer's; \w+ is deleted once they serve\)/,
    );
    expect(planUp.text).toContain(
      'Result: ± new deployment in the other shape (3 replicas behind a NodeBalancer, new public address)',
    );
    expect(planUp.text).toContain('= everything else unchanged');

    // Without --yes and no terminal: refused before anything, naming what it would do.
    const unasked = await lab.run(['deploy', '--replicas', '3'], { cwd: project, env });
    expect(unasked.code).toBe(2);
    expect(unasked.stderr).toContain('refusing to create billed Linode instances and a NodeBalancer');
    expect(unasked.stderr).toContain('public address changes from');
    expect(lab.fake.nodeBalancers.list()).toEqual([]);

    // 1 → 3.
    const up = await sampled(() => deploy('--replicas', '3'));
    expect(up.result.code, up.result.stderr).toBe(0);
    const replicated = JSON.parse(up.result.stdout) as {
      id: string;
      ipv4: string;
      replicas: number;
      result: string;
      addressChange: { replaced: string; from: string; to: string };
    };
    const [balancer] = lab.fake.nodeBalancers.list();
    expect(replicated).toMatchObject({ result: 'scaled', replicas: 3, ipv4: balancer!.ipv4 });
    expect(replicated.id).not.toBe(single.id);
    expect(replicated.addressChange).toEqual({ replaced: single.id, from: single.ipv4, to: balancer!.ipv4 });
    // The new deployment keeps the lifetime the old one was given (--ttl not repeated).
    expect(JSON.parse(up.result.stdout).expiresAt).toBe(single.expiresAt);
    expect(Math.min(...up.seen), 'something served at every sample').toBeGreaterThanOrEqual(1);
    // Exactly what 3 replicas need, all the new deployment's.
    expect([...ids()]).toEqual([replicated.id]);
    expect(live()).toHaveLength(3);
    expect(lab.fake.nodeBalancers.list()).toHaveLength(1);
    expect(lab.fake.listFirewalls()).toHaveLength(2);
    expect(
      lab.fake.listFirewalls().every((firewall) => firewall.tags.includes(`build-id:${replicated.id}`)),
    ).toBe(true);
    expect(lab.fake.placementGroups.list()).toHaveLength(1);
    expect(
      lab.fake.nodeBalancers
        .configsOf(balancer!.id)
        .flatMap((config) => config.nodes)
        .map((node) => `${node.mode}/${node.status}`),
    ).toEqual(['accept/UP', 'accept/UP', 'accept/UP']);
    expect(readRegistry(lab.home).map((record) => [record.id, record.replaces])).toEqual([
      [replicated.id, undefined],
    ]);
    expect(projectState().envs.default).toMatchObject({ deploymentId: replicated.id, ipv4: balancer!.ipv4 });

    lab.fake.clearLog();
    const same = await deploy('--replicas', '3');
    expect(JSON.parse(same.stdout)).toMatchObject({ result: 'unchanged', id: replicated.id });
    expect(lab.fake.mutatingRequests()).toEqual([]);

    // A new count and an API-level change (the --ttl expiry tag) in one deploy: the new replica
    // is created with the tag, the others get it through the API (the NodeBalancer and the
    // firewalls carry only the deployment's first four tags, as a single instance's firewall).
    const expiryTags = () =>
      new Set(live().flatMap((item) => item.tags.filter((tag) => tag.startsWith('build-expires:'))));
    expect(expiryTags().size, 'every replica carries the one inherited expiry').toBe(1);
    const before = [...expiryTags()][0];
    const tagged = await deploy('--replicas', '4', '--ttl', '9h');
    expect(tagged.code, tagged.stderr).toBe(0);
    expect(JSON.parse(tagged.stdout)).toMatchObject({ result: 'scaled', replicas: 4, id: replicated.id });
    expect(live()).toHaveLength(4);
    expect(expiryTags().size, 'all 4 carry the new expiry').toBe(1);
    expect([...expiryTags()][0]).not.toBe(before);
    const settledPlan = await plan('--replicas', '4', '--ttl', '9h');
    expect(settledPlan.json.deployment).toMatchObject({ action: 'unchanged', replicas: null });
    expect((await deploy('--replicas', '3', '--ttl', '9h')).code).toBe(0);

    // plan of a scale within replicas, and of the way back to one instance (priced: one instance).
    const planScale = await plan('--replicas', '5');
    expect(planScale.json.deployment.replicas).toEqual({ from: 3, to: 5, kind: 'scale' });
    expect(planScale.text).toMatch(/~ replicas\s+3 → 5\s+\(2 new replicas join once healthy\)/);
    expect(planScale.text).toContain('Result: ~ scale from 3 to 5 replicas');
    const planDown = await plan('--replicas', '1');
    expect(planDown.json.deployment.replicas).toEqual({ from: 3, to: 1, kind: 'to-single' });
    expect(planDown.json.cost.total).toEqual({ hourly: 0.036, monthly: 26.28 });
    expect(planDown.text).toMatch(/± replicas\s+3 → 1\s+\(a new deployment: one instance;/);
    expect(planDown.text).toMatch(/total\s+\$0\.036\s+\$26\.28/);

    // 3 → 1, in text: the address change is said.
    const down = await sampled(() =>
      lab.run(['deploy', '--yes', '--replicas', '1', '--wait'], { cwd: project, env }),
    );
    expect(down.result.code, down.result.stderr).toBe(0);
    expect(Math.min(...down.seen), 'something served at every sample').toBeGreaterThanOrEqual(1);
    const [back] = live();
    expect(live()).toHaveLength(1);
    expect(buildIdOf(back!.tags)).not.toBe(replicated.id);
    expect(down.result.stdout).toContain(
      `The public address changed from ${balancer!.ipv4} to ${back!.ipv4[0]}; ${replicated.id} (the old deployment) was deleted.`,
    );
    expect(down.result.stdout).toMatch(/Scaled \w+ to one instance/);
    expect(lab.fake.nodeBalancers.list()).toEqual([]);
    expect(lab.fake.placementGroups.list()).toEqual([]);
    expect(lab.fake.listFirewalls()).toHaveLength(1);
    expect(readRegistry(lab.home).map((record) => record.id)).toEqual([buildIdOf(back!.tags)]);
    expect(projectState().envs.default).toMatchObject({
      deploymentId: buildIdOf(back!.tags),
      ipv4: back!.ipv4[0],
    });

    lab.fake.clearLog();
    const still = await deploy();
    expect(JSON.parse(still.stdout)).toMatchObject({ result: 'unchanged' });
    expect(lab.fake.mutatingRequests()).toEqual([]);

    expect((await lab.run(['destroy', '--yes'], { cwd: project })).code).toBe(0);
    expect(live()).toEqual([]);
    expect(lab.fake.listFirewalls()).toEqual([]);
  });
  it('a new deployment taking over (--replace too) keeps the --ttl expiry the old one was given', {
    timeout: 60_000,
  }, async () => {
    const first = await lab.run(['deploy', '--yes', '--json', '--env', 'kept', '--ttl', '6h'], {
      cwd: project,
      env,
    });
    expect(first.code, first.stderr).toBe(0);
    const expiresAt = JSON.parse(first.stdout).expiresAt as string;
    expect(expiresAt).toBeTruthy();
    const replaced = await lab.run(
      ['deploy', '--yes', '--json', '--env', 'kept', '--replace', '--type', 'g6-standard-4'],
      {
        cwd: project,
        env,
      },
    );
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(JSON.parse(replaced.stdout)).toMatchObject({ result: 'replaced', expiresAt });
    expect((await lab.run(['destroy', '--yes', '--env', 'kept'], { cwd: project })).code).toBe(0);
  });
});

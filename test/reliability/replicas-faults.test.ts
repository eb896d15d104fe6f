/**
 * Replicas under 30 % API faults (429, 5xx, dropped connections before and after the change):
 * deploy of 3 replicas, scale to 5, scale to 2 and destroy; and one instance → 3 replicas → one
 * instance → destroy — each command run again while it fails, as a user would. The final state
 * is exact at every step and nothing leaks.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../fake-linode/harness.js';
import { appTemplateYml } from '../support/app-template.js';

const yml = appTemplateYml({ name: 'faulty-replicas', greeting: false }).replace(
  '    region_default: us-ord\n',
  '    region_default: us-ord\n    replicas: 3\n',
);

let lab: Lab;
beforeAll(async () => {
  lab = await startLab({
    provisionMs: 30,
    bootMs: 30,
    deleteMs: 30,
    faults: { rate: 0.3, maxConsecutive: 3, retryAfterSeconds: 1 },
    seed: 4321,
  });
});
afterAll(() => lab.close());

/** Runs the command until it succeeds (at most 6 times), as a user re-running it would. */
async function untilDoneIn(project: string, args: string[]) {
  const env = { LINODE_BUILD_POLL_MS: '20', LINODE_BUILD_DRAIN_SECONDS: '0' };
  for (let attempt = 1; ; attempt++) {
    const result = await lab.run(args, { cwd: project, env, timeoutMs: 180_000 });
    if (result.code === 0) return result;
    expect(result.stderr, 'a failure says what went wrong').toMatch(/Error: /);
    expect(attempt, `${args.join(' ')} kept failing: ${result.stderr}`).toBeLessThan(6);
  }
}

describe('replicas under 30 % API faults', () => {
  it('deploy 3 → 5 → 2 → destroy ends exact, with nothing left behind', { timeout: 600_000 }, async () => {
    const project = await lab.project('faulty-replicas', 'embeddings-python');
    writeFileSync(path.join(project, 'deploy.yml'), yml);
    const untilDone = (args: string[]) => untilDoneIn(project, args);
    const live = () => lab.fake.listInstances().filter((instance) => instance.status !== 'deleting');
    const expectExact = (replicas: number) => {
      expect(live()).toHaveLength(replicas);
      const balancers = lab.fake.nodeBalancers.list();
      expect(balancers).toHaveLength(1);
      const nodes = lab.fake.nodeBalancers.configsOf(balancers[0]!.id).flatMap((config) => config.nodes);
      expect(nodes.map((node) => `${node.mode}/${node.status}`)).toEqual(Array(replicas).fill('accept/UP'));
      expect(lab.fake.listFirewalls()).toHaveLength(2);
      expect(lab.fake.placementGroups.list()).toHaveLength(1);
    };

    lab.fake.injectOnce('drop-after', { method: 'POST', path: /^\/linode\/instances$/ });
    lab.fake.injectOnce('drop-after', { method: 'POST', path: /^\/nodebalancers$/ });
    await untilDone(['deploy', '--yes', '--json']);
    expectExact(3);
    await untilDone(['deploy', '--yes', '--json', '--replicas', '5']);
    expectExact(5);
    await untilDone(['deploy', '--yes', '--json', '--replicas', '2']);
    expectExact(2);
    expect(lab.fake.requests.some((entry) => entry.fault !== undefined)).toBe(true);

    await untilDone(['destroy', '--yes']);
    expect(live()).toEqual([]);
    expect(lab.fake.nodeBalancers.list()).toEqual([]);
    expect(lab.fake.listFirewalls()).toEqual([]);
    expect(lab.fake.placementGroups.list()).toEqual([]);
  });

  it('one instance → 3 replicas → one instance → destroy ends exact, with nothing left behind', {
    timeout: 600_000,
  }, async () => {
    const project = await lab.project('faulty-shape', 'embeddings-python');
    writeFileSync(
      path.join(project, 'deploy.yml'),
      appTemplateYml({ name: 'faulty-shape', greeting: false }),
    );
    const untilDone = (args: string[]) => untilDoneIn(project, args);
    const live = () => lab.fake.listInstances().filter((instance) => instance.status !== 'deleting');
    const idsOf = (items: readonly { tags: readonly string[] }[]) =>
      new Set(items.map((item) => item.tags.find((tag) => tag.startsWith('build-id:'))));

    await untilDone(['deploy', '--yes', '--json']);
    expect(live()).toHaveLength(1);
    // A lost answer to the NodeBalancer's and a replica's create, on top of the random faults.
    lab.fake.injectOnce('drop-after', { method: 'POST', path: /^\/nodebalancers$/ });
    lab.fake.injectOnce('drop-after', { method: 'POST', path: /^\/linode\/instances$/ });
    await untilDone(['deploy', '--yes', '--json', '--replicas', '3']);
    expect(live()).toHaveLength(3);
    const [balancer, ...moreBalancers] = lab.fake.nodeBalancers.list();
    expect(moreBalancers).toEqual([]);
    const nodes = lab.fake.nodeBalancers.configsOf(balancer!.id).flatMap((config) => config.nodes);
    expect(nodes.map((node) => `${node.mode}/${node.status}`)).toEqual(Array(3).fill('accept/UP'));
    expect(lab.fake.listFirewalls()).toHaveLength(2);
    expect(lab.fake.placementGroups.list()).toHaveLength(1);
    expect(idsOf([...live(), ...lab.fake.listFirewalls()]).size, 'one deployment left').toBe(1);

    await untilDone(['deploy', '--yes', '--json', '--replicas', '1']);
    expect(live()).toHaveLength(1);
    expect(lab.fake.nodeBalancers.list()).toEqual([]);
    expect(lab.fake.listFirewalls()).toHaveLength(1);
    expect(lab.fake.placementGroups.list()).toEqual([]);
    expect(idsOf([...live(), ...lab.fake.listFirewalls()]).size, 'one deployment left').toBe(1);

    await untilDone(['destroy', '--yes']);
    expect(live()).toEqual([]);
    expect(lab.fake.listFirewalls()).toEqual([]);
  });
});

/**
 * `deploy --replace` on a deployment with replicas, end to end with the built CLI and the fake
 * Linode API: a machine-level change (the plan type) is refused without --replace; with it,
 * every replica gets a new instance that joins the NodeBalancer once healthy before the old
 * one is drained and deleted, so the healthy backends (accepting and UP) never drop below
 * N − max-unavailable at any sampled moment; a new instance that never becomes healthy stops
 * the roll, is deleted, and the old one keeps serving.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import statusSchema from '../../schema/status.schema.json';
import { type Lab, startLab } from '../fake-linode/harness.js';
import { readRegistry } from '../reliability/support.js';
import { appTemplateYml } from '../support/app-template.js';

const validateStatus = new Ajv({ strict: true, allErrors: true }).compile(statusSchema);

function deployYml(type: string, replicas = 3): string {
  return appTemplateYml({ name: 'replace-replicas', greeting: false })
    .replace('    region_default: us-ord\n', `    region_default: us-ord\n    replicas: ${replicas}\n`)
    .replace('type_default: g6-standard-2', `type_default: ${type}`);
}

describe('deploy --replace on 3 replicas', () => {
  let lab: Lab;
  let project: string;
  const env = { LINODE_BUILD_DRAIN_SECONDS: '0', LINODE_BUILD_POLL_MS: '20' };

  beforeAll(async () => {
    lab = await startLab({ provisionMs: 60, bootMs: 60, deleteMs: 60 });
    project = await lab.project('replace', 'embeddings-python');
  });
  afterAll(async () => {
    await lab?.close();
  });

  const live = () => lab.fake.listInstances().filter((instance) => instance.status !== 'deleting');
  const deploy = (...extra: string[]) =>
    lab.run(['deploy', '--yes', '--json', ...extra], { cwd: project, env });
  const nodes = () =>
    lab.fake.nodeBalancers
      .list()
      .flatMap((balancer) => lab.fake.nodeBalancers.configsOf(balancer.id).flatMap((config) => config.nodes));
  const serving = () => nodes().filter((node) => node.mode === 'accept' && node.status === 'UP').length;

  it('refuses a type change without --replace, then rolls new instances in without dropping a backend', async () => {
    writeFileSync(path.join(project, 'deploy.yml'), deployYml('g6-standard-2'));
    const created = await deploy();
    expect(created.code, created.stderr).toBe(0);
    const before = live();
    expect(before.map((instance) => instance.type)).toEqual([
      'g6-standard-2',
      'g6-standard-2',
      'g6-standard-2',
    ]);
    const id = readRegistry(lab.home)[0]!.id;
    const rootPasses = () =>
      lab.fake.requests
        .filter((entry) => entry.method === 'POST' && entry.path === '/linode/instances')
        .map((entry) => (entry.body as { root_pass?: string }).root_pass);
    const [rootPass] = rootPasses();
    expect(rootPass).toMatch(/^\S{20,}$/);
    const freshLabels = before.map((instance) => instance.label).sort();
    const freshTags = before.map((instance) => [...instance.tags].sort().join(' ')).sort();

    writeFileSync(path.join(project, 'deploy.yml'), deployYml('g6-standard-4'));
    lab.fake.clearLog();
    const planned = await lab.run(['plan'], { cwd: project, env });
    expect(planned.stdout).toMatch(/± type\s+g6-standard-2 → g6-standard-4/);
    expect(planned.stdout).toContain('Result: ± replace: each of the 3 replicas gets a new instance');
    const refused = await deploy();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('(type)');
    expect(refused.stderr).toContain("Run 'linode-build deploy --replace'");
    expect(lab.fake.mutatingRequests()).toEqual([]);

    const low: number[] = [];
    const watch = setInterval(() => low.push(serving()), 10);
    const replaced = await deploy('--replace');
    clearInterval(watch);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(JSON.parse(replaced.stdout)).toMatchObject({ result: 'replaced', replicas: 3 });
    // The new instances get the deployment's recorded root password, never a placeholder.
    expect(rootPasses()).toEqual([rootPass, rootPass, rootPass]);
    expect(low.length).toBeGreaterThan(10);
    // The bound is N − max-unavailable (2); surge keeps all N serving: the old backend
    // is drained only once its new one accepts traffic and is UP.
    expect(Math.min(...low)).toBeGreaterThanOrEqual(3);

    const after = live();
    expect(after.map((instance) => instance.type)).toEqual([
      'g6-standard-4',
      'g6-standard-4',
      'g6-standard-4',
    ]);
    const oldIds = new Set(before.map((instance) => instance.id));
    expect(after.some((instance) => oldIds.has(instance.id))).toBe(false);
    // Exactly the 3 new private addresses serve, under the canonical backend labels.
    const privateOf = (instance: (typeof after)[number]) =>
      instance.ipv4.find((a) => a.startsWith('192.168.'));
    expect(
      nodes()
        .map((node) => `${node.label}@${node.address.split(':')[0]}:${node.mode}/${node.status}`)
        .sort(),
    ).toEqual(
      after
        .map((instance) => {
          const index = instance.label.slice(instance.label.lastIndexOf('-') + 1);
          return `${id}-r${index}@${privateOf(instance)}:accept/UP`;
        })
        .sort(),
    );
    // Like a fresh deployment: the same labels and tags, in the placement group.
    expect(after.map((instance) => instance.label).sort()).toEqual(freshLabels);
    expect(after.map((instance) => [...instance.tags].sort().join(' ')).sort()).toEqual(freshTags);
    expect(
      lab.fake.placementGroups
        .list()[0]!
        .members.map((member) => member.linode_id)
        .sort(),
    ).toEqual(after.map((instance) => instance.id).sort());
    const record = readRegistry(lab.home).find((item) => item.id === id)!;
    expect(record.type).toBe('g6-standard-4');
    expect(record.scale?.replacing).toBeUndefined();
    expect(record.scale?.members.map((member) => member.linodeId).sort()).toEqual(
      after.map((instance) => instance.id).sort(),
    );
    expect(record.scale?.members.some((member) => member.replacement)).toBe(false);

    // Converged: the next deploy changes nothing.
    lab.fake.clearLog();
    const again = await deploy();
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ result: 'unchanged' });
    expect(lab.fake.mutatingRequests()).toEqual([]);
  });

  it('a new instance that never becomes healthy stops the roll: it is deleted, the old one serves on', async () => {
    const id = readRegistry(lab.home)[0]!.id;
    writeFileSync(path.join(project, 'deploy.yml'), deployYml('g6-standard-2'));
    // Replica 2's new instance (while it carries its surge tag) never answers the check.
    lab.fake.nodeBalancers.setBackendHealth((instance) => !instance.tags.includes(`build-replacing:${id}-2`));
    const before = live();
    const low: number[] = [];
    const watch = setInterval(() => low.push(serving()), 10);
    const stopped = await deploy('--replace', '--timeout', '3');
    clearInterval(watch);
    lab.fake.nodeBalancers.setBackendHealth(undefined);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/replica 2\/3's new instance \d+ did not pass the NodeBalancer's check/);
    expect(stopped.stderr).toContain('Replica 1 runs the new plan (g6-standard-2)');
    expect(stopped.stderr).toContain('replicas 2, 3 run the previous one (g6-standard-4)');
    expect(Math.min(...low)).toBeGreaterThanOrEqual(3);

    // Nothing leaked: 3 instances, replica 1 on the new type, 2 and 3 the same instances as before.
    const after = live();
    expect(after).toHaveLength(3);
    const byIndex = (list: typeof after, index: number) =>
      list.find((instance) => instance.label.endsWith(`-${index}`))!;
    expect(byIndex(after, 1).type).toBe('g6-standard-2');
    expect(byIndex(after, 2).id).toBe(byIndex(before, 2).id);
    expect(byIndex(after, 3).id).toBe(byIndex(before, 3).id);
    expect(
      nodes()
        .map((node) => `${node.label}:${node.mode}/${node.status}`)
        .sort(),
    ).toEqual([`${id}-r1:accept/UP`, `${id}-r2:accept/UP`, `${id}-r3:accept/UP`]);
    const record = readRegistry(lab.home).find((item) => item.id === id)!;
    expect(record.type).toBe('g6-standard-4');
    expect(record.scale?.replacing?.done).toEqual([1]);

    // status tells the stop apart from a cut-short run, and says who runs what and what finishes it.
    const listing = await lab.run(['status', '--all'], { cwd: project, env });
    expect(listing.stdout.split('\n').find((line) => line.includes(id))).toContain('(replace stopped)');
    const detail = await lab.run(['status', id], { cwd: project, env });
    const replaceLine = detail.stdout.split('\n').find((line) => line.startsWith('  Replace:')) ?? '';
    expect(replaceLine).toContain(
      "stopped at replica 2 (its new instance failed the NodeBalancer's check on /health for 3s; it was deleted)",
    );
    expect(replaceLine).toContain(
      'replica 1 runs the new plan (g6-standard-2), replicas 2, 3 the previous one (g6-standard-4)',
    );
    expect(replaceLine).toContain('No new instance is billed beside an old one.');
    expect(replaceLine).toContain("Run 'linode-build deploy --replace' to finish");
    const json = JSON.parse((await lab.run(['status', id, '--json'], { cwd: project, env })).stdout);
    expect(validateStatus(json), JSON.stringify(validateStatus.errors)).toBe(true);
    expect(json[0].unfinishedReplace).toMatchObject({
      type: 'g6-standard-2',
      previousType: 'g6-standard-4',
      replaced: [1],
      remaining: [2, 3],
      newInstances: [],
      stopped: { replica: 2 },
    });
    expect(json[0].unfinishedRollSince).toBeUndefined();

    const planned = await lab.run(['plan'], { cwd: project, env });
    expect(planned.stdout).toContain('a replace did not finish: replica 1 of 3 runs g6-standard-2');

    // Without --replace the next deploy says what runs where; with it, it finishes 2 and 3 only.
    const refused = await deploy();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('a replace of');
    expect(refused.stderr).toContain('replica 1 runs the new plan');
    const finished = await deploy('--replace');
    expect(finished.code, finished.stderr).toBe(0);
    expect(byIndex(live(), 1).id).toBe(byIndex(after, 1).id);
    expect(live().map((instance) => instance.type)).toEqual([
      'g6-standard-2',
      'g6-standard-2',
      'g6-standard-2',
    ]);
    expect(readRegistry(lab.home).find((item) => item.id === id)?.scale?.replacing).toBeUndefined();
    const done = await lab.run(['status', id], { cwd: project, env });
    expect(done.stdout).not.toContain('Replace:');
    expect(done.stdout).not.toContain('(replace');

    expect((await lab.run(['destroy', '--yes'], { cwd: project })).code).toBe(0);
    expect(lab.fake.listInstances().filter((instance) => instance.status !== 'deleting')).toEqual([]);
    expect(lab.fake.nodeBalancers.list()).toEqual([]);
  });

  it('--max-unavailable 2 replaces two at a time; each new instance takes its replica’s place in the placement group', async () => {
    // us-ord holds 5 instances per group (in the fake, as on Linode): 5 replicas fill it and a 6th,
    // added by a scale-up, lives outside. The new instances of replicas 1–5 are made outside
    // the full group and assigned once their old ones left; replica 6's stays outside.
    writeFileSync(path.join(project, 'deploy.yml'), deployYml('g6-standard-2', 5));
    expect((await deploy()).code).toBe(0);
    writeFileSync(path.join(project, 'deploy.yml'), deployYml('g6-standard-2', 6));
    const scaled = await deploy();
    expect(scaled.code, scaled.stderr).toBe(0);
    expect(live()).toHaveLength(6);
    writeFileSync(path.join(project, 'deploy.yml'), deployYml('g6-standard-4', 6));
    const low: number[] = [];
    const counts: number[] = [];
    const watch = setInterval(() => {
      low.push(serving());
      counts.push(live().length);
    }, 10);
    const replaced = await deploy('--replace', '--max-unavailable', '2');
    clearInterval(watch);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(Math.min(...low)).toBeGreaterThanOrEqual(6);
    // Two new instances beside the six at the peak, never more.
    expect(Math.max(...counts)).toBe(8);
    const after = live();
    expect(after.map((instance) => instance.type)).toEqual(Array(6).fill('g6-standard-4'));
    const [group] = lab.fake.placementGroups.list();
    expect(group!.members.map((member) => member.linode_id).sort()).toEqual(
      after
        .filter((instance) => !instance.label.endsWith('-6'))
        .map((instance) => instance.id)
        .sort(),
    );
    expect(serving()).toBe(6);
    expect((await lab.run(['destroy', '--yes'], { cwd: project })).code).toBe(0);
    expect(live()).toEqual([]);
  });
});

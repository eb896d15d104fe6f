/**
 * Scaling a deployment with a placement group past the region's limit on members per group
 * (the fake, like Linode, refuses a Linode in a full group: `maximum_linodes_per_pg` is 5 in
 * every fake region): the built CLI plans it (which replicas stay outside, from the public
 * regions list, read without credentials), deploys it (the new replicas above the limit are
 * created outside the group, said in one step line) and removes it all.
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../fake-linode/harness.js';
import { appTemplateYml } from '../support/app-template.js';

describe('scale-up past the placement group limit', () => {
  let lab: Lab;
  let project: string;

  beforeAll(async () => {
    lab = await startLab({ provisionMs: 50, bootMs: 50, deleteMs: 50 });
    project = await lab.project('grouped', 'embeddings-python');
    writeFileSync(
      path.join(project, 'deploy.yml'),
      appTemplateYml({ greeting: false }).replace(
        '    region_default: us-ord\n',
        '    region_default: us-ord\n    replicas: 3\n',
      ),
    );
  });
  afterAll(async () => {
    await lab?.close();
  });

  const live = () => lab.fake.listInstances().filter((instance) => instance.status !== 'deleting');
  const index = (label: string) => Number(/-(\d+)$/.exec(label)?.[1]);

  it('keeps replicas 1–5 in the group and creates 6 and 7 outside it; plan says so first', {
    timeout: 120_000,
  }, async () => {
    const env = { LINODE_BUILD_DRAIN_SECONDS: '0' };
    const created = await lab.run(['deploy', '--yes', '--json'], { cwd: project, env });
    expect(created.code, created.stderr).toBe(0);
    const [group] = lab.fake.placementGroups.list();
    expect(group!.members).toHaveLength(3);

    // plan, with no credentials at all: the region's limit comes from the public regions list
    // (its day-long cache, written by the deploy, removed so that plan reads it).
    for (const file of readdirSync(lab.home, { recursive: true, encoding: 'utf8' })) {
      if (/(^|\/)regions-[0-9a-f]+\.json$/.test(file)) rmSync(path.join(lab.home, file));
    }
    lab.fake.clearLog();
    const noToken = { LINODE_TOKEN: '', LINODE_CLI_TOKEN: '' };
    const planned = await lab.run(['plan', '--replicas', '7', '--json'], { cwd: project, env: noToken });
    expect(planned.code, planned.stderr).toBe(0);
    expect(JSON.parse(planned.stdout).scale.placement).toEqual({
      group: true,
      groupedUpTo: 5,
      outside: [6, 7],
      maxInstances: 5,
    });
    expect(lab.fake.requests.some((entry) => entry.path === '/regions')).toBe(true);
    expect(lab.fake.requests.every((entry) => entry.authorization === undefined)).toBe(true);
    const text = await lab.run(['plan', '--replicas', '7'], { cwd: project, env: noToken });
    expect(text.stdout).toMatch(
      /placement group \S+\s+anti-affinity for replicas 1–5 only: the region holds at most 5 per group, so replicas 6, 7 are created outside it/,
    );
    const replicaRow = (k: number) =>
      text.stdout.split('\n').find((line) => new RegExp(`replica ${k} \\S+-${k}\\s`).test(line)) ?? '';
    for (const k of [6, 7]) expect(replicaRow(k)).toContain('outside the placement group (full)');
    for (const k of [1, 5]) {
      expect(replicaRow(k)).toContain('once booted and healthy');
      expect(replicaRow(k)).not.toContain('outside');
    }
    // Within the limit every replica is in the group, and the text says nothing of a limit.
    const within = await lab.run(['plan', '--replicas', '5', '--json'], { cwd: project, env: noToken });
    expect(JSON.parse(within.stdout).scale.placement).toMatchObject({ groupedUpTo: 5, outside: [] });
    const withinText = await lab.run(['plan', '--replicas', '5'], { cwd: project, env: noToken });
    expect(withinText.stdout).toMatch(/placement group \S+\s+anti-affinity \(replicas on different hosts\)/);
    expect(withinText.stdout).not.toContain('created outside');

    // deploy: 7 replicas, 5 in the group, 6 and 7 outside it, every backend serving.
    const up = await lab.run(['deploy', '--yes', '--json', '--replicas', '7'], { cwd: project, env });
    expect(up.code, up.stderr).toBe(0);
    expect(JSON.parse(up.stdout)).toMatchObject({ result: 'scaled', replicas: 7 });
    expect(
      up.stderr.match(/holds at most 5 instances per placement group: replicas 6, 7 are created outside/g),
    ).toHaveLength(1);
    expect(live()).toHaveLength(7);
    const members = lab.fake.placementGroups.list()[0]!.members.map((member) => member.linode_id);
    const inGroup = live()
      .filter((instance) => members.includes(instance.id))
      .map((instance) => index(instance.label))
      .sort();
    expect(inGroup).toEqual([1, 2, 3, 4, 5]);
    const outside = live().filter((instance) => !members.includes(instance.id));
    expect(outside.map((instance) => index(instance.label)).sort()).toEqual([6, 7]);
    expect(outside.every((instance) => !instance.placement_group)).toBe(true);
    const [balancer] = lab.fake.nodeBalancers.list();
    const nodes = lab.fake.nodeBalancers.configsOf(balancer!.id).flatMap((config) => config.nodes);
    expect(nodes.filter((node) => node.mode === 'accept')).toHaveLength(7);

    // Nothing left to do; then down to 2 and destroy: the group and everything else go.
    const again = await lab.run(['deploy', '--yes', '--json', '--replicas', '7'], { cwd: project, env });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ result: 'unchanged' });
    const down = await lab.run(['deploy', '--yes', '--json', '--replicas', '2'], { cwd: project, env });
    expect(down.code, down.stderr).toBe(0);
    expect(lab.fake.placementGroups.list()[0]!.members).toHaveLength(2);
    const destroyed = await lab.run(['destroy', '--yes'], { cwd: project });
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(live()).toEqual([]);
    expect(lab.fake.placementGroups.list()).toEqual([]);
    expect(lab.fake.nodeBalancers.list()).toEqual([]);
  });
});

/**
 * `deploy --replace` over 3 replicas killed with SIGKILL at every step that changes something
 * on Linode, at the moment the change was made but its answer not received. Before anything
 * billed is created the record says so (a replacement in flight); every instance carries the
 * deployment's `build-id:` tag (destroy and reap find it). The next `deploy --replace` finishes
 * the roll: exactly 3 instances of the new type with a fresh deployment's labels and tags, the
 * NodeBalancer's backends exactly their 3 private addresses, accepting and UP, no mark left; and
 * the deploy after changes nothing. A kill followed by undoing the change settles it instead
 * (the new instance deleted, the old one serving), and destroy right after a kill leaves nothing.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../fake-linode/harness.js';
import { appTemplateYml } from '../support/app-template.js';
import { buildIdOf, killAt, readRegistry, replicatedResources, startCli } from './support.js';

function yml(type: string): string {
  return appTemplateYml({ name: 'killed-replace', greeting: false })
    .replace('    region_default: us-ord\n', '    region_default: us-ord\n    replicas: 3\n')
    .replace('type_default: g6-standard-2', `type_default: ${type}`);
}

const node = /^\/nodebalancers\/\d+\/configs\/\d+\/nodes\/\d+$/;
const steps = [
  { name: 'create the new instance', method: 'POST', path: /^\/linode\/instances$/ },
  { name: 'add its backend', method: 'POST', path: /^\/nodebalancers\/\d+\/configs\/\d+\/nodes$/ },
  { name: 'accept its backend', method: 'PUT', path: node },
  { name: 'drain the old backend', method: 'PUT', path: node, skip: 1 },
  { name: 'remove the old backend', method: 'DELETE', path: node },
  { name: 'delete the old instance', method: 'DELETE', path: /^\/linode\/instances\/\d+$/ },
  { name: 'rename the new instance', method: 'PUT', path: /^\/linode\/instances\/\d+$/ },
  { name: 'rename its backend', method: 'PUT', path: node, skip: 2 },
];

const env = { LINODE_BUILD_POLL_MS: '20', LINODE_BUILD_DRAIN_SECONDS: '0' };

let lab: Lab;
beforeAll(async () => {
  lab = await startLab({ provisionMs: 30, bootMs: 30, deleteMs: 30 });
});
afterAll(() => lab.close());

const onLinode = (envName: string) => replicatedResources(lab, envName);

/** A deployment of 3 g6-standard-2 replicas, deploy.yml then asking for g6-standard-4. */
async function deployed(name: string) {
  const project = await lab.project(`replace-kill-${name}`, 'embeddings-python');
  writeFileSync(path.join(project, 'deploy.yml'), yml('g6-standard-2'));
  const deploy = ['deploy', '--yes', '--json', '--env', name];
  const created = await lab.run(deploy, { cwd: project, env });
  expect(created.code, created.stderr).toBe(0);
  const fresh = onLinode(name).instances;
  const id = buildIdOf(fresh[0]!.tags)!;
  writeFileSync(path.join(project, 'deploy.yml'), yml('g6-standard-4'));
  return { project, deploy, fresh, id };
}

describe('deploy --replace on replicas killed at any step', () => {
  for (const [index, step] of steps.entries()) {
    it(`killed at: ${step.name}`, { timeout: 90_000 }, async () => {
      const name = `rk${index}`;
      const { project, deploy, fresh, id } = await deployed(name);
      await killAt(lab, step, [...deploy, '--replace'], project, env);

      // What is billed is known: the record names the replacement in flight (from before its
      // create request on), and every instance carries the deployment's build-id tag.
      const killed = readRegistry(lab.home).find((record) => record.id === id)!;
      expect(killed.scale?.replacing?.type).toBe('g6-standard-4');
      if (index < 6)
        expect(killed.scale?.members.find((member) => member.index === 1)?.replacement).toBeDefined();
      expect(onLinode(name).instances.every((instance) => buildIdOf(instance.tags) === id)).toBe(true);
      if (index >= 1 && index <= 4) {
        // status lists the new instance beside the 3 replicas (billed, so shown and priced).
        const status = await lab.run(['status', id, '--json', '--no-health'], { cwd: project, env });
        const [view] = JSON.parse(status.stdout) as { replicas: { index: number; label: string }[] }[];
        expect(view!.replicas.map((replica) => replica.index)).toEqual([0, 1, 2, 3]);
        expect(view!.replicas[0]!.label).toMatch(new RegExp(`-${id}-1-new$`));
      }
      // status says the replace was cut short, who runs what, and which new instance is billed
      // beside its old one (found by its tag even when the create answer was never recorded).
      const surge = onLinode(name).instances.find((instance) => instance.label.endsWith('-1-new'));
      const json = await lab.run(['status', id, '--json', '--no-health'], { cwd: project, env });
      const [shown] = JSON.parse(json.stdout) as { unfinishedReplace?: Record<string, unknown> }[];
      expect(shown!.unfinishedReplace).toMatchObject({
        type: 'g6-standard-4',
        previousType: 'g6-standard-2',
        replaced: [],
        remaining: [1, 2, 3],
        newInstances: index <= 5 ? [{ replica: 1, linodeId: surge!.id }] : [],
      });
      expect(shown!.unfinishedReplace!.stopped).toBeUndefined();
      const text = (await lab.run(['status', id, '--no-health'], { cwd: project, env })).stdout;
      expect(text).toContain('(replace interrupted)');
      // The new instance is shown apart from the replicas, not counted as a fourth one.
      if (index >= 1 && index <= 4) expect(text).toContain('Status:    3/3 running +1 new');
      expect(text).toContain("Run 'linode-build deploy --replace' to finish");
      if (index <= 5)
        expect(text).toContain(`New instance Linode ${surge!.id} (replica 1) is billed beside the old one.`);

      const next = await lab.run([...deploy, '--replace'], { cwd: project, env });
      expect(next.code, next.stderr).toBe(0);
      expect(JSON.parse(next.stdout)).toMatchObject({ result: 'replaced', replicas: 3 });
      const left = onLinode(name);
      expect(left.instances.map((instance) => instance.type)).toEqual([
        'g6-standard-4',
        'g6-standard-4',
        'g6-standard-4',
      ]);
      expect(left.instances.map((instance) => instance.label).sort()).toEqual(
        fresh.map((i) => i.label).sort(),
      );
      expect(left.instances.map((instance) => [...instance.tags].sort().join(' ')).sort()).toEqual(
        fresh.map((instance) => [...instance.tags].sort().join(' ')).sort(),
      );
      expect(left.balancers).toHaveLength(1);
      const privateOf = (instance: (typeof left.instances)[number]) =>
        instance.ipv4.find((address) => address.startsWith('192.168.'));
      expect(
        left.nodes.map((n) => `${n.label}@${n.address.split(':')[0]}:${n.mode}/${n.status}`).sort(),
      ).toEqual(
        left.instances
          .map((instance) => `${id}-r${instance.label.slice(-1)}@${privateOf(instance)}:accept/UP`)
          .sort(),
      );
      const record = readRegistry(lab.home).find((item) => item.id === id)!;
      expect(record.type).toBe('g6-standard-4');
      expect(record.scale?.replacing).toBeUndefined();
      expect(record.scale?.members.map((member) => member.linodeId).sort()).toEqual(
        left.instances.map((instance) => instance.id).sort(),
      );

      lab.fake.clearLog();
      const again = await lab.run(deploy, { cwd: project, env });
      expect(JSON.parse(again.stdout)).toMatchObject({ result: 'unchanged' });
      expect(lab.fake.mutatingRequests()).toEqual([]);
      expect((await lab.run(['destroy', '--yes', '--env', name], { cwd: project })).code).toBe(0);
      expect(onLinode(name).instances).toEqual([]);
    });
  }

  it('killed after the new instance exists, then the change undone: it is deleted, the old one serves', {
    timeout: 90_000,
  }, async () => {
    const { project, deploy, fresh, id } = await deployed('rk-undo');
    await killAt(lab, steps[2]!, [...deploy, '--replace'], project, env);
    expect(onLinode('rk-undo').instances).toHaveLength(4);
    writeFileSync(path.join(project, 'deploy.yml'), yml('g6-standard-2'));
    const next = await lab.run(deploy, { cwd: project, env });
    expect(next.code, next.stderr).toBe(0);
    expect(JSON.parse(next.stdout)).toMatchObject({ result: 'unchanged' });
    const left = onLinode('rk-undo');
    expect(left.instances.map((instance) => instance.id).sort()).toEqual(fresh.map((i) => i.id).sort());
    expect(left.nodes.map((n) => `${n.label}:${n.mode}/${n.status}`).sort()).toEqual([
      `${id}-r1:accept/UP`,
      `${id}-r2:accept/UP`,
      `${id}-r3:accept/UP`,
    ]);
    expect(readRegistry(lab.home).find((record) => record.id === id)?.scale?.replacing).toBeUndefined();
    expect((await lab.run(['destroy', '--yes', '--env', 'rk-undo'], { cwd: project })).code).toBe(0);
  });

  it('Ctrl-C while a new instance is made says what is billed and how to continue', {
    timeout: 90_000,
  }, async () => {
    const { project, deploy, id } = await deployed('rk-int');
    // The new instance exists (its backend is being added) when the user presses Ctrl-C.
    const held = lab.fake.holdResponse({ method: 'POST', path: steps[1]!.path });
    const cli = startCli([...deploy, '--replace'], project, { ...lab.env, ...env });
    await held;
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(130);
    const surge = onLinode('rk-int').instances.find((instance) => instance.label.endsWith('-1-new'))!;
    expect(result.stderr).toContain(
      `interrupted: the replace of ${id}'s replicas with g6-standard-4 is recorded; 0 of 3 done, new instance Linode ${surge.id} (replica 1) billed beside the old one.`,
    );
    expect(result.stderr).toContain("Continue with 'linode-build deploy --replace'");
    const next = await lab.run([...deploy, '--replace'], { cwd: project, env });
    expect(next.code, next.stderr).toBe(0);
    expect(onLinode('rk-int').instances.map((instance) => instance.type)).toEqual(
      Array(3).fill('g6-standard-4'),
    );
    expect((await lab.run(['destroy', '--yes', '--env', 'rk-int'], { cwd: project })).code).toBe(0);
  });

  it('destroy right after a kill removes the new instance too', { timeout: 90_000 }, async () => {
    const { project, deploy } = await deployed('rk-destroy');
    await killAt(lab, steps[0]!, [...deploy, '--replace'], project, env);
    expect(onLinode('rk-destroy').instances).toHaveLength(4);
    const destroyed = await lab.run(['destroy', '--yes', '--env', 'rk-destroy'], { cwd: project });
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(onLinode('rk-destroy').instances).toEqual([]);
    expect(onLinode('rk-destroy').balancers).toEqual([]);
  });
});

/**
 * One instance → 3 replicas, and 3 replicas → one instance, killed with SIGKILL at every step
 * that makes or deletes something on Linode (the change made, its answer never received).
 * After each kill, everything billed carries a `build-id:` the registry knows (so status,
 * destroy and reap find it). The next deploy must finish the change: exactly the new shape,
 * nothing of the old deployment left, one active record without `replaces`, the project naming
 * it; the one after changes nothing; destroy leaves nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../fake-linode/harness.js';
import { appTemplateYml } from '../support/app-template.js';
import { buildIdOf, type KillStep, killAt, readRegistry } from './support.js';

const yml = appTemplateYml({ name: 'shape-kill', greeting: false });

const toReplicas: KillStep[] = [
  { name: 'create the replicas’ firewall', method: 'POST', path: /^\/networking\/firewalls$/ },
  { name: 'create the NodeBalancer', method: 'POST', path: /^\/nodebalancers$/ },
  { name: 'create the placement group', method: 'POST', path: /^\/placement\/groups$/ },
  { name: 'create a replica', method: 'POST', path: /^\/linode\/instances$/ },
  { name: 'add a backend', method: 'POST', path: /^\/nodebalancers\/\d+\/configs\/\d+\/nodes$/ },
  { name: 'accept a backend', method: 'PUT', path: /^\/nodebalancers\/\d+\/configs\/\d+\/nodes\/\d+$/ },
  { name: 'delete the old instance', method: 'DELETE', path: /^\/linode\/instances\/\d+$/ },
  { name: 'delete the old firewall', method: 'DELETE', path: /^\/networking\/firewalls\/\d+$/ },
];

const toSingle: KillStep[] = [
  { name: 'create the instance’s firewall', method: 'POST', path: /^\/networking\/firewalls$/ },
  { name: 'create the instance', method: 'POST', path: /^\/linode\/instances$/ },
  { name: 'delete the NodeBalancer', method: 'DELETE', path: /^\/nodebalancers\/\d+$/ },
  { name: 'delete a replica', method: 'DELETE', path: /^\/linode\/instances\/\d+$/ },
  { name: 'delete the placement group', method: 'DELETE', path: /^\/placement\/groups\/\d+$/ },
  { name: 'delete a replicas’ firewall', method: 'DELETE', path: /^\/networking\/firewalls\/\d+$/ },
];

let lab: Lab;
beforeAll(async () => {
  lab = await startLab({ provisionMs: 30, bootMs: 30, deleteMs: 30 });
});
afterAll(() => lab.close());

const env = { LINODE_BUILD_POLL_MS: '20', LINODE_BUILD_DRAIN_SECONDS: '0' };

function onLinode(envName: string) {
  const mine = (tags: readonly string[]) => tags.includes(`build-env:${envName}`);
  return {
    instances: lab.fake.listInstances().filter((item) => mine(item.tags) && item.status !== 'deleting'),
    balancers: lab.fake.nodeBalancers.list().filter((item) => mine(item.tags)),
    firewalls: lab.fake.listFirewalls().filter((item) => mine(item.tags)),
  };
}

/** Every billed thing of this env carries a build-id the registry has a record of. */
function everythingRecorded(envName: string): void {
  const left = onLinode(envName);
  const known = new Set(readRegistry(lab.home).map((record) => record.id));
  for (const tags of [...left.instances, ...left.balancers, ...left.firewalls].map((item) => item.tags)) {
    expect(known.has(buildIdOf(tags) ?? ''), `${buildIdOf(tags)} is recorded`).toBe(true);
  }
}

function finished(project: string, envName: string) {
  const records = readRegistry(lab.home).filter((record) => record.env === envName);
  expect(records.map((record) => [record.status, record.replaces])).toEqual([['active', undefined]]);
  const state = JSON.parse(readFileSync(path.join(project, '.linode/state.json'), 'utf8')) as {
    envs: Record<string, { deploymentId: string }>;
  };
  expect(state.envs[envName]?.deploymentId).toBe(records[0]!.id);
  return records[0]!;
}

async function settled(project: string, envName: string, deploy: string[]) {
  lab.fake.clearLog();
  const again = await lab.run(deploy, { cwd: project, env });
  expect(JSON.parse(again.stdout)).toMatchObject({ result: 'unchanged' });
  expect(lab.fake.mutatingRequests()).toEqual([]);
  expect((await lab.run(['destroy', '--yes', '--env', envName], { cwd: project })).code).toBe(0);
  const left = onLinode(envName);
  expect([...left.instances, ...left.balancers, ...left.firewalls]).toEqual([]);
}

describe('one instance → 3 replicas killed at any step converges on the next deploy', () => {
  for (const [index, step] of toReplicas.entries()) {
    it(`killed at: ${step.name}`, { timeout: 90_000 }, async () => {
      const envName = `up${index}`;
      const project = await lab.project(`shape-up-${index}`, 'embeddings-python');
      writeFileSync(path.join(project, 'deploy.yml'), yml);
      const base = ['deploy', '--yes', '--json', '--env', envName];
      const first = await lab.run(base, { cwd: project, env });
      expect(first.code, first.stderr).toBe(0);
      const oldId = JSON.parse(first.stdout).id as string;
      const deploy = [...base, '--replicas', '3'];
      await killAt(lab, step, deploy, project, env);
      everythingRecorded(envName);
      if (index < toReplicas.findIndex((item) => item.name === 'delete the old instance')) {
        // The unfinished new deployment is listed, with the command that finishes it.
        const status = await lab.run(['status', '--no-health', '--env', envName], { cwd: project, env });
        expect(status.stdout + status.stderr).toContain(
          `is an unfinished replacement of ${oldId}: finish it with 'linode-build deploy' in`,
        );
      }

      const next = await lab.run(deploy, { cwd: project, env });
      expect(next.code, next.stderr).toBe(0);
      const record = finished(project, envName);
      expect(record.id).not.toBe(oldId);
      const left = onLinode(envName);
      expect(left.instances, 'exactly 3 replicas').toHaveLength(3);
      expect(new Set(left.instances.map((item) => buildIdOf(item.tags)))).toEqual(new Set([record.id]));
      expect(left.balancers, 'one NodeBalancer').toHaveLength(1);
      expect(left.firewalls.map((item) => buildIdOf(item.tags))).toEqual([record.id, record.id]);
      const nodes = lab.fake.nodeBalancers.configsOf(left.balancers[0]!.id).flatMap((config) => config.nodes);
      expect(nodes.map((node) => `${node.mode}/${node.status}`)).toEqual([
        'accept/UP',
        'accept/UP',
        'accept/UP',
      ]);
      await settled(project, envName, deploy);
    });
  }
});

describe('3 replicas → one instance killed at any step converges on the next deploy', () => {
  for (const [index, step] of toSingle.entries()) {
    it(`killed at: ${step.name}`, { timeout: 90_000 }, async () => {
      const envName = `down${index}`;
      const project = await lab.project(`shape-down-${index}`, 'embeddings-python');
      writeFileSync(path.join(project, 'deploy.yml'), yml);
      const base = ['deploy', '--yes', '--json', '--env', envName];
      const first = await lab.run([...base, '--replicas', '3'], { cwd: project, env });
      expect(first.code, first.stderr).toBe(0);
      const oldId = JSON.parse(first.stdout).id as string;
      await killAt(lab, step, base, project, env);
      everythingRecorded(envName);

      const next = await lab.run(base, { cwd: project, env });
      expect(next.code, next.stderr).toBe(0);
      const record = finished(project, envName);
      expect(record.id).not.toBe(oldId);
      const left = onLinode(envName);
      expect(left.instances.map((item) => buildIdOf(item.tags))).toEqual([record.id]);
      expect(left.balancers).toEqual([]);
      expect(left.firewalls.map((item) => buildIdOf(item.tags))).toEqual([record.id]);
      expect(lab.fake.placementGroups.list().filter((group) => group.label.includes(oldId))).toEqual([]);
      await settled(project, envName, base);
    });
  }
});

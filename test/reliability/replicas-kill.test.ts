/**
 * deploy of 3 replicas killed with SIGKILL at every step that makes something on Linode, at the
 * moment the change was made but its answer not received. The next deploy must converge to
 * exactly 3 replicas, one NodeBalancer with every backend accepting, the two firewalls and one
 * placement group, all recorded; and the one after must change nothing.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../fake-linode/harness.js';
import { appTemplateYml } from '../support/app-template.js';
import { killAt, readRegistry, replicatedResources } from './support.js';

const yml = appTemplateYml({ name: 'killed-replicas', greeting: false }).replace(
  '    region_default: us-ord\n',
  '    region_default: us-ord\n    replicas: 3\n',
);

const steps = [
  { name: 'create a firewall', method: 'POST', path: /^\/networking\/firewalls$/ },
  { name: 'create the NodeBalancer', method: 'POST', path: /^\/nodebalancers$/ },
  { name: 'create the placement group', method: 'POST', path: /^\/placement\/groups$/ },
  { name: 'create a replica', method: 'POST', path: /^\/linode\/instances$/ },
  { name: 'create the port config', method: 'POST', path: /^\/nodebalancers\/\d+\/configs$/ },
  { name: 'add a backend', method: 'POST', path: /^\/nodebalancers\/\d+\/configs\/\d+\/nodes$/ },
  { name: 'accept a backend', method: 'PUT', path: /^\/nodebalancers\/\d+\/configs\/\d+\/nodes\/\d+$/ },
];

let lab: Lab;
beforeAll(async () => {
  lab = await startLab({ provisionMs: 30, bootMs: 30, deleteMs: 30 });
});
afterAll(() => lab.close());

const onLinode = (envName: string) => replicatedResources(lab, envName);

describe('a deploy of replicas killed at any step converges on the next one', () => {
  for (const [index, step] of steps.entries()) {
    it(`killed at: ${step.name}`, { timeout: 90_000 }, async () => {
      const envName = `kill${index}`;
      const project = await lab.project(`replicas-kill-${index}`, 'embeddings-python');
      writeFileSync(path.join(project, 'deploy.yml'), yml);
      const deploy = ['deploy', '--yes', '--json', '--env', envName];
      await killAt(lab, step, deploy, project);
      expect(() => readRegistry(lab.home)).not.toThrow();

      const next = await lab.run(deploy, { cwd: project, env: { LINODE_BUILD_POLL_MS: '20' } });
      expect(next.code, next.stderr).toBe(0);
      const left = onLinode(envName);
      expect(left.instances, 'exactly 3 replicas').toHaveLength(3);
      expect(left.balancers, 'one NodeBalancer').toHaveLength(1);
      expect(left.firewalls, 'the replicas’ and the NodeBalancer’s firewalls').toHaveLength(2);
      const nodes = lab.fake.nodeBalancers.configsOf(left.balancers[0]!.id).flatMap((config) => config.nodes);
      expect(nodes.map((node) => `${node.mode}/${node.status}`)).toEqual([
        'accept/UP',
        'accept/UP',
        'accept/UP',
      ]);
      const records = readRegistry(lab.home).filter((record) => record.env === envName);
      expect(records.map((record) => record.status)).toEqual(['active']);

      lab.fake.clearLog();
      const again = await lab.run(deploy, { cwd: project, env: { LINODE_BUILD_POLL_MS: '20' } });
      expect(JSON.parse(again.stdout)).toMatchObject({ result: 'unchanged', replicas: 3 });
      expect(lab.fake.mutatingRequests()).toEqual([]);
      expect((await lab.run(['destroy', '--yes', '--env', envName], { cwd: project })).code).toBe(0);
      expect(onLinode(envName).instances).toEqual([]);
      expect(onLinode(envName).balancers).toEqual([]);
    });
  }

  const scaleUpSteps = [
    { name: 'create a new replica', method: 'POST', path: /^\/linode\/instances$/ },
    { name: 'add a new backend', method: 'POST', path: /^\/nodebalancers\/\d+\/configs\/\d+\/nodes$/ },
  ];
  for (const [index, step] of scaleUpSteps.entries()) {
    it(`scale 3 → 4 killed at: ${step.name}`, { timeout: 90_000 }, async () => {
      const envName = `up${index}`;
      const project = await lab.project(`replicas-up-${index}`, 'embeddings-python');
      writeFileSync(path.join(project, 'deploy.yml'), yml);
      const env = { LINODE_BUILD_POLL_MS: '20' };
      const deploy = ['deploy', '--yes', '--json', '--env', envName, '--replicas', '4'];
      expect((await lab.run(deploy.slice(0, -2), { cwd: project, env })).code).toBe(0);
      await killAt(lab, step, deploy, project, env);
      // The record already says 4; the next deploy finishes adding replica 4 instead of
      // waiting for a backend that was never registered.
      const next = await lab.run(deploy, { cwd: project, env });
      expect(next.code, next.stderr).toBe(0);
      const left = onLinode(envName);
      expect(left.instances, 'exactly 4 replicas').toHaveLength(4);
      const nodes = lab.fake.nodeBalancers.configsOf(left.balancers[0]!.id).flatMap((config) => config.nodes);
      expect(nodes.map((node) => `${node.label.slice(-2)}:${node.mode}/${node.status}`).sort()).toEqual([
        'r1:accept/UP',
        'r2:accept/UP',
        'r3:accept/UP',
        'r4:accept/UP',
      ]);
      lab.fake.clearLog();
      const again = await lab.run(deploy, { cwd: project, env });
      expect(JSON.parse(again.stdout)).toMatchObject({ result: 'unchanged', replicas: 4 });
      expect(lab.fake.mutatingRequests()).toEqual([]);
      expect((await lab.run(['destroy', '--yes', '--env', envName], { cwd: project })).code).toBe(0);
    });
  }

  const scaleDownSteps = [
    {
      name: 'drain a surplus backend',
      method: 'PUT',
      path: /^\/nodebalancers\/\d+\/configs\/\d+\/nodes\/\d+$/,
    },
    {
      name: 'remove a surplus backend',
      method: 'DELETE',
      path: /^\/nodebalancers\/\d+\/configs\/\d+\/nodes\/\d+$/,
    },
    { name: 'delete a surplus replica', method: 'DELETE', path: /^\/linode\/instances\/\d+$/ },
  ];
  for (const [index, step] of scaleDownSteps.entries()) {
    it(`scale 3 → 2 killed at: ${step.name}`, { timeout: 90_000 }, async () => {
      const envName = `down${index}`;
      const project = await lab.project(`replicas-down-${index}`, 'embeddings-python');
      writeFileSync(path.join(project, 'deploy.yml'), yml);
      const env = { LINODE_BUILD_POLL_MS: '20', LINODE_BUILD_DRAIN_SECONDS: '0' };
      const deploy = ['deploy', '--yes', '--json', '--env', envName];
      expect((await lab.run(deploy, { cwd: project, env })).code).toBe(0);
      await killAt(lab, step, [...deploy, '--replicas', '2'], project, env);
      const next = await lab.run([...deploy, '--replicas', '2'], { cwd: project, env });
      expect(next.code, next.stderr).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const left = onLinode(envName);
      expect(left.instances, 'exactly 2 replicas still billed').toHaveLength(2);
      const nodes = lab.fake.nodeBalancers.configsOf(left.balancers[0]!.id).flatMap((config) => config.nodes);
      // The set matters, not the listing order (a backend re-registered after the kill lists last).
      expect(nodes.map((node) => `${node.label.slice(-2)}:${node.mode}/${node.status}`).sort()).toEqual([
        'r1:accept/UP',
        'r2:accept/UP',
      ]);
      expect((await lab.run(['destroy', '--yes', '--env', envName], { cwd: project })).code).toBe(0);
    });
  }
});

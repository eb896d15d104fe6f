/**
 * deploy and deploy --replace killed with SIGKILL at every step that changes something on
 * Linode — at the worst moment: the fake made the change and the CLI never got the answer.
 * After each kill the registry parses, and the next deploy converges to exactly one healthy
 * deployment of the env: never a second billed instance, never a leaked firewall.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../fake-linode/harness.js';
import { appTemplateYml } from '../support/app-template.js';
import { killAt, readRegistry, registryFile, type KillStep as Step } from './support.js';

const yml = (features: string) =>
  appTemplateYml({ name: 'killed-app', image: 'registry.example.com/app:1', features, greeting: false });

const createSteps: Step[] = [
  { name: 'create firewall', method: 'POST', path: /^\/networking\/firewalls$/ },
  { name: 'create instance', method: 'POST', path: /^\/linode\/instances$/ },
];

const replaceSteps: Step[] = [
  ...createSteps.map((step) => ({ ...step, name: `replacement: ${step.name}` })),
  { name: 'move the address', method: 'POST', path: /^\/networking\/ips\/assign$/ },
  { name: 'reboot the replacement', method: 'POST', path: /^\/linode\/instances\/\d+\/reboot$/ },
  { name: 'delete the old instance', method: 'DELETE', path: /^\/linode\/instances\/\d+$/ },
  { name: 'delete the old firewall', method: 'DELETE', path: /^\/networking\/firewalls\/\d+$/ },
];

let lab: Lab;
beforeAll(async () => {
  lab = await startLab({ provisionMs: 30, bootMs: 30, deleteMs: 30 });
});
afterAll(() => lab.close());

/** Live instances of this env, and its firewalls, as Linode has them. */
function leftOnLinode(envName: string) {
  const instances = lab.fake
    .listInstances()
    .filter((instance) => instance.tags.includes(`build-env:${envName}`) && instance.status !== 'deleting');
  const ids = new Set(
    instances.flatMap((instance) => instance.tags.filter((tag) => tag.startsWith('build-id:'))),
  );
  const firewalls = lab.fake.listFirewalls().filter((firewall) => firewall.tags.some((tag) => ids.has(tag)));
  const orphans = lab.fake
    .listFirewalls()
    .filter(
      (firewall) =>
        firewall.tags.includes(`build-env:${envName}`) && !firewall.tags.some((tag) => ids.has(tag)),
    );
  return { instances, firewalls, orphans };
}

async function converge(args: string[], project: string, envName: string) {
  const result = await lab.run(args, { cwd: project, env: { LINODE_BUILD_POLL_MS: '20' } });
  expect(result.code, result.stderr).toBe(0);
  // Deletions settle within deleteMs.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const left = leftOnLinode(envName);
  expect(left.instances, 'exactly one instance for the env').toHaveLength(1);
  expect(left.firewalls, 'its firewall').toHaveLength(1);
  expect(left.orphans, 'no firewall without an instance').toEqual([]);
  const records = readRegistry(lab.home).filter((record) => record.env === envName);
  expect(records.map((record) => [record.status, record.replaces])).toEqual([['active', undefined]]);
  expect(records[0]!.linodeId).toBe(left.instances[0]!.id);
  return JSON.parse(result.stdout) as { id: string; result: string };
}

describe('a deploy killed at any step converges on the next one', () => {
  for (const [index, step] of createSteps.entries()) {
    it(`create, killed at: ${step.name}`, { timeout: 60_000 }, async () => {
      const envName = `create${index}`;
      const project = await lab.project(`create-${index}`, 'embeddings-python');
      writeFileSync(path.join(project, 'deploy.yml'), yml(''));
      const deploy = ['deploy', '--yes', '--json', '--env', envName];
      await killAt(lab, step, deploy, project);
      expect(() => readRegistry(lab.home)).not.toThrow();
      const outcome = await converge(deploy, project, envName);
      expect(outcome.result).toBe('created');
      // And once more: nothing left to do.
      expect((await converge(deploy, project, envName)).result).toBe('unchanged');
    });
  }

  for (const [index, step] of replaceSteps.entries()) {
    it(`replace, killed at: ${step.name}`, { timeout: 60_000 }, async () => {
      const envName = `replace${index}`;
      const project = await lab.project(`replace-${index}`, 'embeddings-python');
      writeFileSync(path.join(project, 'deploy.yml'), yml(''));
      const deploy = ['deploy', '--yes', '--json', '--env', envName];
      const first = await converge(deploy, project, envName);
      writeFileSync(path.join(project, 'deploy.yml'), yml('redis'));
      await killAt(lab, step, [...deploy, '--replace'], project);
      expect(() => readRegistry(lab.home)).not.toThrow();
      // What bills twice meanwhile is reported, with both ways out.
      const status = await lab.run(['status', '--all', '--no-health']);
      expect(status.stderr).toMatch(
        new RegExp(
          `\\w{8} is an unfinished replacement of ${first.id}: finish it with 'linode-build deploy --replace'.*'linode-build destroy \\w{8}'`,
        ),
      );
      const outcome = await converge([...deploy, '--replace'], project, envName);
      expect(outcome.result).toBe('replaced');
      expect(outcome.id).not.toBe(first.id);
      expect((await converge(deploy, project, envName)).result).toBe('unchanged');
    });
  }
  // Between the last API step of a replace (the old firewall deleted) and its last local write,
  // the old record is gone while the new one still says `replaces` and the project still names
  // the old id: no request to kill at, so the state is written as such a kill leaves it.
  it('replace, killed after the old record went and before the project named the new one', {
    timeout: 60_000,
  }, async () => {
    const envName = 'replace-window';
    const project = await lab.project('replace-window', 'embeddings-python');
    writeFileSync(path.join(project, 'deploy.yml'), yml(''));
    const deploy = ['deploy', '--yes', '--json', '--env', envName];
    const first = await converge(deploy, project, envName);
    writeFileSync(path.join(project, 'deploy.yml'), yml('redis'));
    const replaced = await converge([...deploy, '--replace'], project, envName);
    expect(replaced.result).toBe('replaced');

    const registry = JSON.parse(readFileSync(registryFile(lab.home), 'utf8')) as {
      deployments: Record<string, unknown>[];
    };
    for (const record of registry.deployments) {
      if (record.id === replaced.id) Object.assign(record, { replaces: first.id, replaceStage: 'rebooted' });
    }
    writeFileSync(registryFile(lab.home), JSON.stringify(registry));
    const stateFile = path.join(project, '.linode', 'state.json');
    writeFileSync(stateFile, readFileSync(stateFile, 'utf8').replaceAll(replaced.id, first.id));

    const outcome = await converge(deploy, project, envName);
    expect(outcome.id, 'the replacement is found, not a new deployment made').toBe(replaced.id);
    expect(outcome.result).toBe('unchanged');
    expect(readFileSync(stateFile, 'utf8')).toContain(replaced.id);
    expect(readFileSync(stateFile, 'utf8')).not.toContain(first.id);
  });
});

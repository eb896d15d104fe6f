/**
 * `replicas`, end to end with the built CLI and the fake Linode API: how many identical
 * instances a deployment wants (deploy.yml's deploy.linode.replicas, or --replicas), checked
 * like every other field, and one replica being exactly today's single instance.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../fake-linode/harness.js';
import { appTemplateYml } from '../support/app-template.js';

/** The test app's deploy.yml with `replicas: N` added under deploy.linode (none when undefined). */
function deployYml(replicas?: number): string {
  const yml = appTemplateYml({ greeting: false });
  return replicas === undefined
    ? yml
    : yml.replace('    region_default: us-ord\n', `    region_default: us-ord\n    replicas: ${replicas}\n`);
}

describe('replicas', () => {
  let lab: Lab;
  let project: string;

  beforeAll(async () => {
    lab = await startLab();
    project = await lab.project('replicas', 'embeddings-python');
  });
  afterAll(async () => {
    await lab?.close();
  });

  const plan = async (...args: string[]) => {
    const result = await lab.run(['plan', '--json', ...args], { cwd: project });
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as { replicas: number };
  };

  it('takes deploy.yml replicas, with --replicas winning; one replica when neither is given', async () => {
    writeFileSync(path.join(project, 'deploy.yml'), deployYml());
    expect((await plan()).replicas).toBe(1);
    writeFileSync(path.join(project, 'deploy.yml'), deployYml(3));
    expect((await plan()).replicas).toBe(3);
    expect((await plan('--replicas', '5')).replicas).toBe(5);
    expect((await plan('--replicas', '1')).replicas).toBe(1);
  });

  it('refuses a replica count out of bounds as a usage error, and in deploy.yml as a template error', async () => {
    writeFileSync(path.join(project, 'deploy.yml'), deployYml());
    for (const bad of ['0', '21', '2.5']) {
      const result = await lab.run(['plan', '--replicas', bad], { cwd: project });
      expect(result.code, bad).toBe(2);
      expect(result.stderr).toContain(`--replicas ${bad} is not valid`);
      expect(result.stderr).toContain('whole number from 1 to 20');
    }
    writeFileSync(path.join(project, 'deploy.yml'), deployYml(30));
    const invalid = await lab.run(['plan'], { cwd: project });
    expect(invalid.code).not.toBe(0);
    expect(invalid.stderr).toContain('deploy.linode.replicas');
  });

  it('deploy with several replicas refuses before any request; plan shows them', async () => {
    writeFileSync(path.join(project, 'deploy.yml'), deployYml(3));
    lab.fake.clearLog();
    const refused = await lab.run(['deploy', '--yes'], { cwd: project });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('cannot create 3 replicas');
    expect(lab.fake.mutatingRequests()).toEqual([]);
    expect(lab.fake.listInstances()).toEqual([]);
  });
});

/**
 * A project knows its deployment in every env: status in the project lists them all, destroy
 * asks which (or --env, or --all-envs), deploy --new adds a deployment and says what it leaves
 * running, and deploy without any SSH key refuses before creating anything.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../fake-linode/harness.js';
import { startCli } from '../reliability/support.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab({ provisionMs: 30, bootMs: 30, deleteMs: 30 });
});
afterAll(() => lab.close());

const live = (app: string) =>
  lab.fake.listInstances().filter((i) => i.tags.includes(`build-app:${app}`) && i.status !== 'deleting');

describe('a project with several envs', () => {
  it('status lists every env; destroy asks which, or takes --env / --all-envs', {
    timeout: 120_000,
  }, async () => {
    const project = await lab.project('envs', 'embeddings-python');
    const deploy = (env: string, ...extra: string[]) =>
      lab.run(['deploy', '--yes', '--json', '--env', env, ...extra], { cwd: project });
    const staging = JSON.parse((await deploy('staging')).stdout);
    const prod = JSON.parse((await deploy('prod')).stdout);
    expect(live('embeddings-python')).toHaveLength(2);
    const state = JSON.parse(readFileSync(path.join(project, '.linode/state.json'), 'utf8'));
    expect(Object.keys(state.envs).sort()).toEqual(['prod', 'staging']);

    // A second deploy to an env with a deployment never makes a second instance.
    expect(JSON.parse((await deploy('prod')).stdout).result).toBe('unchanged');
    expect(live('embeddings-python')).toHaveLength(2);

    const status = await lab.run(['status', '--json', '--no-health'], { cwd: project });
    expect(status.code, status.stderr).toBe(0);
    expect((JSON.parse(status.stdout) as { id: string }[]).map((view) => view.id).sort()).toEqual(
      [staging.id, prod.id].sort(),
    );

    const which = await lab.run(['destroy', '--yes'], { cwd: project });
    expect(which.code).toBe(2);
    expect(which.stderr).toContain(
      `this project has deployments in 2 envs: prod (${prod.id}), staging (${staging.id})`,
    );
    expect(which.stderr).toContain('--all-envs');

    const one = await lab.run(['destroy', '--yes', '--env', 'staging'], { cwd: project });
    expect(one.code, one.stderr).toBe(0);
    expect(live('embeddings-python').map((i) => i.id)).toEqual([prod.linodeId]);

    // deploy --new adds a deployment to an env that has one, and names what it leaves running.
    const added = await deploy('prod', '--new');
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout).leftRunning).toBe(prod.id);
    expect(added.stderr).toContain(`Left running: ${prod.id}`);
    expect(live('embeddings-python')).toHaveLength(2);
    const old = await lab.run(['destroy', prod.id, '--yes']);
    expect(old.code, old.stderr).toBe(0);

    const all = await lab.run(['destroy', '--yes', '--all-envs'], { cwd: project });
    expect(all.code, all.stderr).toBe(0);
    expect(live('embeddings-python')).toHaveLength(0);
    expect(lab.fake.listFirewalls()).toHaveLength(0);
  });

  it('deploy without an SSH key refuses before creating anything, naming --ssh-key and --no-ssh', async () => {
    const project = await lab.project('keyless', 'embeddings-python');
    rmSync(path.join(lab.home, '.ssh'), { recursive: true, force: true });
    try {
      const before = lab.fake.requests.length;
      const result = await lab.run(['deploy', '--yes', '--env', 'keyless'], { cwd: project });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('no SSH public key to put on the instance');
      expect(result.stderr).toMatch(/--ssh-key .*--no-ssh/);
      expect(lab.fake.requests.length).toBe(before);
      const keyless = await lab.run(['deploy', '--yes', '--json', '--env', 'keyless', '--no-ssh'], {
        cwd: project,
      });
      expect(keyless.code, keyless.stderr).toBe(0);
      const created = lab.fake.listInstances().find((i) => i.tags.includes('build-env:keyless'));
      expect(created).toBeDefined();
      expect((await lab.run(['destroy', '--yes', '--env', 'keyless'], { cwd: project })).code).toBe(0);
    } finally {
      const { writeSshKey } = await import('../fake-linode/harness.js');
      writeSshKey(lab.home);
    }
  });

  it('Ctrl-C during deploy --wait says what exists and how to continue, exits 130; deploy then resumes it', {
    timeout: 60_000,
  }, async () => {
    const project = await lab.project('interrupted', 'embeddings-python');
    lab.fake.configure({ provisionMs: 60_000 });
    const cli = startCli(['deploy', '--yes', '--wait', '--env', 'sigint'], project, lab.env);
    let stderr = '';
    cli.child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    const deadline = Date.now() + 30_000;
    while (!/Created instance \d+/.test(stderr) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    cli.child.kill('SIGINT');
    const result = await cli.done;
    lab.fake.configure({ provisionMs: 30 });
    expect(result.code).toBe(130);
    const linodeId = /Created instance (\d+)/.exec(result.stderr)?.[1];
    expect(result.stderr).toMatch(
      new RegExp(
        `Error: interrupted: deployment (\\w{8}) \\(embeddings-python, sigint\\) is recorded; Linode ${linodeId} \\(127\\.[\\d.]+\\) exists and is billed at \\$[\\d.]+/hour until destroyed\\.`,
      ),
    );
    expect(result.stderr).toContain("Hint: Continue with 'linode-build deploy'");
    const resumed = await lab.run(['deploy', '--yes', '--json', '--env', 'sigint'], { cwd: project });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ result: 'unchanged', linodeId: Number(linodeId) });
    expect(lab.fake.listInstances().filter((i) => i.tags.includes('build-env:sigint'))).toHaveLength(1);
    expect((await lab.run(['destroy', '--yes', '--env', 'sigint'], { cwd: project })).code).toBe(0);
  });

  it('keeps a lifetime given with --ttl when a later deploy does not name one', {
    timeout: 60_000,
  }, async () => {
    const project = await lab.project('lifetime', 'embeddings-python');
    const deploy = (...extra: string[]) =>
      lab.run(['deploy', '--yes', '--json', '--env', 'ttl', ...extra], { cwd: project });
    const created = await deploy('--ttl', '2h');
    expect(created.code, created.stderr).toBe(0);
    const expiryTag = () =>
      lab.fake
        .listInstances()
        .find((i) => i.tags.includes('build-env:ttl'))
        ?.tags.find((tag) => tag.startsWith('build-expires:'));
    const before = expiryTag();
    expect(before).toBeDefined();
    lab.fake.clearLog();
    const again = await deploy();
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).result).toBe('unchanged');
    expect(lab.fake.mutatingRequests()).toEqual([]);
    expect(expiryTag()).toBe(before);
    // A new --ttl is a change of tags, through the API, on the same instance.
    const longer = await deploy('--ttl', '1d');
    expect(JSON.parse(longer.stdout)).toMatchObject({
      result: 'updated',
      changes: [{ field: 'tags', level: 'api' }],
    });
    expect(expiryTag()).not.toBe(before);
    expect((await lab.run(['destroy', '--yes', '--env', 'ttl'], { cwd: project })).code).toBe(0);
  });

  it('keeps an idle limit given with --idle when a later deploy does not name one', {
    timeout: 60_000,
  }, async () => {
    const project = await lab.project('idle', 'embeddings-python');
    const deploy = (...extra: string[]) =>
      lab.run(['deploy', '--yes', '--json', '--env', 'idle', ...extra], { cwd: project });
    const created = await deploy('--idle', '2h');
    expect(created.code, created.stderr).toBe(0);
    const idleTag = () =>
      lab.fake
        .listInstances()
        .find((i) => i.tags.includes('build-env:idle'))
        ?.tags.find((tag) => tag.startsWith('build-idle:'));
    expect(idleTag()).toBe('build-idle:2h');
    lab.fake.clearLog();
    const again = await deploy();
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).result).toBe('unchanged');
    expect(lab.fake.mutatingRequests()).toEqual([]);
    expect(idleTag()).toBe('build-idle:2h');
    const shorter = await deploy('--idle', '30m');
    expect(JSON.parse(shorter.stdout)).toMatchObject({
      result: 'updated',
      changes: [{ field: 'tags', level: 'api' }],
    });
    expect(idleTag()).toBe('build-idle:30m');
    expect((await lab.run(['destroy', '--yes', '--env', 'idle'], { cwd: project })).code).toBe(0);
  });

  it("fills the guidance's {host} with the published port when it is not 80", {
    timeout: 60_000,
  }, async () => {
    const project = await lab.project('guide', 'embeddings-python');
    const file = path.join(project, 'deploy.yml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('external_port: 80', 'external_port: 8081'));
    const deployed = await lab.run(['deploy', '--yes', '--env', 'guide'], { cwd: project });
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.stdout).toMatch(/curl http:\/\/[\w.-]+\.ip\.linodeusercontent\.com:8081\/health/);
    expect((await lab.run(['destroy', '--yes', '--env', 'guide'], { cwd: project })).code).toBe(0);
  });
});

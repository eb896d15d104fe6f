/**
 * A roll of a health check change killed with SIGKILL at the NodeBalancer config's two updates
 * (the built CLI, the fake API, a real sshd on loopback playing every replica, as in
 * replicas-roll-kill.test.ts): right after the check was relaxed to `connection`, and right
 * after the new HTTP check was set at the end; and right after it was relaxed before a scale-up,
 * with both changes undone before the next deploy. Each time the record still says the check was
 * relaxed, and the next deploy ends with the config on the new HTTP check, every backend
 * accepting, and the mark gone; one more deploy changes nothing.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appTemplateYml } from '../support/app-template.js';
import { freePort } from '../support/net.js';
import { bootReplicaRoot, useSshLab } from '../support/ssh-lab.js';
import { sshdAvailable } from '../support/sshd.js';
import { killAt, readRegistry } from './support.js';

describe.runIf(sshdAvailable())('a health check roll killed at the NodeBalancer config', () => {
  const ssh = useSshLab('roll-health-kill', { LINODE_BUILD_DRAIN_SECONDS: '0' });

  it('killed after relaxing the check, and after setting the new one: the next deploy ends on the new HTTP check', {
    timeout: 240_000,
  }, async () => {
    const lab = ssh.lab();
    const project = ssh.project();
    const port = await freePort();
    const write = (checkPath: string, replicas = 3) =>
      writeFileSync(
        path.join(project, 'deploy.yml'),
        appTemplateYml({ image: 'registry.example.com/app:good', port })
          .replace('    region_default: us-ord\n', `    region_default: us-ord\n    replicas: ${replicas}\n`)
          .replace('        path: /health\n', `        path: ${checkPath}\n`),
      );
    writeFileSync(path.join(project, '.env'), "GREETING='hi'\n", { mode: 0o600 });
    const deployArgs = ['deploy', '--yes', '--json', '--ssh-key', `${ssh.sshd().clientKey}.pub`];
    const deploy = () => lab.run(deployArgs, { cwd: project, env: ssh.env() });

    write('/health');
    const created = await deploy();
    expect(created.code, created.stderr).toBe(0);
    const id = JSON.parse(created.stdout).id as string;
    const { balancer, nodes } = bootReplicaRoot(ssh);
    const config = () => lab.fake.nodeBalancers.configsOf(balancer.id)[0]!;
    const configPath = new RegExp(`^/nodebalancers/${balancer.id}/configs/${config().id}$`);
    const relaxedAt = () => readRegistry(lab.home).find((record) => record.id === id)?.scale?.checkRelaxedAt;

    const cases = [
      { name: 'check relaxed', checkPath: '/ready', skip: 0, left: 'connection' },
      { name: 'new check set', checkPath: '/live', skip: 1, left: 'http' },
      // A scale-up with a check change relaxes the check before the new replicas join; killed
      // there and both undone, the files match the record: the next deploy sets the check back.
      {
        name: 'relaxed before a scale-up, undone',
        checkPath: '/up',
        replicas: 4,
        skip: 0,
        left: 'connection',
        undo: '/live',
      },
      // The same with only the check undone: the next deploy scales to 4 under the recorded check.
      {
        name: 'relaxed before a scale-up, check undone',
        checkPath: '/up',
        replicas: 4,
        skip: 0,
        left: 'connection',
        undo: '/live',
        keep: 4,
      },
    ];
    for (const entry of cases) {
      write(entry.checkPath, entry.replicas);
      await killAt(
        lab,
        { name: entry.name, method: 'PUT', path: configPath, skip: entry.skip },
        deployArgs,
        project,
        ssh.env(),
      );
      expect(config().check, entry.name).toBe(entry.left);
      expect(relaxedAt(), entry.name).toMatch(/^\d{4}-/);

      if (entry.undo) write(entry.undo, entry.keep);
      const next = await deploy();
      expect(next.code, next.stderr).toBe(0);
      expect(config(), entry.name).toMatchObject({
        check: 'http',
        check_path: entry.undo ?? entry.checkPath,
      });
      expect(relaxedAt(), entry.name).toBeUndefined();
      expect(nodes().map((node) => node.mode)).toEqual(Array(entry.keep ?? 3).fill('accept'));
      const before = lab.fake.mutatingRequests().length;
      const again = await deploy();
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout).result, entry.name).toBe('unchanged');
      expect(lab.fake.mutatingRequests().length).toBe(before);
    }
  });
});

/**
 * An app change rolls over a deployment's replicas, end to end: the built CLI, the fake API's
 * NodeBalancer, and a real sshd on loopback standing in for every replica's SSH (one private
 * root plays all of them, so each replica's update runs the real update program there).
 *
 * The test samples the NodeBalancer every 20 ms while the roll runs: never more than
 * one backend out of rotation (--max-unavailable 1, the default); --max-unavailable 2 is in
 * replicas-roll-batches.test.ts. A version that never becomes healthy stops the
 * roll at the first replica, which goes back on the previous version and serves again.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import statusSchema from '../../schema/status.schema.json';
import { appTemplateYml } from '../support/app-template.js';
import { freePort } from '../support/net.js';
import { bootReplicaRoot, useSshLab } from '../support/ssh-lab.js';
import { sshdAvailable } from '../support/sshd.js';

const validateStatus = new Ajv({ strict: true, allErrors: true }).compile(statusSchema);

describe.runIf(sshdAvailable())('replicas roll an app change', () => {
  const ssh = useSshLab('roll', { LINODE_BUILD_DRAIN_SECONDS: '0' });

  const write = (image: string, port: number, greeting: string) => {
    const yml = appTemplateYml({ image, port }).replace(
      '    region_default: us-ord\n',
      '    region_default: us-ord\n    replicas: 3\n',
    );
    writeFileSync(path.join(ssh.project(), 'deploy.yml'), yml);
    writeFileSync(path.join(ssh.project(), '.env'), `GREETING='${greeting}'\n`, { mode: 0o600 });
  };
  const deploy = (...extra: string[]) =>
    ssh.lab().run(['deploy', '--yes', '--json', '--ssh-key', `${ssh.sshd().clientKey}.pub`, ...extra], {
      cwd: ssh.project(),
      env: ssh.env(),
    });

  it('drains, updates and readmits one replica at a time; a broken version stops the roll', {
    timeout: 180_000,
  }, async () => {
    const lab = ssh.lab();
    const port = await freePort();
    write('registry.example.com/app:good', port, 'hello');
    const created = await deploy();
    expect(created.code, created.stderr).toBe(0);
    const { root, nodes } = bootReplicaRoot(ssh);
    const outOfRotation = () => nodes().filter((node) => node.mode !== 'accept').length;
    expect(outOfRotation()).toBe(0);

    const sample = async (run: () => Promise<{ code: number; stdout: string; stderr: string }>) => {
      const seen: number[] = [];
      const timer = setInterval(() => seen.push(outOfRotation()), 20);
      try {
        return { result: await run(), seen };
      } finally {
        clearInterval(timer);
      }
    };

    // An env change rolls: every replica updated (3 restarts), never more than 1 out of rotation.
    write('registry.example.com/app:good', port, 'rolled');
    const restartsBefore = root
      .systemctlCalls()
      .filter((call) => call === 'restart linode-build-app.service').length;
    const rolled = await sample(() => deploy());
    expect(rolled.result.code, rolled.result.stderr).toBe(0);
    expect(JSON.parse(rolled.result.stdout)).toMatchObject({
      result: 'updated',
      changes: [{ field: 'env GREETING', level: 'app' }],
    });
    expect(Math.max(...rolled.seen)).toBe(1);
    expect(rolled.seen.length).toBeGreaterThan(0);
    const restarts = root
      .systemctlCalls()
      .filter((call) => call === 'restart linode-build-app.service').length;
    expect(restarts - restartsBefore).toBe(3);
    expect(readFileSync(path.join(root.root, 'etc/linode-build/app.env'), 'utf8')).toContain(
      'GREETING=rolled\n',
    );
    for (const index of [1, 2, 3]) expect(rolled.result.stderr).toContain(`replica ${index}/3: updated`);
    expect(outOfRotation()).toBe(0);
    expect(lab.fake.listInstances()).toHaveLength(3);

    // A version that never becomes healthy: the roll stops at replica 1, which is put back.
    write('registry.example.com/app:broken', port, 'rolled');
    const broken = await deploy();
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('the roll stopped at replica 1/3');
    expect(broken.stderr).toContain('back on the previous version and serving');
    expect(root.image()).toBe('registry.example.com/app:good');
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    expect(outOfRotation()).toBe(0);
    // Still the previous fingerprint: plan still shows the image change to roll.
    const plan = await lab.run(['plan', '--json'], { cwd: ssh.project(), env: ssh.env() });
    expect(JSON.parse(plan.stdout).deployment.action).toBe('app');
    // status tells this stop (where, why, who runs what) from a deploy that was cut short.
    const id = JSON.parse(created.stdout).id as string;
    const stoppedText = await lab.run(['status', id, '--no-health'], { cwd: ssh.project(), env: ssh.env() });
    expect(stoppedText.stdout).toContain(
      'Roll:      stopped at replica 1 (health check failed); no replica runs the new version, the others the previous one',
    );
    expect(stoppedText.stdout).not.toContain('interrupted');
    const listed = await lab.run(['status', '--all', '--no-health'], { cwd: ssh.project(), env: ssh.env() });
    expect(listed.stdout).toMatch(/3\/3 running \(roll stopped\)/);
    const stoppedJson = JSON.parse(
      (await lab.run(['status', id, '--json', '--no-health'], { cwd: ssh.project(), env: ssh.env() })).stdout,
    );
    expect(validateStatus(stoppedJson), JSON.stringify(validateStatus.errors)).toBe(true);
    expect(stoppedJson[0]).toMatchObject({
      unfinishedRollSince: expect.stringMatching(/^\d{4}-/),
      rollStopped: { replica: 1, reason: 'health check failed', updated: [] },
    });

    // Replica 2's backend never comes back UP: replica 1 runs the new version, the roll stops at 2.
    const second = lab.fake.listInstances().find((item) => item.label.endsWith('-2'))!;
    lab.fake.nodeBalancers.setNodeHealth(second.id, false);
    const r2 = () => nodes().find((node) => node.label.endsWith('-r2'))!;
    const deadline = Date.now() + 20_000;
    while (r2().status !== 'DOWN' && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(r2().status).toBe('DOWN');
    write('registry.example.com/app:good', port, 'third');
    const atTwo = await deploy('--timeout', '8');
    expect(atTwo.code).toBe(1);
    expect(atTwo.stderr).toContain('the roll stopped at replica 2/3');
    const atTwoText = await lab.run(['status', id, '--no-health'], { cwd: ssh.project(), env: ssh.env() });
    expect(atTwoText.stdout).toContain(
      "Roll:      stopped at replica 2 (the NodeBalancer's health check failed); replica 1 runs the new version",
    );
    const atTwoJson = JSON.parse(
      (await lab.run(['status', id, '--json', '--no-health'], { cwd: ssh.project(), env: ssh.env() })).stdout,
    );
    expect(validateStatus(atTwoJson), JSON.stringify(validateStatus.errors)).toBe(true);
    expect(atTwoJson[0].rollStopped).toMatchObject({ replica: 2, updated: [1] });
    // Healthy again: the next deploy rolls it all and the marks are gone.
    lab.fake.nodeBalancers.setNodeHealth(second.id, undefined);
    const finished = await deploy();
    expect(finished.code, finished.stderr).toBe(0);
    const doneJson = JSON.parse(
      (await lab.run(['status', id, '--json', '--no-health'], { cwd: ssh.project(), env: ssh.env() })).stdout,
    );
    expect(doneJson[0].unfinishedRollSince).toBeUndefined();
    expect(doneJson[0].rollStopped).toBeUndefined();
    expect(outOfRotation()).toBe(0);

    // ssh to a replica logs in to it over the real sshd, with the recorded key and the host
    // key the deploy pinned under that replica's alias (not the NodeBalancer's address).
    const known = path.join(lab.home, '.local/state/linode-build/known_hosts');
    expect(readFileSync(known, 'utf8')).toContain(`linode-build-${id}-r2 `);
    const login = await lab.run(['ssh', id, '--replica', '2', '--', 'echo', 'on-replica'], {
      cwd: ssh.project(),
      env: ssh.env(),
    });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain('on-replica');
    const byDefault = await lab.run(['ssh', id, '--', 'true'], { cwd: ssh.project(), env: ssh.env() });
    expect(byDefault.code, byDefault.stderr).toBe(0);
    expect(byDefault.stderr).toContain(`Using replica 1 of 3 (${id}-r1`);
    // A replica whose pinned key no longer matches is refused, as a single instance would be.
    writeFileSync(
      known,
      readFileSync(known, 'utf8').replace(
        new RegExp(`^linode-build-${id}-r3 .*$`, 'm'),
        `linode-build-${id}-r3 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOlS1b9XhbtDjprsE8bqzK3ZyJL8nPqT2uJ6k6d3c7xE`,
      ),
    );
    const tampered = await lab.run(['ssh', id, '--replica', '3', '--', 'true'], {
      cwd: ssh.project(),
      env: ssh.env(),
    });
    expect(tampered.code).not.toBe(0);
    expect(tampered.stderr).toMatch(/HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });
});

/**
 * A new replica count and an app change in one deploy, end to end: the built CLI, the fake
 * API's NodeBalancer, and a real sshd on loopback standing in for every replica's SSH (one
 * private root plays all of them, as in replicas-roll.test.ts).
 *
 * 3 → 5 with an env change: the two new replicas are created from the new plan (their
 * cloud-init carries the new value), join once healthy, and only then the three old ones roll.
 * 5 → 2 with another env change: the three surplus replicas are drained and deleted first,
 * then the two that stay roll. The NodeBalancer is sampled every 20 ms: the healthy accepting
 * backends never drop below min(old, new) − 1 (--max-unavailable 1).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appTemplateYml } from '../support/app-template.js';
import { freePort } from '../support/net.js';
import { bootReplicaRoot, useSshLab } from '../support/ssh-lab.js';
import { sshdAvailable } from '../support/sshd.js';

describe.runIf(sshdAvailable())('a replica count and an app change in one deploy', () => {
  const ssh = useSshLab('transition', { LINODE_BUILD_DRAIN_SECONDS: '0', LINODE_BUILD_POLL_MS: '20' });
  const instance = ssh.instance;

  const write = (port: number, greeting: string, image = 'registry.example.com/app:good') => {
    writeFileSync(
      path.join(ssh.project(), 'deploy.yml'),
      appTemplateYml({ port, image }).replace(
        '    region_default: us-ord\n',
        '    region_default: us-ord\n    replicas: 3\n',
      ),
    );
    writeFileSync(path.join(ssh.project(), '.env'), `GREETING='${greeting}'\n`, { mode: 0o600 });
  };
  const deploy = (...extra: string[]) =>
    ssh.lab().run(['deploy', '--yes', '--json', '--ssh-key', `${ssh.sshd().clientKey}.pub`, ...extra], {
      cwd: ssh.project(),
      env: ssh.env(),
    });
  const restarts = () =>
    instance()
      .systemctlCalls()
      .filter((call) => call === 'restart linode-build-app.service').length;

  it('scales 3 → 5 and rolls the change over the old 3; 5 → 2 drains the surplus first and rolls the 2; a failed roll after a scale-up keeps the count, not the fingerprint, and a new count finishes it', {
    timeout: 240_000,
  }, async () => {
    const lab = ssh.lab();
    const port = await freePort();
    write(port, 'first');
    const created = await deploy();
    expect(created.code, created.stderr).toBe(0);
    const { root, nodes } = bootReplicaRoot(ssh);
    const serving = () => nodes().filter((node) => node.mode === 'accept' && node.status === 'UP').length;
    const live = () => lab.fake.listInstances().filter((item) => item.status !== 'deleting');
    expect(serving()).toBe(3);
    const firstIds = live().map((item) => item.id);

    // Every 20 ms: healthy accepting backends, and each `label:mode` with the sample it was first seen in.
    const sample = async (run: () => Promise<{ code: number; stdout: string; stderr: string }>) => {
      const seen: number[] = [];
      const firstSeen = new Map<string, number>();
      const look = () => {
        seen.push(serving());
        for (const node of nodes()) {
          const key = `${node.label.slice(-2)}:${node.mode}`;
          if (!firstSeen.has(key)) firstSeen.set(key, seen.length);
        }
      };
      look();
      const timer = setInterval(look, 20);
      try {
        return { result: await run(), seen, at: (key: string) => firstSeen.get(key) ?? Number.NaN };
      } finally {
        clearInterval(timer);
      }
    };
    /** Where `text` first appears in the CLI's progress (stderr), for the order of its steps. */
    const line = (stderr: string, text: string) => {
      const index = stderr.indexOf(text);
      expect(index, text).toBeGreaterThanOrEqual(0);
      return index;
    };

    // 3 → 5 with GREETING changed, in one deploy, asked once for both (no terminal: refused, naming both).
    write(port, 'second');
    const unasked = await lab.run(['deploy', '--replicas', '5', '--ssh-key', `${ssh.sshd().clientKey}.pub`], {
      cwd: ssh.project(),
      env: ssh.env(),
    });
    expect(unasked.code).toBe(2);
    expect(unasked.stderr).toMatch(
      /refusing to scale \S+ from 3 to 5 replicas and roll the change in one deploy/,
    );
    expect(live()).toHaveLength(3);
    const before = restarts();
    const up = await sample(() => deploy('--replicas', '5'));
    expect(up.result.code, up.result.stderr).toBe(0);
    expect(JSON.parse(up.result.stdout)).toMatchObject({
      result: 'scaled',
      replicas: 5,
      changes: [{ field: 'env GREETING', level: 'app' }],
    });
    expect(up.seen.length).toBeGreaterThan(0);
    expect(Math.min(...up.seen), 'healthy accepting backends (3 − 1 at worst)').toBeGreaterThanOrEqual(2);
    // The new replicas were all accepting before the first old one was drained: in the CLI's
    // steps, and in the NodeBalancer's modes as sampled (same sample at worst).
    const upErr = up.result.stderr;
    for (const index of [4, 5]) {
      expect(line(upErr, `replica ${index}/5: healthy, accepting traffic`)).toBeLessThan(
        line(upErr, 'replica 1/5: draining'),
      );
      expect(up.at(`r${index}:accept`)).toBeLessThanOrEqual(up.at('r1:drain'));
    }
    // The old three rolled over SSH (3 restarts); the two new ones booted with the new value.
    expect(restarts() - before).toBe(3);
    expect(readFileSync(path.join(root.root, 'etc/linode-build/app.env'), 'utf8')).toContain(
      'GREETING=second\n',
    );
    const added = live().filter((item) => !firstIds.includes(item.id));
    expect(added).toHaveLength(2);
    for (const item of added) expect(lab.fake.userDataOf(item.id)).toMatch(/GREETING='?second/);
    expect(live()).toHaveLength(5);
    expect(serving()).toBe(5);
    const plan = await lab.run(['plan', '--json'], { cwd: ssh.project(), env: ssh.env() });
    expect(JSON.parse(plan.stdout).deployment.action, 'the new fingerprint was recorded').toBe('unchanged');

    // 5 → 2 with GREETING changed again: surplus drained and gone before the two stay roll.
    write(port, 'third');
    const beforeDown = restarts();
    const down = await sample(() => deploy('--replicas', '2'));
    expect(down.result.code, down.result.stderr).toBe(0);
    expect(JSON.parse(down.result.stdout)).toMatchObject({ result: 'scaled', replicas: 2 });
    expect(Math.min(...down.seen), 'healthy accepting backends (2 − 1 at worst)').toBeGreaterThanOrEqual(1);
    const downErr = down.result.stderr;
    expect(line(downErr, 'Draining 3 backends')).toBeLessThan(line(downErr, 'replica 1/2: draining'));
    expect(line(downErr, 'replica 3: Linode')).toBeLessThan(line(downErr, 'replica 1/2: draining'));
    expect(down.at('r2:drain'), 'both kept replicas rolled').toBeGreaterThan(0);
    expect(restarts() - beforeDown).toBe(2);
    expect(readFileSync(path.join(root.root, 'etc/linode-build/app.env'), 'utf8')).toContain(
      'GREETING=third\n',
    );
    expect(
      live()
        .map((item) => item.label.slice(-2))
        .sort(),
    ).toEqual(['-1', '-2']);
    expect(
      nodes()
        .map((node) => `${node.label.slice(-2)}:${node.mode}/${node.status}`)
        .sort(),
    ).toEqual(['r1:accept/UP', 'r2:accept/UP']);

    // 2 → 3 with a version that never becomes healthy: replica 3 is added, the roll stops at
    // replica 1 (put back), and the record keeps the new count with the old fingerprint.
    write(port, 'third', 'registry.example.com/app:broken');
    const broken = await deploy('--replicas', '3');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('the roll stopped at replica 1/3');
    expect(root.image()).toBe('registry.example.com/app:good');
    expect(live()).toHaveLength(3);
    const record = JSON.parse(
      readFileSync(path.join(lab.home, '.local/state/linode-build/registry.json'), 'utf8'),
    ).deployments[0];
    expect(record.scale.replicas).toBe(3);
    expect(record.scale.members.map((member: { index: number }) => member.index)).toEqual([1, 2, 3]);
    const stillToRoll = await lab.run(['plan', '--json', '--replicas', '3'], {
      cwd: ssh.project(),
      env: ssh.env(),
    });
    expect(JSON.parse(stillToRoll.stdout).deployment.action).toBe('app');
    // Undone, and back to 2 in the same deploy: the files match the fingerprint, but the stopped
    // roll's mark makes deploy scale down first and then roll them over the 2 that stay.
    write(port, 'third');
    const beforeUndo = restarts();
    const undone = await deploy('--replicas', '2');
    expect(undone.code, undone.stderr).toBe(0);
    expect(JSON.parse(undone.stdout)).toMatchObject({ result: 'scaled', replicas: 2 });
    expect(undone.stderr).toContain(
      'after the scale, deploy.yml and .env are rolled over the replicas that stay',
    );
    expect(restarts() - beforeUndo).toBe(2);
    expect(root.image()).toBe('registry.example.com/app:good');
    expect(serving()).toBe(2);
    const after = JSON.parse(
      readFileSync(path.join(lab.home, '.local/state/linode-build/registry.json'), 'utf8'),
    ).deployments[0];
    expect(after.scale.rollStartedAt, 'the roll mark is gone').toBeUndefined();

    // Nothing else left billed, and the next deploy changes nothing.
    expect(lab.fake.nodeBalancers.list()).toHaveLength(1);
    expect(lab.fake.listFirewalls()).toHaveLength(2);
    expect(lab.fake.placementGroups.list()[0]!.members).toHaveLength(2);
    lab.fake.clearLog();
    const again = await deploy('--replicas', '2');
    expect(JSON.parse(again.stdout)).toMatchObject({ result: 'unchanged' });
    expect(lab.fake.mutatingRequests()).toEqual([]);
  });
});

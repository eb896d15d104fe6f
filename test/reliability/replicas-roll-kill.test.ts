/**
 * A roll of an app change over 3 replicas killed with SIGKILL part-way (the built CLI, the fake
 * API's NodeBalancer, a real sshd on loopback playing every replica as in
 * test/e2e/replicas-roll.test.ts): when replica 1's backend was just drained, when replica 1
 * was updated but not yet back in rotation, when its backend was removed to be registered anew
 * (none left for it), and when replica 2 was drained after replica 1 had
 * finished. Each time `status` says the roll was interrupted, and the next deploy finishes it:
 * the drained replica goes first (so never more than one backend out of rotation), every
 * backend ends `accept` on the new version, nothing is created or left over, and the mark is
 * gone. Last, the change is undone after the kill: the files match the record, and that deploy
 * still rolls (replica 1 runs the cut-short version, replica 2 is drained) back to the recorded one.
 * Then a scale to 4 with an env change in one deploy, killed in its roll after the new replica
 * joined: the next deploy rolls the rest and creates nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appTemplateYml } from '../support/app-template.js';
import { freePort } from '../support/net.js';
import { useSshLab } from '../support/ssh-lab.js';
import { sshdAvailable } from '../support/sshd.js';
import { killAt, readRegistry } from './support.js';

describe.runIf(sshdAvailable())('a roll killed part-way is finished by the next deploy', () => {
  const ssh = useSshLab('roll-kill', { LINODE_BUILD_DRAIN_SECONDS: '0' });

  it('killed at: drain of replica 1, replica 1 updated, its backend removed, drain of replica 2 (then also with the change undone), and the roll after a scale-up in the same deploy', {
    timeout: 240_000,
  }, async () => {
    const lab = ssh.lab();
    const project = ssh.project();
    const port = await freePort();
    writeFileSync(
      path.join(project, 'deploy.yml'),
      appTemplateYml({ image: 'registry.example.com/app:good', port }).replace(
        '    region_default: us-ord\n',
        '    region_default: us-ord\n    replicas: 3\n',
      ),
    );
    const greet = (greeting: string) =>
      writeFileSync(path.join(project, '.env'), `GREETING='${greeting}'\n`, { mode: 0o600 });
    const deployArgs = ['deploy', '--yes', '--json', '--ssh-key', `${ssh.sshd().clientKey}.pub`];
    const deploy = () => lab.run(deployArgs, { cwd: project, env: ssh.env() });

    greet('v0');
    const created = await deploy();
    expect(created.code, created.stderr).toBe(0);
    const id = JSON.parse(created.stdout).id as string;
    const root = ssh.instance();
    root.boot(lab.fake.userDataOf(lab.fake.listInstances()[0]!.id)!);
    root.startApp();
    const [balancer] = lab.fake.nodeBalancers.list();
    const configs = () => lab.fake.nodeBalancers.configsOf(balancer!.id);
    const nodes = () => configs().flatMap((config) => config.nodes);
    const nodeOf = (index: number) => nodes().find((node) => node.label === `${id}-r${index}`)!;
    const nodePath = (index: number) =>
      new RegExp(`^/nodebalancers/${balancer!.id}/configs/${configs()[0]!.id}/nodes/${nodeOf(index).id}$`);
    const nodesList = new RegExp(`^/nodebalancers/${balancer!.id}/configs/${configs()[0]!.id}/nodes$`);
    const restarts = () =>
      root.systemctlCalls().filter((call) => call === 'restart linode-build-app.service').length;
    const mutating = () => lab.fake.mutatingRequests().length;

    const cases = [
      { name: 'replica 1 drained', step: { method: 'PUT', path: nodePath(1) }, drained: [1] },
      // GET of the nodes: 1 = every backend registered (completeScale), 2 = roll order,
      // 3 = replica 1 before its drain, 4 = its check after the update.
      { name: 'replica 1 updated', step: { method: 'GET', path: nodesList, skip: 3 }, drained: [1] },
      // Replica 1 updated and its backend removed to be registered anew (fresh checks only):
      // killed before it is added again, no backend is left for it; the next deploy adds it.
      {
        name: 'replica 1 backend removed',
        step: { method: 'DELETE', path: /\/nodes\/\d+$/ },
        drained: [],
        first: [1],
        // Its backend is missing, so the deploy registers it again before it rolls (completeScale).
        resumed: `Registering replica 1 again on the NodeBalancer: a roll of ${id} that was cut short had removed its backend`,
      },
      // Replica 1 drained and re-admitted (2 PUTs), then replica 2 drained.
      { name: 'replica 2 drained', step: { method: 'PUT', path: /\/nodes\/\d+$/, skip: 2 }, drained: [2] },
      // The user then goes back to the recorded version: the files match the record, yet
      // replica 1 runs the cut-short one and replica 2 is drained, so that deploy rolls too.
      {
        name: 'replica 2 drained, change undone',
        step: { method: 'PUT', path: /\/nodes\/\d+$/, skip: 2 },
        drained: [2],
        undo: true,
      },
    ];
    for (const [round, entry] of cases.entries()) {
      const version = 'undo' in entry ? `v${round}` : `v${round + 1}`;
      greet(`v${round + 1}`);
      await killAt(lab, { name: entry.name, ...entry.step }, deployArgs, project, ssh.env());
      greet(version);
      const out = nodes().filter((node) => node.mode !== 'accept');
      expect(
        out.map((node) => node.label),
        entry.name,
      ).toEqual(entry.drained.map((k) => `${id}-r${k}`));
      expect(readRegistry(lab.home).find((record) => record.id === id)?.scale?.rollStartedAt).toBeDefined();
      const first = ('first' in entry ? entry.first : undefined) ?? entry.drained;
      expect(nodes(), entry.name).toHaveLength(3 - first.length + entry.drained.length);

      // status says so, in text and JSON.
      const text = await lab.run(['status', id, '--no-health'], { cwd: project, env: ssh.env() });
      expect(text.stdout, entry.name).toContain('Roll:      interrupted (the deploy was cut short)');
      expect(text.stdout, entry.name).not.toContain('stopped at replica');
      const json = await lab.run(['status', id, '--json', '--no-health'], { cwd: project, env: ssh.env() });
      expect(JSON.parse(json.stdout)[0].unfinishedRollSince).toMatch(/^\d{4}-\d\d-\d\dT/);
      // Cut short, not stopped by a replica: no stop is recorded.
      expect(JSON.parse(json.stdout)[0].rollStopped, entry.name).toBeUndefined();

      // The next deploy finishes the roll, drained replica first, one backend out at a time.
      const restartsBefore = restarts();
      const seen: number[] = [];
      const timer = setInterval(() => seen.push(nodes().filter((node) => node.mode !== 'accept').length), 20);
      const next = await deploy().finally(() => clearInterval(timer));
      expect(next.code, next.stderr).toBe(0);
      expect(Math.max(...seen), entry.name).toBe(1);
      expect(next.stderr).toContain(
        ('resumed' in entry ? entry.resumed : undefined) ??
          `Replica ${first.join(', ')} left out of rotation by an unfinished roll: updated first`,
      );
      const order = [...next.stderr.matchAll(/replica (\d)\/3: updated/g)].map((match) => Number(match[1]));
      expect(order[0]).toBe(first[0]);
      expect([...order].sort()).toEqual([1, 2, 3]);
      expect(restarts() - restartsBefore).toBe(3);
      expect(readFileSync(path.join(root.root, 'etc/linode-build/app.env'), 'utf8')).toContain(
        `GREETING=${version}\n`,
      );
      expect(nodes().map((node) => node.mode)).toEqual(['accept', 'accept', 'accept']);
      expect(nodes()).toHaveLength(3);
      expect(lab.fake.listInstances()).toHaveLength(3);
      expect(lab.fake.nodeBalancers.list()).toHaveLength(1);
      expect(lab.fake.listFirewalls()).toHaveLength(2);
      expect(readRegistry(lab.home).find((record) => record.id === id)?.scale?.rollStartedAt).toBeUndefined();
      const after = await lab.run(['status', id, '--json', '--no-health'], { cwd: project, env: ssh.env() });
      expect(JSON.parse(after.stdout)[0].unfinishedRollSince).toBeUndefined();
      // Converged: one more deploy changes nothing.
      const before = mutating();
      const again = await deploy();
      expect(again.code, again.stderr).toBe(0);
      expect(mutating()).toBe(before);
    }

    // A new count and an env change in one deploy: replica 4 is added (on the new version) and
    // serves, then the roll over replicas 1-3 is killed at replica 1's drain. The next deploy
    // rolls the rest with no new instance, and the mark goes.
    const yml = path.join(project, 'deploy.yml');
    writeFileSync(yml, readFileSync(yml, 'utf8').replace('replicas: 3', 'replicas: 4'));
    greet('v9');
    await killAt(
      lab,
      { name: 'scale + roll: replica 1 drained', method: 'PUT', path: nodePath(1) },
      deployArgs,
      project,
      ssh.env(),
    );
    const killed = readRegistry(lab.home).find((record) => record.id === id);
    expect(killed?.scale?.replicas).toBe(4);
    expect(killed?.scale?.rollStartedAt).toBeDefined();
    expect(lab.fake.listInstances()).toHaveLength(4);
    expect(
      nodes()
        .filter((node) => node.mode !== 'accept')
        .map((node) => node.label),
    ).toEqual([`${id}-r1`]);
    const seen: number[] = [];
    const timer = setInterval(() => seen.push(nodes().filter((node) => node.mode !== 'accept').length), 20);
    const finished = await deploy().finally(() => clearInterval(timer));
    expect(finished.code, finished.stderr).toBe(0);
    expect(Math.max(...seen)).toBe(1);
    expect(finished.stderr).toContain('Replica 1 left out of rotation by an unfinished roll: updated first');
    expect(readFileSync(path.join(root.root, 'etc/linode-build/app.env'), 'utf8')).toContain('GREETING=v9\n');
    expect(nodes().map((node) => node.mode)).toEqual(['accept', 'accept', 'accept', 'accept']);
    expect(lab.fake.listInstances()).toHaveLength(4);
    expect(readRegistry(lab.home).find((record) => record.id === id)?.scale?.rollStartedAt).toBeUndefined();
    const settled = mutating();
    expect((await deploy()).code).toBe(0);
    expect(mutating()).toBe(settled);
  });
});

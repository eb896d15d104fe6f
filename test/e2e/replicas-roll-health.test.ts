/**
 * The NodeBalancer's port config follows a roll of the template's health check and ports (the
 * built CLI, the fake API's NodeBalancer with checks over time, a real sshd on loopback playing
 * every replica, as in replicas-roll.test.ts).
 *
 * The fake's checks answer per version: a backend registered before the roll runs the old
 * version and answers only the old path; one registered anew by the roll (after its update)
 * answers only the new path. Whichever HTTP check the NodeBalancer kept during the roll, one
 * group would go DOWN; a TCP `connection` check is passed by both.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRegistry } from '../reliability/support.js';
import { appTemplateYml } from '../support/app-template.js';
import { freePort } from '../support/net.js';
import { bootReplicaRoot, useSshLab } from '../support/ssh-lab.js';
import { sshdAvailable } from '../support/sshd.js';

describe.runIf(sshdAvailable())('the NodeBalancer config follows the template', () => {
  const ssh = useSshLab('roll-health', { LINODE_BUILD_DRAIN_SECONDS: '0' });
  // The lab (and its deployment) is shared by the tests below, in order.
  let port = 0;

  const write = (port: number, options: { path?: string; internal?: number; greeting?: string } = {}) => {
    const yml = appTemplateYml({ port })
      .replace('    region_default: us-ord\n', '    region_default: us-ord\n    replicas: 3\n')
      .replace('        path: /health\n', `        path: ${options.path ?? '/health'}\n`)
      .replace('      internal_port: 8000\n', `      internal_port: ${options.internal ?? 8000}\n`);
    writeFileSync(path.join(ssh.project(), 'deploy.yml'), yml);
    writeFileSync(path.join(ssh.project(), '.env'), `GREETING='${options.greeting ?? 'hello'}'\n`, {
      mode: 0o600,
    });
  };
  const deploy = (...extra: string[]) =>
    ssh.lab().run(['deploy', '--yes', '--json', '--ssh-key', `${ssh.sshd().clientKey}.pub`, ...extra], {
      cwd: ssh.project(),
      env: ssh.env(),
    });

  /** The lab's NodeBalancer: its backends, its config, and checks answered per version. */
  const probe = () => {
    const lab = ssh.lab();
    const [balancer] = lab.fake.nodeBalancers.list();
    const nodes = () => lab.fake.nodeBalancers.configsOf(balancer!.id).flatMap((item) => item.nodes);
    const config = () => lab.fake.nodeBalancers.configsOf(balancer!.id)[0]!;
    const serving = () => nodes().filter((node) => node.mode === 'accept' && node.status === 'UP').length;
    // Versions by registration: nodes present now run the old app, nodes added later the new one.
    const versionedChecks = (oldPath: string, newPath: string) => {
      const before = new Set(nodes().map((node) => node.id));
      lab.fake.nodeBalancers.setBackendHealth((instance, _port, checkPath) => {
        const node = nodes().find((item) => instance.ipv4.includes(item.address.replace(/:\d+$/, '')));
        if (checkPath === undefined) return true; // a TCP connection: both versions listen
        return checkPath === (node && before.has(node.id) ? oldPath : newPath);
      });
      return before;
    };
    /** Backends serving and the config's check type every 10 ms while `run` runs. */
    const sample = async (run: () => Promise<{ code: number; stdout: string; stderr: string }>) => {
      const seen: number[] = [];
      const checks = new Set<string>();
      const timer = setInterval(() => {
        seen.push(serving());
        checks.add(config().check);
      }, 10);
      try {
        return { result: await run(), seen, checks };
      } finally {
        clearInterval(timer);
      }
    };
    return { nodes, config, serving, versionedChecks, sample };
  };

  it('a health path change rolls with every backend but one serving and ends on the new check; a stopped roll is finished by the next deploy', {
    timeout: 180_000,
  }, async () => {
    const lab = ssh.lab();
    port = await freePort();
    write(port);
    const created = await deploy();
    expect(created.code, created.stderr).toBe(0);
    const id = JSON.parse(created.stdout).id as string;
    bootReplicaRoot(ssh);
    const { config, serving, versionedChecks, sample } = probe();
    expect(config()).toMatchObject({ check: 'http', check_path: '/health' });

    versionedChecks('/health', '/ready');
    write(port, { path: '/ready' });
    const rolled = await sample(() => deploy());
    expect(rolled.result.code, rolled.result.stderr).toBe(0);
    expect(JSON.parse(rolled.result.stdout).result).toBe('updated');
    expect(rolled.seen.length).toBeGreaterThan(20);
    // N − max-unavailable = 2 at every sample; the check was relaxed during the roll.
    expect(Math.min(...rolled.seen)).toBeGreaterThanOrEqual(2);
    expect([...rolled.checks]).toContain('connection');
    expect(config()).toMatchObject({
      check: 'http',
      check_path: '/ready',
      check_interval: 3,
      check_timeout: 2,
      check_attempts: 2,
    });
    expect(rolled.result.stderr).toContain('health check GET /ready');
    // Every backend UP under the new check (the new version answers it), and no mark left.
    const deadline = Date.now() + 20_000;
    while (serving() < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(serving()).toBe(3);
    expect(readRegistry(lab.home).find((record) => record.id === id)?.scale?.checkRelaxedAt).toBeUndefined();
    const again = await deploy();
    expect(JSON.parse(again.stdout).result).toBe('unchanged');

    // A roll to /live stopped at replica 2 (its backend forced DOWN): the config stays on the
    // relaxed check, and the record says so.
    versionedChecks('/ready', '/live');
    const second = lab.fake.listInstances().find((item) => item.label.endsWith('-2'))!;
    lab.fake.nodeBalancers.setNodeHealth(second.id, false);
    write(port, { path: '/live' });
    const stopped = await deploy('--timeout', '8');
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain('the roll stopped at replica 2/3');
    expect(config().check).toBe('connection');
    expect(readRegistry(lab.home).find((record) => record.id === id)?.scale?.checkRelaxedAt).toMatch(
      /^\d{4}-/,
    );

    // The change undone: the files match the record, the next deploy rolls again and sets the
    // recorded HTTP check (not left on `connection`).
    lab.fake.nodeBalancers.setNodeHealth(second.id, undefined);
    lab.fake.nodeBalancers.setBackendHealth(undefined);
    write(port, { path: '/ready' });
    const finished = await deploy();
    expect(finished.code, finished.stderr).toBe(0);
    expect(config()).toMatchObject({ check: 'http', check_path: '/ready' });
    expect(readRegistry(lab.home).find((record) => record.id === id)?.scale?.checkRelaxedAt).toBeUndefined();
  });

  it('a scale-up with a health path change: the new replicas join under the relaxed check, the old ones roll, the new check at the end', {
    timeout: 180_000,
  }, async () => {
    const lab = ssh.lab();
    write(port, { path: '/ready' });
    const [balancer] = lab.fake.nodeBalancers.list();
    const nodes = () => lab.fake.nodeBalancers.configsOf(balancer!.id).flatMap((item) => item.nodes);
    const config = () => lab.fake.nodeBalancers.configsOf(balancer!.id)[0]!;
    const before = new Set(nodes().map((node) => node.id));
    lab.fake.nodeBalancers.setBackendHealth((instance, _port, checkPath) => {
      const node = nodes().find((item) => instance.ipv4.includes(item.address.replace(/:\d+$/, '')));
      if (checkPath === undefined) return true;
      return checkPath === (node && before.has(node.id) ? '/ready' : '/up');
    });
    const yml = path.join(ssh.project(), 'deploy.yml');
    writeFileSync(
      yml,
      readFileSync(yml, 'utf8').replace('replicas: 3', 'replicas: 4').replace('path: /ready', 'path: /up'),
    );
    const scaled = await deploy('--timeout', '30');
    expect(scaled.code, scaled.stderr).toBe(0);
    expect(JSON.parse(scaled.stdout).result).toBe('scaled');
    expect(config()).toMatchObject({ check: 'http', check_path: '/up' });
    expect(nodes().map((node) => node.mode)).toEqual(['accept', 'accept', 'accept', 'accept']);
    lab.fake.nodeBalancers.setBackendHealth(undefined);
    writeFileSync(yml, readFileSync(yml, 'utf8').replace('replicas: 4', 'replicas: 3'));
    const down = await deploy();
    expect(down.code, down.stderr).toBe(0);
  });

  it('internal_port rolls with the backends on the unchanged public port; a new external_port is refused before any change', {
    timeout: 180_000,
  }, async () => {
    const lab = ssh.lab();
    // The first test's deployment, back on /health.
    write(port);
    const reset = await deploy();
    expect(reset.code, reset.stderr).toBe(0);
    const [balancer] = lab.fake.nodeBalancers.list();
    const nodes = () => lab.fake.nodeBalancers.configsOf(balancer!.id).flatMap((item) => item.nodes);
    const config = () => lab.fake.nodeBalancers.configsOf(balancer!.id)[0]!;

    // The replicas publish external_port on the host: the backends stay on it.
    write(port, { internal: 8001 });
    const internal = await deploy();
    expect(internal.code, internal.stderr).toBe(0);
    expect(JSON.parse(internal.stdout).changes).toContainEqual(
      expect.objectContaining({ field: 'container.ports', to: `${port}:8001` }),
    );
    expect(config().port).toBe(port);
    expect(nodes().map((node) => node.address.replace(/^.*:/, ''))).toEqual([
      String(port),
      String(port),
      String(port),
    ]);
    expect(nodes().every((node) => node.mode === 'accept')).toBe(true);

    const other = await freePort();
    write(other, { internal: 8001 });
    const before = lab.fake.mutatingRequests().length;
    const refused = await deploy();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`changes the public port`);
    expect(refused.stderr).toContain(`external_port ${port} → ${other}`);
    expect(refused.stderr).toContain('--new');
    expect(lab.fake.mutatingRequests().length).toBe(before);
    expect(config().port).toBe(port);

    // The same with a machine-level change and --replace: new instances on the new port would
    // sit behind a NodeBalancer and firewalls of the old one.
    const yml = path.join(ssh.project(), 'deploy.yml');
    writeFileSync(
      yml,
      readFileSync(yml, 'utf8').replace('type_default: g6-standard-2', 'type_default: g6-standard-4'),
    );
    const replaceRefused = await deploy('--replace');
    expect(replaceRefused.code).toBe(1);
    expect(replaceRefused.stderr).toContain(`external_port ${port} → ${other}`);
    expect(lab.fake.mutatingRequests().length).toBe(before);
    expect(lab.fake.listInstances().filter((instance) => instance.type === 'g6-standard-4')).toEqual([]);
  });
  it('deploy --replace with a health path change: the new instances join under the relaxed check, the new check at the end', {
    timeout: 180_000,
  }, async () => {
    const lab = ssh.lab();
    // The deployment as the test before left it (its refused port change undone).
    write(port, { internal: 8001 });
    const { nodes, config, versionedChecks, sample } = probe();
    // The old instances answer only /health, the new ones (registered from now on) only /ready.
    const before = versionedChecks('/health', '/ready');
    write(port, { internal: 8001, path: '/ready' });
    const yml = path.join(ssh.project(), 'deploy.yml');
    writeFileSync(
      yml,
      readFileSync(yml, 'utf8').replace('type_default: g6-standard-2', 'type_default: g6-standard-4'),
    );
    const { result: replaced, seen, checks } = await sample(() => deploy('--replace', '--timeout', '60'));
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(JSON.parse(replaced.stdout).result).toBe('replaced');
    expect([...checks]).toContain('connection');
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(2);
    expect(config()).toMatchObject({ check: 'http', check_path: '/ready' });
    expect(nodes().some((node) => before.has(node.id))).toBe(false);
    const [balancer] = lab.fake.nodeBalancers.list();
    const record = readRegistry(lab.home).find((item) => item.scale?.nodeBalancerId === balancer!.id);
    expect(record?.scale?.checkRelaxedAt).toBeUndefined();
    expect(record?.type).toBe('g6-standard-4');
    lab.fake.nodeBalancers.setBackendHealth(undefined);
  });
});

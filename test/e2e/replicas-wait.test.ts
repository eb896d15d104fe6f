/**
 * `deploy --wait` of a deployment with replicas shows each replica's boot steps, read from that
 * replica's own watcher through an SSH tunnel to the replica's own address: the built CLI, the
 * fake API, a real sshd playing every replica, and one watcher stand-in per replica. The ssh
 * program given to the CLI logs its arguments and sends replica k's tunnel (HostKeyAlias
 * `…-rk`) to stand-in k, so each replica reports its own boot, and which address each tunnel
 * went to is checked against the replicas' recorded public addresses.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../fake-linode/harness.js';
import { appTemplateYml } from '../support/app-template.js';
import { type BootLab, startBootLab, until } from '../support/boot-tunnels.js';
import { binPath } from '../support/cli.js';
import { processesMentioning } from '../support/processes.js';
import { sshdAvailable } from '../support/sshd.js';
import { appStep, bootProgress, dockerStep, type WatcherStandin } from '../support/watcher-standin.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!sshdAvailable())('deploy --wait with replicas shows each replica’s boot', () => {
  let boot: BootLab;
  let lab: Lab;
  let watchers: readonly WatcherStandin[];
  let ssh: string;
  let sshLog: string;

  beforeAll(async () => {
    // The tunnel of replica k (HostKeyAlias …-rk) goes to stand-in k.
    boot = await startBootLab(3, 'r');
    ({ lab, watchers, ssh, sshLog } = boot);
  });
  afterAll(async () => {
    await boot?.close();
  });

  async function project(name: string): Promise<string> {
    const directory = await lab.project(name, 'embeddings-python');
    const yml = appTemplateYml({
      greeting: false,
      features: `{name: buildwatch, config: {port: ${watchers[0]!.port}}}`,
    }).replace('    region_default: us-ord\n', '    region_default: us-ord\n    replicas: 3\n');
    writeFileSync(path.join(directory, 'deploy.yml'), yml);
    return directory;
  }

  const stateOf = (directory: string) =>
    JSON.parse(readFileSync(path.join(directory, '.linode/state.json'), 'utf8')).envs.default as {
      deploymentId: string;
    };

  it('prints one line per step change per replica, prefixed by the replica, read on each replica’s own address', {
    timeout: 120_000,
  }, async () => {
    const directory = await project('wait-ok');
    for (const watcher of watchers)
      watcher.setBoot(bootProgress([dockerStep('running'), appStep('pending')]));
    // No replica passes the NodeBalancer's check until its boot is done.
    const booted = new Set<number>();
    const portOf = new Map<number, number>();
    lab.fake.nodeBalancers.setBackendHealth((instance) => booted.has(portOf.get(instance.id) ?? -1));
    const seen = watchers.map((watcher) => watcher.arrivals.length);
    const read = (k: number) =>
      watchers[k]!.arrivals.slice(seen[k]).some((arrival) => arrival.path === '/status');
    const running = lab.run(['deploy', '--wait', '--yes'], {
      cwd: directory,
      env: { LINODE_BUILD_SSH: ssh, LINODE_BUILD_POLL_MS: '200' },
    });
    await until(
      () => read(0) && read(1) && read(2),
      60_000,
      'every replica’s watcher read through its tunnel',
    );
    // Replica k is stand-in k (the ssh wrapper): boots finish one after the other.
    for (const instance of lab.fake.listInstances()) {
      const k = Number(/-(\d+)$/.exec(instance.label)?.[1]);
      portOf.set(instance.id, k - 1);
    }
    for (const k of [0, 1, 2]) {
      watchers[k]!.setBoot(bootProgress([dockerStep('ok'), appStep('running')]));
      await sleep(700);
      watchers[k]!.setBoot(bootProgress([dockerStep('ok'), appStep('ok')], 'done'));
      await sleep(700);
      booted.add(k);
    }
    const result = await running;
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stderr.split('\n');
    for (const k of [1, 2, 3]) {
      for (const change of [
        'docker: Install Docker: running',
        'docker: Install Docker: ok',
        'app: Start the app: running',
        'app: Start the app: ok',
      ]) {
        // Exactly once each: one line per step change per replica, however often it is read.
        expect(
          lines.filter((line) => line.endsWith(`replica ${k}/3: boot step ${change}`)),
          `replica ${k}: ${change}\n${result.stderr}`,
        ).toHaveLength(1);
      }
      expect(result.stderr).toContain(`replica ${k}/3: healthy, accepting traffic`);
    }
    // Every line whole (nothing interleaved): each starts with the elapsed-time mark or is a known report.
    const progress = lines.filter((line) => line.includes('replica '));
    expect(progress.every((line) => /^\[\d+(m\d\d)?s\] /.test(line))).toBe(true);
    // Replica 1 booted first: its "ok" came before replica 3's docker step finished.
    const at = (text: string) => lines.findIndex((line) => line.endsWith(text));
    expect(at('replica 1/3: boot step app: Start the app: ok')).toBeLessThan(
      at('replica 3/3: boot step docker: Install Docker: ok'),
    );
    // Each tunnel went to a replica's own public address, under its own host-key alias.
    const id = stateOf(directory).deploymentId;
    const status = await lab.run(['status', id, '--json', '--no-health'], { cwd: directory });
    const [view] = JSON.parse(status.stdout) as {
      ipv4: string;
      replicas: { index: number; ipv4: string }[];
    }[];
    expect(view!.replicas).toHaveLength(3);
    const argv = readFileSync(sshLog, 'utf8');
    for (const member of view!.replicas) {
      expect(argv).toMatch(
        new RegExp(
          `HostKeyAlias=linode-build-${id}-r${member.index} .*root@${member.ipv4.replaceAll('.', '\\.')}`,
        ),
      );
    }
    // Never the NodeBalancer's address (it has no sshd).
    expect(argv).not.toContain(`root@${view!.ipv4}`);
    expect((await lab.run(['destroy', id, '--yes'])).code).toBe(0);
  });

  it('a replica whose boot step fails ends the wait once the others serve, with its exit code and last lines', {
    timeout: 120_000,
  }, async () => {
    const directory = await project('wait-fail');
    lab.fake.nodeBalancers.setBackendHealth(undefined);
    const failed = bootProgress(
      [
        dockerStep('ok'),
        appStep('failed', {
          exit_code: 7,
          output_tail: 'pulling app\nError response from daemon: manifest unknown\n',
        }),
      ],
      'failed',
    );
    const done = bootProgress([dockerStep('ok'), appStep('ok')], 'done');
    watchers[0]!.setBoot(done);
    watchers[1]!.setBoot(failed);
    watchers[2]!.setBoot(done);
    // Replica 2's app never answers, so only its boot failure can end the wait before --timeout.
    lab.fake.nodeBalancers.setBackendHealth((instance) => !/-2$/.test(instance.label));
    const result = await lab.run(['deploy', '--wait', '--yes', '--timeout', '600'], {
      cwd: directory,
      env: { LINODE_BUILD_SSH: ssh, LINODE_BUILD_POLL_MS: '200' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('replica 2/3: boot step app: Start the app: failed (exit 7)');
    expect(result.stderr).toContain(
      'Error: replica 2/3: boot step app: Start the app failed with exit code 7. 2 of 3 serve.',
    );
    expect(result.stderr).toContain('  Error response from daemon: manifest unknown');
    expect(result.stderr).not.toContain('did not pass the NodeBalancer');
    expect(result.stderr).not.toMatch(/replica [13]\/3: boot step app: Start the app: failed/);
    const [balancer] = lab.fake.nodeBalancers.list();
    const modes = lab.fake.nodeBalancers
      .configsOf(balancer!.id)
      .flatMap((config) => config.nodes)
      .map((node) => `${node.label.slice(-2)}:${node.mode}`)
      .sort();
    expect(modes).toEqual(['r1:accept', 'r2:reject', 'r3:accept']);
    lab.fake.nodeBalancers.setBackendHealth(undefined);
    const id = stateOf(directory).deploymentId;
    expect((await lab.run(['destroy', id, '--yes'])).code).toBe(0);
  });

  it('a scale-up with --wait follows only the new replicas’ boots', { timeout: 120_000 }, async () => {
    const directory = await project('wait-scale');
    lab.fake.nodeBalancers.setBackendHealth(undefined);
    const done = bootProgress([dockerStep('ok'), appStep('ok')], 'done');
    for (const watcher of watchers) watcher.setBoot(done);
    const env = { LINODE_BUILD_SSH: ssh, LINODE_BUILD_POLL_MS: '200' };
    const two = await lab.run(['deploy', '--yes', '--replicas', '2'], { cwd: directory, env });
    expect(two.code, two.stderr).toBe(0);
    // Without --wait no boot is read.
    expect(two.stderr).not.toContain('boot step');
    const seen = watchers.map((watcher) => watcher.arrivals.length);
    watchers[2]!.setBoot(bootProgress([dockerStep('running'), appStep('pending')]));
    // Replica 3 passes the NodeBalancer's check only once its boot is done.
    let booted = false;
    lab.fake.nodeBalancers.setBackendHealth((instance) => !/-3$/.test(instance.label) || booted);
    const scaling = lab.run(['deploy', '--yes', '--wait', '--replicas', '3'], { cwd: directory, env });
    const deadline = Date.now() + 60_000;
    while (!watchers[2]!.arrivals.slice(seen[2]).some((arrival) => arrival.path === '/status')) {
      if (Date.now() > deadline) throw new Error('replica 3’s watcher was never read');
      await sleep(50);
    }
    await sleep(500);
    watchers[2]!.setBoot(done);
    await sleep(700);
    booted = true;
    const three = await scaling;
    expect(three.code, three.stderr).toBe(0);
    expect(three.stderr).toContain('replica 3/3: boot step docker: Install Docker: running');
    expect(three.stderr).toContain('replica 3/3: boot step app: Start the app: ok');
    expect(three.stderr).not.toMatch(/replica [12]\/3: boot step/);
    // Replicas 1 and 2 (already serving) were not read at all.
    expect(watchers[0]!.arrivals.length).toBe(seen[0]);
    expect(watchers[1]!.arrivals.length).toBe(seen[1]);
    lab.fake.nodeBalancers.setBackendHealth(undefined);
    expect((await lab.run(['destroy', stateOf(directory).deploymentId, '--yes'])).code).toBe(0);
  });

  it.each(['SIGTERM', 'SIGKILL'] as const)(
    'a deploy --wait of replicas stopped by %s leaves no ssh and no tunnel directory behind',
    async (signal) => {
      const directory = await project(`wait-${signal.toLowerCase()}`);
      for (const watcher of watchers)
        watcher.setBoot(bootProgress([dockerStep('running'), appStep('pending')]));
      lab.fake.nodeBalancers.setBackendHealth(() => false);
      const tmp = mkdtempSync('/tmp/lb-replica-term-');
      const seen = watchers.map((watcher) => watcher.arrivals.length);
      const child = spawn(process.execPath, [binPath, 'deploy', '--wait', '--yes'], {
        cwd: directory,
        env: { ...process.env, ...lab.env, LINODE_BUILD_SSH: ssh, LINODE_BUILD_POLL_MS: '200', TMPDIR: tmp },
        stdio: 'ignore',
      });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        await until(
          () =>
            watchers.every((watcher, k) => watcher.arrivals.slice(seen[k]).some((a) => a.path === '/status')),
          60_000,
          'every replica’s tunnel',
        );
        // One tunnel per replica, each an ssh of its own.
        expect(readdirSync(tmp).filter((name) => name.startsWith('lb-tunnel-'))).toHaveLength(3);
        expect(processesMentioning(tmp).length).toBeGreaterThanOrEqual(3);
        child.kill(signal);
        await until(() => child.exitCode !== null || child.signalCode !== null, 15_000, 'the CLI to stop');
        await exited;
        await until(() => processesMentioning(tmp).length === 0, 5000, 'every ssh to exit');
        expect(readdirSync(tmp)).toEqual([]);
      } finally {
        lab.fake.nodeBalancers.setBackendHealth(undefined);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      const destroyed = await lab.run(['destroy', stateOf(directory).deploymentId, '--yes']);
      expect(destroyed.code, destroyed.stderr).toBe(0);
    },
    120_000,
  );
});

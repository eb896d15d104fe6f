/**
 * `deploy --replace --wait` on a deployment with replicas shows each new instance's boot steps,
 * read from that instance's own watcher through an SSH tunnel to its own public address, under
 * its own host-key alias (`…-n<k>`: the replica's alias `…-r<k>` still pins the old machine,
 * which serves beside it). The built CLI, the fake API, a real sshd playing every machine, and
 * one watcher stand-in per replica: the ssh program logs its arguments and sends the tunnel of
 * replica k's new instance to stand-in k. A new instance whose boot fails stops the replace at
 * once (not at --timeout), and status says where and why.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../fake-linode/harness.js';
import { appTemplateYml } from '../support/app-template.js';
import { type BootLab, startBootLab, until } from '../support/boot-tunnels.js';
import { sshdAvailable } from '../support/sshd.js';
import { appStep, bootProgress, dockerStep, type WatcherStandin } from '../support/watcher-standin.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!sshdAvailable())('deploy --replace --wait shows each new instance’s boot', () => {
  let boot: BootLab;
  let lab: Lab;
  let watchers: readonly WatcherStandin[];
  let ssh: string;
  let sshLog: string;

  beforeAll(async () => {
    // The tunnel of replica k’s new instance (HostKeyAlias …-nk) goes to stand-in k.
    boot = await startBootLab(2, 'n');
    ({ lab, watchers, ssh, sshLog } = boot);
  });
  afterAll(async () => {
    await boot?.close();
  });

  const yml = (type: string) =>
    appTemplateYml({ greeting: false, features: `{name: buildwatch, config: {port: ${watchers[0]!.port}}}` })
      .replace('    region_default: us-ord\n', '    region_default: us-ord\n    replicas: 2\n')
      .replace('type_default: g6-standard-2', `type_default: ${type}`);

  /** 2 replicas of g6-standard-2 made without --wait, deploy.yml then asking for g6-standard-4. */
  async function deployed(name: string): Promise<{ directory: string; id: string }> {
    const directory = await lab.project(name, 'embeddings-python');
    writeFileSync(path.join(directory, 'deploy.yml'), yml('g6-standard-2'));
    lab.fake.nodeBalancers.setBackendHealth(undefined);
    const created = await lab.run(['deploy', '--yes', '--json'], { cwd: directory, env });
    expect(created.code, created.stderr).toBe(0);
    writeFileSync(path.join(directory, 'deploy.yml'), yml('g6-standard-4'));
    return { directory, id: JSON.parse(created.stdout).id };
  }

  const env = { LINODE_BUILD_POLL_MS: '100', LINODE_BUILD_DRAIN_SECONDS: '0' };
  /** The replica whose new instance this is (its `build-replacing:<id>-<k>` tag), if it is one. */
  const surgeOf = (tags: readonly string[]) => {
    const tag = tags.find((item) => item.startsWith('build-replacing:'));
    return tag ? Number(tag.slice(tag.lastIndexOf('-') + 1)) : undefined;
  };

  it('prints each new instance’s boot steps once, read on its own address under its own alias', {
    timeout: 120_000,
  }, async () => {
    const { directory, id } = await deployed('replace-wait-ok');
    for (const watcher of watchers)
      watcher.setBoot(bootProgress([dockerStep('running'), appStep('pending')]));
    // A new instance passes the NodeBalancer's check only once its boot is done.
    const booted = new Set<number>();
    lab.fake.nodeBalancers.setBackendHealth((instance) => {
      const k = surgeOf(instance.tags);
      return k === undefined || booted.has(k);
    });
    const seen = watchers.map((watcher) => watcher.arrivals.length);
    const read = (k: number) =>
      watchers[k - 1]!.arrivals.slice(seen[k - 1]).some((arrival) => arrival.path === '/status');
    const running = lab.run(['deploy', '--replace', '--wait', '--yes'], {
      cwd: directory,
      env: { ...env, LINODE_BUILD_SSH: ssh },
    });
    const surgeAddress = new Map<number, string>();
    for (const k of [1, 2]) {
      await until(
        () => read(k),
        60_000,
        `the watcher of replica ${k}'s new instance read through its tunnel`,
      );
      const surge = lab.fake.listInstances().find((instance) => surgeOf(instance.tags) === k)!;
      surgeAddress.set(k, surge.ipv4.find((address) => !address.startsWith('192.168.'))!);
      await sleep(400);
      watchers[k - 1]!.setBoot(bootProgress([dockerStep('ok'), appStep('running')]));
      await sleep(700);
      watchers[k - 1]!.setBoot(bootProgress([dockerStep('ok'), appStep('ok')], 'done'));
      await sleep(700);
      booted.add(k);
    }
    const result = await running;
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stderr.split('\n');
    for (const k of [1, 2]) {
      for (const change of [
        'docker: Install Docker: running',
        'docker: Install Docker: ok',
        'app: Start the app: running',
        'app: Start the app: ok',
      ]) {
        expect(
          lines.filter((line) => line.endsWith(`replica ${k}/2: boot step ${change}`)),
          `replica ${k}: ${change}\n${result.stderr}`,
        ).toHaveLength(1);
      }
    }
    // Replica 1's new instance booted (and took over) before replica 2's was made.
    const at = (text: string) => lines.findIndex((line) => line.includes(text));
    expect(at('replica 1/2: boot step app: Start the app: ok')).toBeLessThan(at('replica 2/2: creating'));
    // Each tunnel went to the new instance's own public address, under its own alias; never
    // under a replica's alias (that pins the old machine).
    const argv = readFileSync(sshLog, 'utf8');
    for (const k of [1, 2])
      expect(argv).toMatch(
        new RegExp(
          `HostKeyAlias=linode-build-${id}-n${k} .*root@${surgeAddress.get(k)!.replaceAll('.', '\\.')}`,
        ),
      );
    expect(argv).not.toContain(`HostKeyAlias=linode-build-${id}-r`);
    // The new instances are the replicas now, on the new type.
    const status = JSON.parse(
      (await lab.run(['status', id, '--json', '--no-health'], { cwd: directory })).stdout,
    ) as { type: string; replicas: { ipv4: string }[]; unfinishedReplace?: unknown }[];
    expect(status[0]!.replicas.map((replica) => replica.ipv4).sort()).toEqual(
      [...surgeAddress.values()].sort(),
    );
    expect(status[0]!.unfinishedReplace).toBeUndefined();
    lab.fake.nodeBalancers.setBackendHealth(undefined);
    expect((await lab.run(['destroy', id, '--yes'])).code).toBe(0);
  });

  it('a new instance whose boot fails stops the replace at once; status says where and why', {
    timeout: 120_000,
  }, async () => {
    const { directory, id } = await deployed('replace-wait-fail');
    watchers[0]!.setBoot(
      bootProgress(
        [
          dockerStep('ok'),
          appStep('failed', { exit_code: 7, output_tail: 'Error response from daemon: manifest unknown\n' }),
        ],
        'failed',
      ),
    );
    // Its app never answers: only the failed boot can end the wait before --timeout 600.
    lab.fake.nodeBalancers.setBackendHealth((instance) => surgeOf(instance.tags) === undefined);
    const before = lab.fake.listInstances().map((instance) => instance.id);
    const result = await lab.run(['deploy', '--replace', '--wait', '--yes', '--timeout', '600'], {
      cwd: directory,
      env: { ...env, LINODE_BUILD_SSH: ssh },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('replica 1/2: boot step app: Start the app: failed (exit 7)');
    expect(result.stderr).toMatch(
      /the replace stopped: replica 1\/2's new instance \d+: boot step app: Start the app failed with exit code 7\. It was deleted and Linode \d+ serves on/,
    );
    expect(result.stderr).not.toContain('did not pass the NodeBalancer');
    // The failed step's output, as a create prints it.
    expect(result.stderr).toMatch(/Last observations:\n.*manifest unknown/);
    // The new instance is gone; the 2 old ones serve on.
    expect(
      lab.fake
        .listInstances()
        .filter((instance) => instance.status !== 'deleting')
        .map((instance) => instance.id)
        .sort(),
    ).toEqual([...before].sort());
    const text = (await lab.run(['status', id, '--no-health'], { cwd: directory })).stdout;
    expect(text).toContain(
      "Replace:   stopped at replica 1 (its new instance's boot failed (boot step app: Start the app failed with exit code 7); it was deleted)",
    );
    expect(text).toContain('No new instance is billed beside an old one.');
    lab.fake.nodeBalancers.setBackendHealth(undefined);
    expect((await lab.run(['destroy', id, '--yes'])).code).toBe(0);
  });
});

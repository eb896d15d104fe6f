/**
 * Rolling an app change over 5 replicas, --max-unavailable 2, end to end: the built CLI, the
 * fake API's NodeBalancer (node status follows its checks over time), and a real sshd playing
 * every replica's SSH. The one private root that plays all replicas takes one update at a time
 * (an ssh wrapper holds a lock), so two replicas are drained and updated per round while their
 * updates queue on the root.
 *
 * Sampled every 20 ms while the roll runs: healthy backends in rotation (mode accept, status UP)
 * never fewer than 5 − 2 = 3. Rounds are counted from the roll's own lines (a round begins when
 * a replica is drained after a replica came back): 3 with --max-unavailable 2, 5 with 1.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../fake-linode/harness.js';
import { appTemplateYml } from '../support/app-template.js';
import { freePort } from '../support/net.js';
import { useSshLab } from '../support/ssh-lab.js';
import { sshdAvailable } from '../support/sshd.js';

/** The deploy.yml of the test app with `replicas: N`. */
function replicasYml(port: number, replicas: number): string {
  return appTemplateYml({ port }).replace(
    '    region_default: us-ord\n',
    `    region_default: us-ord\n    replicas: ${replicas}\n`,
  );
}

/** An ssh program that runs the real one under a lock: one update at a time on the shared root. */
function serialSsh(sshProgram: string): string {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'lb-serial-ssh-'));
  const wrapper = path.join(directory, 'ssh');
  writeFileSync(
    wrapper,
    `#!/bin/bash\nexec flock ${JSON.stringify(path.join(directory, 'lock'))} ${JSON.stringify(sshProgram)} "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  return wrapper;
}

/** Rounds of a roll from its step lines: a round begins with a drain after a replica came back. */
export function drainRounds(stderr: string): number {
  let rounds = 0;
  let draining = false;
  for (const line of stderr.split('\n')) {
    if (/replica \d+\/\d+: draining/.test(line)) {
      if (!draining) rounds += 1;
      draining = true;
    } else if (/replica \d+\/\d+: updated/.test(line)) draining = false;
  }
  return rounds;
}

function backendsOf(lab: Lab) {
  const [balancer] = lab.fake.nodeBalancers.list();
  return lab.fake.nodeBalancers.configsOf(balancer!.id).flatMap((config) => config.nodes);
}

describe.runIf(sshdAvailable())('replicas roll with --max-unavailable', () => {
  const ssh = useSshLab('batches', { LINODE_BUILD_DRAIN_SECONDS: '0' });
  let env: Record<string, string>;
  beforeAll(() => {
    env = { ...ssh.env(), LINODE_BUILD_SSH: serialSsh(ssh.sshd().sshProgram) };
  });
  const deploy = (...extra: string[]) =>
    ssh.lab().run(['deploy', '--yes', '--json', '--ssh-key', `${ssh.sshd().clientKey}.pub`, ...extra], {
      cwd: ssh.project(),
      env,
    });

  it('counts rounds from the roll lines', () => {
    const lines = (events: string[]) => events.map((event) => `  ${event}`).join('\n');
    expect(
      drainRounds(lines(['replica 1/3: draining', 'replica 1/3: updated', 'replica 2/3: draining'])),
    ).toBe(2);
    expect(
      drainRounds(
        lines([
          'replica 1/4: draining',
          'replica 2/4: draining',
          'replica 2/4: updated',
          'replica 1/4: updated',
        ]),
      ),
    ).toBe(1);
    expect(drainRounds('')).toBe(0);
  });

  it('with 5 replicas and --max-unavailable 2, keeps at least 3 healthy backends in rotation and rolls in 3 rounds, not 5', {
    timeout: 240_000,
  }, async () => {
    const lab = ssh.lab();
    const port = await freePort();
    const write = (greeting: string) => {
      writeFileSync(path.join(ssh.project(), 'deploy.yml'), replicasYml(port, 5));
      writeFileSync(path.join(ssh.project(), '.env'), `GREETING='${greeting}'\n`, { mode: 0o600 });
    };
    write('hello');
    const created = await deploy();
    expect(created.code, created.stderr).toBe(0);
    const root = ssh.instance();
    root.boot(lab.fake.userDataOf(lab.fake.listInstances()[0]!.id)!);
    root.startApp();
    const serving = () =>
      backendsOf(lab).filter((node) => node.mode === 'accept' && node.status === 'UP').length;
    const outOfRotation = () => backendsOf(lab).filter((node) => node.mode !== 'accept').length;
    expect(serving()).toBe(5);

    const roll = async (greeting: string, ...extra: string[]) => {
      write(greeting);
      const samples: { serving: number; out: number }[] = [];
      const timer = setInterval(() => samples.push({ serving: serving(), out: outOfRotation() }), 20);
      try {
        const result = await deploy(...extra);
        return { result, samples };
      } finally {
        clearInterval(timer);
      }
    };

    const two = await roll('two at a time', '--max-unavailable', '2');
    expect(two.result.code, two.result.stderr).toBe(0);
    expect(JSON.parse(two.result.stdout)).toMatchObject({ result: 'updated' });
    expect(two.samples.length).toBeGreaterThan(10);
    expect(Math.min(...two.samples.map((sample) => sample.serving))).toBeGreaterThanOrEqual(3);
    // Two were out of rotation at once (the batches are real), never three.
    expect(Math.max(...two.samples.map((sample) => sample.out))).toBe(2);
    for (const index of [1, 2, 3, 4, 5]) expect(two.result.stderr).toContain(`replica ${index}/5: updated`);
    expect(drainRounds(two.result.stderr)).toBe(3);
    expect(root.envSeen()).toContain('GREETING=two at a time');

    const one = await roll('one at a time');
    expect(one.result.code, one.result.stderr).toBe(0);
    expect(Math.min(...one.samples.map((sample) => sample.serving))).toBeGreaterThanOrEqual(4);
    expect(Math.max(...one.samples.map((sample) => sample.out))).toBe(1);
    expect(drainRounds(one.result.stderr)).toBe(5);
    expect(drainRounds(two.result.stderr)).toBeLessThan(drainRounds(one.result.stderr));

    // More than the replicas: all but one at a time, said so; the service keeps one backend.
    const many = await roll('all but one', '--max-unavailable', '9');
    expect(many.result.code, many.result.stderr).toBe(0);
    expect(many.result.stderr).toContain('--max-unavailable 9 with 5 replicas: 4 at a time');
    expect(Math.min(...many.samples.map((sample) => sample.serving))).toBeGreaterThanOrEqual(1);
    expect(drainRounds(many.result.stderr)).toBe(2);

    // 0, negative or fractional: a usage error before anything is asked of the API.
    for (const value of ['0', '-1', '1.5']) {
      lab.fake.clearLog();
      const refused = await deploy('--max-unavailable', value);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toContain(`--max-unavailable ${value} is not valid`);
      expect(lab.fake.mutatingRequests()).toEqual([]);
    }
  });
});

/**
 * `ssh` and `logs` of a deployment with replicas, with the built CLI: the recorded address is
 * the NodeBalancer's (no sshd there), so both go to one replica's own public IPv4 under that
 * replica's host-key alias, with the recorded key; `--replica N|LABEL` picks another, and the
 * default (the first) is named on stderr. The real-sshd login to a replica is in
 * replicas-roll.test.ts.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateRegistry } from '../../src/state/registry.js';
import { writeSecret } from '../../src/state/secrets.js';
import { deploymentRecord } from '../deploy/fixtures.js';
import { type Lab, startLab } from '../fake-linode/harness.js';

let lab: Lab;
const knownHosts = () => path.join(lab.home, '.local/state/linode-build/known_hosts');
const identityFile = () => path.join(lab.home, '.ssh/id_replicas');
const members = [
  { index: 1, linodeId: 501, ipv4: '203.0.113.21', privateIpv4: '192.168.130.1' },
  { index: 2, linodeId: 502, ipv4: '203.0.113.22', privateIpv4: '192.168.130.2' },
  { index: 3, linodeId: 503, ipv4: '203.0.113.23', privateIpv4: '192.168.130.3' },
];

function expected(alias: string, ip: string): string {
  return `ssh -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=${knownHosts()} -o HostKeyAlias=linode-build-${alias} -i ${identityFile()} -o IdentitiesOnly=yes root@${ip}`;
}

beforeAll(async () => {
  lab = await startLab();
  mkdirSync(path.dirname(identityFile()), { recursive: true });
  writeFileSync(identityFile(), 'not a real key\n', { mode: 0o600 });
  await updateRegistry(lab.env, () => [
    deploymentRecord('rep00001', {
      // The NodeBalancer's address: nothing may connect here over SSH.
      ipv4: '198.51.100.99',
      hostname: 'nb-198-51-100-99.ord.nodebalancer.linode.com',
      watcherPort: 9090,
      sshIdentityFile: identityFile(),
      scale: { replicas: 3, nodeBalancerId: 77, configId: 88, members },
    }),
    deploymentRecord('one00001', { ipv4: '203.0.113.40' }),
  ]);
  await writeSecret(lab.env, 'rep00001', 'watcher-token', 'tok-CANARY-replica-watcher');
});
afterAll(() => lab.close());

describe('ssh to a deployment with replicas', () => {
  it('goes to the first replica by default, under its host-key alias, and says so', async () => {
    const result = await lab.run(['ssh', 'rep00001', '--print']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(expected('rep00001-r1', '203.0.113.21'));
    expect(result.stdout).not.toContain('198.51.100.99');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('replica 1 of 3 (rep00001-r1, linode 501) at 203.0.113.21');
    expect(lines[0]).toContain('--replica');
  });

  it('--replica picks one by number, node label, short label or instance label', async () => {
    for (const [wanted, index] of [
      ['2', 2],
      ['rep00001-r3', 3],
      ['r2', 2],
      ['svc-prod-rep00001-3', 3],
    ] as const) {
      const result = await lab.run(['ssh', 'rep00001', '--replica', wanted, '--print']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout.trim()).toBe(expected(`rep00001-r${index}`, `203.0.113.2${index}`));
      // Named explicitly: nothing to announce.
      expect(result.stderr).toBe('');
    }
  });

  it('an unknown replica, or --replica on a single instance, is a usage error', async () => {
    const unknown = await lab.run(['ssh', 'rep00001', '--replica', '7', '--print']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('has no replica "7"');
    expect(unknown.stderr).toContain('1, 2, 3');
    const single = await lab.run(['ssh', 'one00001', '--replica', '1', '--print']);
    expect(single.code).toBe(2);
    expect(single.stderr).toContain('has no replicas');
    const plain = await lab.run(['ssh', 'one00001', '--print']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('HostKeyAlias=linode-build-one00001 root@203.0.113.40');
  });
});

describe('logs of a deployment with replicas', () => {
  // An ssh that records its argv and fails: the tunnel's target is what is checked.
  const stubSsh = () => {
    const bin = path.join(lab.home, 'stub-ssh');
    const log = path.join(lab.home, 'stub-ssh.log');
    writeFileSync(bin, `#!/bin/sh\nfor arg in "$@"; do printf '%s\\n' "$arg"; done >> "${log}"\nexit 255\n`);
    chmodSync(bin, 0o755);
    return { bin, log };
  };

  for (const [args, index, boot] of [
    [[], 1, false],
    [['--replica', '3'], 3, false],
    [['--replica', 'rep00001-r2', '--boot'], 2, true],
  ] as const) {
    it(`tunnels to replica ${index}'s own address and host key${boot ? ' (--boot)' : ''}`, async () => {
      const { bin, log } = stubSsh();
      writeFileSync(log, '');
      const result = await lab.run(['logs', 'rep00001', ...args], { env: { LINODE_BUILD_SSH: bin } });
      expect(result.code).toBe(1);
      expect(existsSync(log)).toBe(true);
      const argv = readFileSync(log, 'utf8');
      expect(argv).toContain(`HostKeyAlias=linode-build-rep00001-r${index}`);
      expect(argv).toContain(`root@203.0.113.2${index}`);
      expect(argv).toContain(identityFile());
      expect(argv).not.toContain('198.51.100.99');
      expect(result.stderr).toContain(`Opening an SSH tunnel to root@203.0.113.2${index}`);
      expect(result.stderr.includes('Using replica 1 of 3')).toBe(args.length === 0);
      expect(result.stderr).not.toContain('tok-CANARY');
    });
  }
});

/**
 * `ssh` with the built CLI: --print for a registry deployment, a project directory and a
 * deployment known only by its tags on (fake) Linode; clear errors; and a stub `ssh` on PATH
 * that records its argv, to prove host-key checking is on and no password is ever passed.
 */
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeProjectState } from '../../src/state/project.js';
import { updateRegistry } from '../../src/state/registry.js';
import { writeSecret } from '../../src/state/secrets.js';
import { deploymentRecord } from '../deploy/fixtures.js';
import { type Lab, startLab } from '../fake-linode/harness.js';

const canaryPassword = 'rootpw-CANARY-7e2a91-never-print';
let lab: Lab;
const stateDir = () => path.join(lab.home, '.local/state/linode-build');
const knownHosts = () => path.join(stateDir(), 'known_hosts');
const identityFile = () => path.join(lab.home, '.ssh/id_ed25519');

function expectedCommand(id: string, ip: string, extra = ''): string {
  return `ssh -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=${knownHosts()} -o HostKeyAlias=linode-build-${id} root@${ip}${extra}`;
}

beforeAll(async () => {
  lab = await startLab();
  await updateRegistry(lab.env, () => [
    deploymentRecord('reg00001', { ipv4: '203.0.113.5' }),
    deploymentRecord('reg00002', { ipv4: '203.0.113.6' }),
    deploymentRecord('nip00001'),
    deploymentRecord('key00001', { ipv4: '203.0.113.8', sshIdentityFile: identityFile() }),
  ]);
  await writeSecret(lab.env, 'reg00001', 'root-password', canaryPassword);
});
afterAll(() => lab.close());

describe('ssh --print', () => {
  it('logs in with the private key the deploy recorded, while it exists', async () => {
    mkdirSync(path.dirname(identityFile()), { recursive: true });
    writeFileSync(identityFile(), 'not a real key; ssh is not run with --print\n', { mode: 0o600 });
    const withKey = await lab.run(['ssh', 'key00001', '--print']);
    expect(withKey.code, withKey.stderr).toBe(0);
    expect(withKey.stdout.trim()).toBe(
      expectedCommand('key00001', '203.0.113.8').replace(
        ' root@',
        ` -i ${identityFile()} -o IdentitiesOnly=yes root@`,
      ),
    );
    rmSync(identityFile());
    const without = await lab.run(['ssh', 'key00001', '--print']);
    expect(without.stdout.trim()).toBe(expectedCommand('key00001', '203.0.113.8'));
  });

  it('prints the exact command for a registry deployment, with a 0600 known_hosts', async () => {
    const result = await lab.run(['ssh', 'reg00001', '--print', '--', 'nvidia-smi', '-q']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(expectedCommand('reg00001', '203.0.113.5', ' nvidia-smi -q'));
    expect(statSync(knownHosts()).mode & 0o777).toBe(0o600);
  });

  it("prints the command for the project directory's deployment", async () => {
    const project = path.join(lab.home, 'proj');
    await writeProjectState(project, {
      deploymentId: 'prj00001',
      app: 'chat',
      env: 'prod',
      region: 'us-ord',
      type: 'g6-standard-2',
      ipv4: '198.51.100.7',
      createdAt: '2026-01-01T00:00:00Z',
    });
    const result = await lab.run(['ssh', '--print'], { cwd: project });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(expectedCommand('prj00001', '198.51.100.7'));
  });

  it('finds a deployment made on another machine by its tags', async () => {
    const instance = lab.fake.seedInstance({
      label: 'svc-prod-far00001',
      region: 'us-ord',
      type: 'g6-standard-2',
      tags: ['build-id:far00001', 'build-app:svc', 'build-env:prod'],
    });
    const result = await lab.run(['ssh', 'far00001', '--print']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(expectedCommand('far00001', instance.ipv4[0]!));
  });

  it('quotes arguments so the printed line runs as the argv it shows', async () => {
    const result = await lab.run(['ssh', 'reg00001', '--print', '--', 'echo', "it's done"]);
    expect(result.stdout.trim()).toBe(expectedCommand('reg00001', '203.0.113.5', ` echo 'it'\\''s done'`));
  });

  it('runs the program LINODE_BUILD_SSH names, as logs --ssh does', async () => {
    const result = await lab.run(['ssh', 'reg00001', '--print'], {
      env: { LINODE_BUILD_SSH: '/opt/my ssh' },
    });
    expect(result.stdout.trim()).toBe(`'/opt/my ssh'${expectedCommand('reg00001', '203.0.113.5').slice(3)}`);
  });
});

describe('ssh errors', () => {
  it('an unknown id is a clear error', async () => {
    const result = await lab.run(['ssh', 'zzzz9999', '--print']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no deployment matches "zzzz9999"');
    expect(result.stderr).toContain('status');
  });

  it('an ambiguous prefix lists the candidates', async () => {
    const result = await lab.run(['ssh', 'reg', '--print']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/reg00001.*reg00002/);
  });

  it('a deployment without an address says so', async () => {
    const result = await lab.run(['ssh', 'nip00001', '--print']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no IP address');
  });

  it('outside a project, without an id, it asks which deployment (usage error)', async () => {
    const result = await lab.run(['ssh', '--print'], { cwd: lab.home });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('which deployment?');
  });
});

describe('ssh runs ssh', () => {
  it('with host-key checking on, no password, and its exit code', async () => {
    const bin = path.join(lab.home, 'stub-bin');
    const log = path.join(lab.home, 'ssh-argv.log');
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      path.join(bin, 'ssh'),
      `#!/bin/sh\nfor arg in "$@"; do printf '%s\\n' "$arg"; done > "${log}"\nenv > "${log}.env"\nexit 7\n`,
    );
    chmodSync(path.join(bin, 'ssh'), 0o755);
    const result = await lab.run(['ssh', 'reg00001', '--', 'uptime'], {
      env: { PATH: `${bin}:${process.env.PATH}` },
    });
    expect(result.code).toBe(7);
    const argv = readFileSync(log, 'utf8').trimEnd().split('\n');
    expect(argv).toEqual([
      '-o',
      'StrictHostKeyChecking=accept-new',
      '-o',
      `UserKnownHostsFile=${knownHosts()}`,
      '-o',
      'HostKeyAlias=linode-build-reg00001',
      'root@203.0.113.5',
      'uptime',
    ]);
    // The password is only ever named by its file.
    expect(result.stderr).toContain(path.join(stateDir(), 'secrets/reg00001/root-password'));
    for (const text of [
      result.stdout,
      result.stderr,
      readFileSync(log, 'utf8'),
      readFileSync(`${log}.env`, 'utf8'),
    ]) {
      expect(text).not.toContain(canaryPassword);
      expect(text).not.toMatch(/sshpass/);
    }
  });
});

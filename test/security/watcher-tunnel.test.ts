/**
 * Issue 14 item 2: the watcher tunnel. Against a real sshd (test/support/sshd.ts) and a watcher
 * stand-in on the "instance's" loopback:
 * - the tunnel's local end is a Unix socket in a fresh 0700 directory (socket 0600), not a TCP
 *   port another local user could bind first;
 * - the host key is checked against the deployment's pin (HostKeyAlias) in linode-build's own
 *   known_hosts, and a changed key is refused before any request is sent;
 * - the deployment's recorded private key is what logs in;
 * - an attacker running as another user (nobody) who acts before ssh starts — it wins every
 *   race — can neither bind, list nor connect to the tunnel, and receives nothing.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureKnownHosts } from '../../src/ssh/known-hosts.js';
import { upsertDeployment } from '../../src/state/registry.js';
import { writeSecret } from '../../src/state/secrets.js';
import type { DeploymentRecord } from '../../src/state/types.js';
import { WatcherClient } from '../../src/watcher-client/client.js';
import { openWatcherTunnel, throughTunnel } from '../../src/watcher-client/connect.js';
import { tunnelArgv } from '../../src/watcher-client/tunnel.js';
import { deploymentRecord } from '../deploy/fixtures.js';
import { runCli, tempHome } from '../support/cli.js';
import { sshdAvailable, startTestSshd, type TestSshd } from '../support/sshd.js';
import { startWatcherStandin, type WatcherStandin } from '../support/watcher-standin.js';

const token = 'wt-TUNNEL-CANARY-5f1e9a0c7b3d';

describe.skipIf(!sshdAvailable())('the watcher tunnel (real sshd)', () => {
  let sshd: TestSshd;
  let watcher: WatcherStandin;
  let record: DeploymentRecord;
  const home = tempHome();
  const env = {
    ...process.env,
    ...home.env,
    LINODE_BUILD_HOME: path.join(home.home, 'state'),
  } as NodeJS.ProcessEnv;

  beforeAll(async () => {
    sshd = await startTestSshd();
    watcher = await startWatcherStandin(token);
    env.LINODE_BUILD_SSH = sshd.sshProgram;
    record = deploymentRecord('tun00001', {
      ipv4: '198.51.100.20',
      watcherPort: watcher.port,
      sshIdentityFile: sshd.clientKey,
    });
    await upsertDeployment(env, record);
    await writeSecret(env, record.id, 'watcher-token', token);
  });
  afterAll(async () => {
    await watcher?.close();
    await sshd?.stop();
  });

  it('forwards a 0600 Unix socket in a fresh 0700 directory, never a TCP port', async () => {
    const tunnel = await openWatcherTunnel(env, record);
    const directory = path.dirname(tunnel.socketPath);
    try {
      const dirStat = fs.lstatSync(directory);
      expect(dirStat.isDirectory()).toBe(true);
      expect(dirStat.mode & 0o777).toBe(0o700);
      expect(dirStat.uid).toBe(process.getuid?.());
      const socketStat = fs.lstatSync(tunnel.socketPath);
      expect(socketStat.isSocket()).toBe(true);
      expect(socketStat.mode & 0o077).toBe(0);

      const { endpoint } = throughTunnel({ record, endpoint: { baseUrl: '', token } }, tunnel);
      const before = watcher.requests.length;
      const status = await new WatcherClient(endpoint).status();
      expect(status.watcher.version).toBe('standin');
      // It arrived on the instance's loopback, from sshd, with the token.
      expect(watcher.requests.slice(before)).toEqual([
        { path: '/status', authorized: true, remoteAddress: '127.0.0.1' },
      ]);
    } finally {
      tunnel.close();
    }
    expect(fs.existsSync(directory)).toBe(false);
  });

  it('builds `ssh -L <socket>:127.0.0.1:<port>` with the pinned host key and the recorded key', async () => {
    const argv = tunnelArgv(
      {
        host: '198.51.100.20',
        remotePort: 9090,
        deploymentId: 'tun00001',
        knownHostsFile: '/state/known_hosts',
        identityFile: '/keys/deploy',
      },
      '/tmp/lb-tunnel-x/watcher.sock',
    );
    expect(argv[argv.indexOf('-L') + 1]).toBe('/tmp/lb-tunnel-x/watcher.sock:127.0.0.1:9090');
    expect(argv).toEqual(
      expect.arrayContaining([
        'UserKnownHostsFile=/state/known_hosts',
        'HostKeyAlias=linode-build-tun00001',
        'StreamLocalBindUnlink=yes',
        'IdentitiesOnly=yes',
      ]),
    );
    expect(argv[argv.indexOf('-i') + 1]).toBe('/keys/deploy');
    expect(argv.join(' ')).not.toMatch(/known_hosts.*~|\/\.ssh\/known_hosts/);
    // The host key was pinned under the deployment's alias, in our file only.
    const pinned = fs.readFileSync(await ensureKnownHosts(env), 'utf8');
    expect(pinned).toContain(`linode-build-tun00001 ${sshd.hostKeyPublic}`);
  });

  it('logs in only with the recorded key: without it the tunnel is refused', async () => {
    const { sshIdentityFile: _, ...keyless } = record;
    await expect(openWatcherTunnel(env, { ...keyless, id: 'tun00002' }, 15_000)).rejects.toThrow(
      /Permission denied/,
    );
  });

  it('refuses a host key that differs from the pinned one, before sending anything', async () => {
    const other = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lb-otherkey-')), 'key');
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const otherKey = fs.readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    const file = await ensureKnownHosts(env);
    fs.appendFileSync(file, `linode-build-tun00003 ${otherKey}\n`);
    const before = watcher.requests.length;
    await expect(openWatcherTunnel(env, { ...record, id: 'tun00003' }, 15_000)).rejects.toThrow(
      /Host key verification failed|HOST IDENTIFICATION HAS CHANGED/,
    );
    expect(watcher.requests.length).toBe(before);
  });

  it('gives an attacker (another local user who acts first) nothing', async () => {
    // The attacker's files live where user nobody can read and write them.
    const lair = fs.mkdtempSync(path.join(os.tmpdir(), 'lb-attacker-'));
    fs.chmodSync(lair, 0o755);
    const loot = path.join(lair, 'loot.txt');
    const report = path.join(lair, 'report.txt');
    for (const file of [loot, report]) fs.writeFileSync(file, '', { mode: 0o666 });
    fs.chmodSync(loot, 0o666);
    fs.chmodSync(report, 0o666);
    const attacker = path.join(lair, 'attacker.cjs');
    fs.writeFileSync(
      attacker,
      `const fs = require('fs'); const net = require('net'); const path = require('path');
const { spawn } = require('child_process');
const spec = process.argv[2];
const say = (line) => fs.appendFileSync(${JSON.stringify(report)}, line + '\\n');
const tcp = /^(?:[0-9.]+:)?(\\d+):/.exec(spec);
if (tcp && !spec.startsWith('/')) {
  // Old style: bind the local port before ssh does, and keep what arrives.
  const child = spawn(process.execPath, ['-e', \`
    const fs = require('fs');
    require('net').createServer((s) => s.on('data', (d) => fs.appendFileSync(${JSON.stringify(loot)}, d)))
      .listen(\${tcp[1]}, '127.0.0.1', () => fs.appendFileSync(${JSON.stringify(report)}, 'bound tcp \${tcp[1]}\\\\n'));
  \`], { detached: true, stdio: 'ignore' });
  say('listener pid ' + child.pid);
  child.unref();
  setTimeout(() => process.exit(0), 500);
} else {
  const socketPath = spec.split(':')[0];
  const directory = path.dirname(socketPath);
  try { fs.readdirSync(directory); say('listed the directory'); } catch (e) { say('list ' + e.code); }
  const server = net.createServer((s) => s.on('data', (d) => fs.appendFileSync(${JSON.stringify(loot)}, d)));
  server.on('error', (e) => { say('bind ' + e.code); process.exit(0); });
  server.listen(socketPath, () => { say('bound the socket'); setTimeout(() => process.exit(0), 3000); });
}
`,
      { mode: 0o644 },
    );
    const wrapper = path.join(lair, 'ssh');
    fs.writeFileSync(
      wrapper,
      `#!${process.execPath}
const { spawn, spawnSync } = require('child_process');
const args = process.argv.slice(2);
const spec = args[args.indexOf('-L') + 1];
// The attacker runs first, as user nobody: it wins every race against ssh.
spawnSync(process.execPath, [${JSON.stringify(attacker)}, spec], { uid: 65534, gid: 65534, stdio: 'ignore' });
const ssh = spawn(${JSON.stringify(sshd.sshProgram)}, args, { stdio: 'inherit' });
process.on('SIGTERM', () => ssh.kill('SIGTERM'));
ssh.on('exit', (code) => process.exit(code === null ? 1 : code));
`,
      { mode: 0o755 },
    );
    try {
      const before = watcher.requests.length;
      const result = await runCli(['logs', record.id, '--ssh'], {
        env: { ...home.env, LINODE_BUILD_HOME: env.LINODE_BUILD_HOME, LINODE_BUILD_SSH: wrapper },
      });
      const attempts = fs.readFileSync(report, 'utf8');
      expect(attempts).toMatch(/list EACCES/);
      expect(attempts).toMatch(/bind EACCES/);
      expect(attempts).not.toMatch(/bound/);
      expect(fs.readFileSync(loot, 'utf8')).toBe('');
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('hello from the instance');
      expect(watcher.requests.slice(before).every((request) => request.authorized)).toBe(true);
    } finally {
      const pid = /listener pid (\d+)/.exec(fs.readFileSync(report, 'utf8'))?.[1];
      if (pid) process.kill(Number(pid));
      fs.rmSync(lair, { recursive: true, force: true });
    }
  });
});

/**
 * The test sshd itself (test/support/sshd.ts): it logs in with the run's client key only,
 * pins its own host key, runs commands in the private test root, forwards to a Unix socket,
 * leaves the machine's /etc/ssh and ~/.ssh alone, and is gone after stop().
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshdAvailable, startTestSshd, type TestSshd } from '../support/sshd.js';

function listing(directory: string): string {
  try {
    return fs
      .readdirSync(directory)
      .map((name) => {
        const stat = fs.statSync(path.join(directory, name));
        return `${name}:${stat.size}:${stat.mtimeMs}`;
      })
      .sort()
      .join('\n');
  } catch {
    return '(absent)';
  }
}

describe.skipIf(!sshdAvailable())('test sshd', () => {
  let sshd: TestSshd;
  const userSsh = path.join(os.homedir(), '.ssh');
  const before = { etc: listing('/etc/ssh'), home: listing(userSsh) };

  beforeAll(async () => {
    sshd = await startTestSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('runs a command in the private test root with the client key', async () => {
    const result = await sshd.run('pwd; echo "$((6 * 7))"');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([sshd.remoteRoot, '42']);
  });

  it('passes stdin and remote exit codes through', async () => {
    const result = await sshd.run('cat > uploaded && chmod 600 uploaded && exit 3', { input: 'payload\n' });
    expect(result.code).toBe(3);
    expect(fs.readFileSync(path.join(sshd.remoteRoot, 'uploaded'), 'utf8')).toBe('payload\n');
    expect(fs.statSync(path.join(sshd.remoteRoot, 'uploaded')).mode & 0o777).toBe(0o600);
  });

  it('refuses a key it was not given', () => {
    const stranger = path.join(sshd.directory, 'stranger');
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    const argv = sshd.sshArgv('true').map((arg) => (arg === sshd.clientKey ? stranger : arg));
    const result = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(255);
    expect(result.stderr).toMatch(/Permission denied/);
  });

  it('is refused when the pinned host key is another one', () => {
    const other = path.join(sshd.directory, 'other_host');
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const otherKey = fs.readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    const pinned = path.join(sshd.directory, 'wrong_known_hosts');
    fs.writeFileSync(pinned, `[127.0.0.1]:${sshd.port} ${otherKey}\n`);
    const argv = [...sshd.sshArgv('true')];
    argv.splice(1, 0, '-o', `UserKnownHostsFile=${pinned}`);
    const result = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(255);
    expect(result.stderr).toMatch(/HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  it('forwards a local Unix socket to a loopback port on the server', async () => {
    const server = net.createServer((socket) => socket.end('hello through sshd\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const socketPath = path.join(sshd.directory, 'fwd.sock');
    const argv = [...sshd.sshArgv()];
    argv.splice(1, 0, '-N', '-o', 'ExitOnForwardFailure=yes', '-L', `${socketPath}:127.0.0.1:${port}`);
    const tunnel = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
    try {
      const deadline = Date.now() + 15_000;
      while (!fs.existsSync(socketPath) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const text = await new Promise<string>((resolve, reject) => {
        const client = net.connect(socketPath);
        let data = '';
        client.on('data', (chunk) => {
          data += chunk;
        });
        client.on('end', () => resolve(data));
        client.on('error', reject);
      });
      expect(text).toBe('hello through sshd\n');
    } finally {
      tunnel.kill();
      server.close();
    }
  });

  it('leaves the machine’s /etc/ssh and ~/.ssh as they were', () => {
    expect(listing('/etc/ssh')).toBe(before.etc);
    expect(listing(userSsh)).toBe(before.home);
  });

  it('is gone after stop(): the port refuses and the directory is removed', async () => {
    const own = await startTestSshd();
    const pid = Number(fs.readFileSync(path.join(own.directory, 'sshd.pid'), 'utf8'));
    await own.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(fs.existsSync(own.directory)).toBe(false);
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect(own.port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });
});

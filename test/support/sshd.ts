/**
 * A real OpenSSH server for tests (Debian's openssh-server): `/usr/sbin/sshd -D -e` on a free
 * loopback port, with its own host key, its own config, a client key pair made for this run and
 * an authorized_keys file in a temporary directory. Nothing is read from or written to the
 * machine's /etc/ssh or ~/.ssh (client and server both get explicit files), and it is stopped
 * by its PID (its process group, so connection children go too).
 *
 * The remote user is the user running the tests (root here and in CI). Remote commands get a
 * private test root (`remoteRoot`) as their working directory: tests touch only that.
 *
 * One seam for code that runs `ssh` itself: `sshProgram` is an executable that runs the real
 * `ssh` with `-F <sshConfig>`, which sends every host name to this server's port and reads no
 * other config, agent or known_hosts. Point LINODE_BUILD_SSH at it. It does not add a client
 * key: the code under test must pass one (`-i`), as it would for a real instance.
 *
 * Root only: sshd's privilege separation needs the empty directory /run/sshd, which the
 * package's service would create at boot; it is created here (mode 0755) when missing.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { shellQuote } from '../../src/quote/index.js';
import { freePort } from './net.js';
import { inCI } from './tools.js';

export const SSHD_PATH = '/usr/sbin/sshd';

export interface RemoteResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface TestSshd {
  readonly host: string;
  readonly port: number;
  /** The remote login name (the user running the tests). */
  readonly user: string;
  /** The temporary directory holding keys, configs and logs. */
  readonly directory: string;
  /** The server's public host key, `ssh-ed25519 AAAA…`. */
  readonly hostKeyPublic: string;
  /** Path of the client's private key (0600); its public half is authorized. */
  readonly clientKey: string;
  /** The client's public key, `ssh-ed25519 AAAA… comment`. */
  readonly clientPublicKey: string;
  /** `[127.0.0.1]:PORT ssh-ed25519 AAAA…`, for a known_hosts file. */
  readonly knownHostsLine: string;
  /** A known_hosts file holding `knownHostsLine`. */
  readonly knownHostsFile: string;
  /** Client config: HostName/Port of this server, no agent, no other known_hosts. */
  readonly sshConfig: string;
  /** Runs `ssh -F sshConfig "$@"` (for LINODE_BUILD_SSH). */
  readonly sshProgram: string;
  /** A private directory remote commands start in; tests touch nothing outside it. */
  readonly remoteRoot: string;
  /** A known_hosts line for this server's key under another name (e.g. a HostKeyAlias). */
  knownHostsLineFor(name: string): string;
  /** The ssh argv (program first) that logs in with the client key and strict host-key checks. */
  sshArgv(remoteCommand?: string): string[];
  /** Runs a shell command on the server, in `remoteRoot`. */
  run(command: string, options?: { input?: string; timeoutMs?: number }): Promise<RemoteResult>;
  /** The server's log so far (sshd -e output). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * True when sshd, ssh and ssh-keygen are here and we are root. Locally a missing piece skips
 * with a printed reason; in CI (which installs openssh-server) it fails.
 */
export function sshdAvailable(): boolean {
  const missing: string[] = [];
  if (!fs.existsSync(SSHD_PATH)) missing.push(`${SSHD_PATH} (apt install openssh-server)`);
  for (const tool of ['ssh', 'ssh-keygen']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0) missing.push(tool);
  }
  if (process.getuid?.() !== 0) missing.push('root (sshd privilege separation)');
  if (missing.length === 0) return true;
  const reason = `the test sshd needs: ${missing.join(', ')}`;
  if (inCI) throw new Error(`CI must run every test, but ${reason}`);
  console.warn(`[skipped] ${reason}`);
  return false;
}

function keygen(file: string, comment: string): void {
  const result = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`ssh-keygen failed: ${result.stderr}`);
}

/** Resolves true once the port answers with an SSH banner. */
function answersSsh(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('data', (chunk) => done(chunk.toString('latin1').startsWith('SSH-2.0-')));
    socket.once('error', () => done(false));
  });
}

function serverConfig(directory: string, port: number): string {
  return [
    `ListenAddress 127.0.0.1:${port}`,
    `HostKey ${path.join(directory, 'host_ed25519')}`,
    `PidFile ${path.join(directory, 'sshd.pid')}`,
    `AuthorizedKeysFile ${path.join(directory, 'authorized_keys')}`,
    `ModuliFile ${path.join(directory, 'moduli')}`,
    // The temp directory's parents (/tmp is 1777) would fail StrictModes' ownership walk.
    'StrictModes no',
    'UsePAM no',
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'AllowTcpForwarding yes',
    'AllowStreamLocalForwarding yes',
    'X11Forwarding no',
    'PermitUserRC no',
    'PermitUserEnvironment no',
    'PrintMotd no',
    'PrintLastLog no',
    'UseDNS no',
    'MaxStartups 50',
    'Subsystem sftp internal-sftp',
    'LogLevel VERBOSE',
    '',
  ].join('\n');
}

function clientConfig(directory: string, port: number): string {
  return [
    'Host *',
    '  HostName 127.0.0.1',
    `  Port ${port}`,
    '  IdentityAgent none',
    '  BatchMode yes',
    `  UserKnownHostsFile ${path.join(directory, 'known_hosts')}`,
    '  GlobalKnownHostsFile /dev/null',
    '  ControlMaster no',
    '  ControlPath none',
    '  LogLevel ERROR',
    '',
  ].join('\n');
}

async function waitForSshd(child: ChildProcess, port: number, logFile: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    if (await answersSsh(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const log = fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-15).join('\n');
  throw new Error(
    `sshd did not answer on 127.0.0.1:${port} within 10 s (${child.exitCode !== null ? `exited ${child.exitCode}` : 'still starting'}):\n${log}`,
  );
}

function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined)
    return Promise.resolve();
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      // The negative PID is sshd's own process group (it was started detached): the listener
      // and the per-connection children it forked, nothing else.
      process.kill(-pid, name);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 5000);
  return exited.finally(() => clearTimeout(timer));
}

export async function startTestSshd(): Promise<TestSshd> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'lb-sshd-'));
  fs.chmodSync(directory, 0o700);
  const user = os.userInfo().username;
  const hostKey = path.join(directory, 'host_ed25519');
  const clientKey = path.join(directory, 'client_ed25519');
  keygen(hostKey, 'linode-build-test-host');
  keygen(clientKey, 'linode-build-test-client');
  const hostKeyPublic = fs.readFileSync(`${hostKey}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
  const clientPublicKey = fs.readFileSync(`${clientKey}.pub`, 'utf8').trim();
  fs.writeFileSync(path.join(directory, 'authorized_keys'), `${clientPublicKey}\n`, { mode: 0o600 });
  fs.writeFileSync(path.join(directory, 'moduli'), '', { mode: 0o600 });
  const remoteRoot = path.join(directory, 'remote-root');
  fs.mkdirSync(remoteRoot, { mode: 0o700 });
  if (process.getuid?.() === 0) fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  const logFile = path.join(directory, 'sshd.log');
  let child: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    const config = path.join(directory, 'sshd_config');
    fs.writeFileSync(config, serverConfig(directory, port), { mode: 0o600 });
    const log = fs.openSync(logFile, 'a');
    child = spawn(SSHD_PATH, ['-D', '-e', '-f', config], { stdio: ['ignore', log, log], detached: true });
    fs.closeSync(log);
    try {
      await waitForSshd(child, port, logFile);
      break;
    } catch (error) {
      await stopGroup(child);
      // Another process may have taken the port between our probe and sshd's bind.
      if (attempt >= 3) {
        fs.rmSync(directory, { recursive: true, force: true });
        throw error;
      }
    }
  }
  const running = child;

  const knownHostsLineFor = (name: string) => `${name} ${hostKeyPublic}`;
  const knownHostsLine = knownHostsLineFor(`[127.0.0.1]:${port}`);
  const knownHostsFile = path.join(directory, 'known_hosts');
  fs.writeFileSync(knownHostsFile, `${knownHostsLine}\n`, { mode: 0o600 });
  const sshConfig = path.join(directory, 'ssh_config');
  fs.writeFileSync(sshConfig, clientConfig(directory, port), { mode: 0o600 });
  const sshProgram = path.join(directory, 'ssh');
  fs.writeFileSync(sshProgram, `#!/bin/sh\nexec ssh -F ${shellQuote(sshConfig)} "$@"\n`, { mode: 0o700 });

  const sshArgv = (remoteCommand?: string) => [
    'ssh',
    '-F',
    sshConfig,
    '-i',
    clientKey,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    `${user}@127.0.0.1`,
    ...(remoteCommand === undefined ? [] : ['--', remoteCommand]),
  ];

  return {
    host: '127.0.0.1',
    port,
    user,
    directory,
    hostKeyPublic,
    clientKey,
    clientPublicKey,
    knownHostsLine,
    knownHostsFile,
    sshConfig,
    sshProgram,
    remoteRoot,
    knownHostsLineFor,
    sshArgv,
    run(command, options = {}) {
      const [program, ...args] = sshArgv(`cd ${shellQuote(remoteRoot)} && ${command}`);
      return new Promise((resolve, reject) => {
        const remote = execFile(
          program!,
          args,
          { timeout: options.timeoutMs ?? 30_000, maxBuffer: 16 << 20 },
          (error, stdout, stderr) => {
            const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
            if (error && typeof error.code !== 'number') reject(error);
            else resolve({ code, stdout, stderr });
          },
        );
        remote.stdin?.end(options.input ?? '');
      });
    },
    log: () => fs.readFileSync(logFile, 'utf8'),
    async stop() {
      await stopGroup(running);
      fs.rmSync(directory, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

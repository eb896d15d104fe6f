/**
 * An SSH tunnel to a watcher that listens on the instance's loopback (the default: its port is
 * closed to the internet). Runs the user's own `ssh`, never prompts (BatchMode), and stops it
 * when the command ends.
 *
 * The local end is a Unix socket in a fresh 0700 directory of ours, not a TCP port: a port
 * picked, released and handed to `ssh -L` could be bound first by another local user (it is
 * visible in `ps`), who would then receive the bearer token and could serve fake logs. Only
 * this user (and root) can create or connect to a socket in that directory. The host key is
 * checked against the deployment's pin in linode-build's own known_hosts (HostKeyAlias per
 * deployment), and the deployment's recorded private key is used when there is one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, lstatSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CliError } from '../errors.js';
import { sshArgv } from '../ssh/command.js';

export interface Tunnel {
  /** The local end: a Unix socket only this user can reach. */
  readonly socketPath: string;
  /** The ssh command's target, e.g. root@192.0.2.10 (for messages). */
  readonly target: string;
  /** False once ssh has exited (the instance rebooted, the network dropped). */
  alive(): boolean;
  close(): void;
}

export interface TunnelOptions {
  readonly host: string;
  readonly remotePort: number;
  /** The deployment whose pinned host key is checked (HostKeyAlias). */
  readonly deploymentId: string;
  /** linode-build's known_hosts (ensureKnownHosts). */
  readonly knownHostsFile: string;
  /** The deployment's recorded private key, when known; otherwise ssh's own defaults. */
  readonly identityFile?: string;
  readonly user?: string;
  /** The ssh program (LINODE_BUILD_SSH overrides `ssh`, e.g. a wrapper with a jump host). */
  readonly ssh?: string;
  readonly timeoutMs?: number;
}

/** Unix socket paths are limited to ~107 bytes; the OS temp dir may be long or odd. */
function socketBase(): string {
  const tmp = os.tmpdir();
  return tmp.length < 60 && !tmp.includes(':') ? tmp : '/tmp';
}

/** A new directory only we can use; refuses anything that is not exactly that. */
export function privateSocketDirectory(): string {
  const directory = mkdtempSync(path.join(socketBase(), 'lb-tunnel-'));
  const stat = lstatSync(directory);
  const uid = process.getuid?.();
  if (!stat.isDirectory() || (stat.mode & 0o777) !== 0o700 || (uid !== undefined && stat.uid !== uid)) {
    rmSync(directory, { recursive: true, force: true });
    throw new CliError(
      `the tunnel directory ${directory} is not a private directory of this user.`,
      'Check the temporary directory (TMPDIR) and its permissions.',
    );
  }
  return directory;
}

function accepts(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export function tunnelArgv(options: TunnelOptions, socketPath: string): string[] {
  return sshArgv({
    ...(options.ssh ? { program: options.ssh } : {}),
    deploymentId: options.deploymentId,
    host: options.host,
    knownHostsFile: options.knownHostsFile,
    ...(options.identityFile ? { identityFile: options.identityFile } : {}),
    ...(options.user ? { user: options.user } : {}),
    options: [
      '-N',
      '-o',
      'BatchMode=yes',
      '-o',
      'ExitOnForwardFailure=yes',
      '-o',
      'ConnectTimeout=10',
      '-o',
      'ServerAliveInterval=15',
      // Our own connection, whatever the user's config multiplexes.
      '-o',
      'ControlMaster=no',
      '-o',
      'ControlPath=none',
      '-o',
      'StreamLocalBindUnlink=yes',
      '-o',
      'StreamLocalBindMask=0177',
      '-L',
      `${socketPath}:127.0.0.1:${options.remotePort}`,
    ],
  });
}

export async function openSshTunnel(options: TunnelOptions): Promise<Tunnel> {
  const directory = privateSocketDirectory();
  const socketPath = path.join(directory, 'watcher.sock');
  const [program, ...args] = tunnelArgv(options, socketPath);
  const target = `${options.user ?? 'root'}@${options.host}`;
  // ssh's messages go to a file in the private directory: no pipe keeps this process alive.
  const stderrFile = path.join(directory, 'ssh.log');
  const stderrFd = openSync(stderrFile, 'w', 0o600);
  let child: ChildProcess;
  try {
    child = spawn(program!, args, { stdio: ['ignore', 'ignore', stderrFd] });
  } finally {
    closeSync(stderrFd);
  }
  let exited = false;
  let spawnError: NodeJS.ErrnoException | undefined;
  child.on('exit', () => {
    exited = true;
  });
  child.on('error', (error) => {
    spawnError = error;
    exited = true;
  });
  // The tunnel never keeps the CLI running, and never outlives it.
  child.unref();
  const close = () => {
    process.off('exit', close);
    if (!exited) child.kill('SIGTERM');
    rmSync(directory, { recursive: true, force: true });
  };
  process.on('exit', close);

  const deadline = Date.now() + (options.timeoutMs ?? 20000);
  while (Date.now() < deadline && !exited) {
    if (await accepts(socketPath)) return { socketPath, target, alive: () => !exited, close };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  let stderr = '';
  try {
    stderr = readFileSync(stderrFile, 'utf8');
  } catch {
    // the directory is gone already
  }
  close();
  const reason = spawnError
    ? `cannot run ${program} (${spawnError.code ?? spawnError.message})`
    : stderr.trim().split('\n').pop() || (exited ? 'ssh exited' : 'timed out');
  throw new CliError(
    `Could not open an SSH tunnel to ${target}: ${reason}.`,
    `Check that \`linode-build ssh ${options.deploymentId}\` works without a prompt (the deployment's key, your agent or ~/.ssh).`,
  );
}

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

/**
 * ssh runs under a small POSIX shell watchdog whose stdin is a pipe from this process: when
 * linode-build ends, however it ends (an exception, SIGTERM, a closed terminal, kill -9), the
 * pipe closes, `cat` sees end-of-file, and the watchdog stops ssh and removes the tunnel's
 * directory. Signal listeners could not do this without changing how the CLI dies, and an
 * `exit` listener alone misses signals, which would leave ssh holding the connection open
 * (its keep-alives) and the directory behind. The watchdog exits with ssh's status (127: the
 * program was not found).
 */
const WATCHDOG = [
  'exec 3<&0',
  '"$@" </dev/null &',
  'ssh_pid=$!',
  // Only if ssh was still running: when ssh ends first, Node closes the pipe on the watchdog's
  // exit and reads ssh's messages from the directory, then removes it itself.
  '( cat <&3 >/dev/null; kill "$ssh_pid" 2>/dev/null && rm -rf "$LB_TUNNEL_DIR" ) &',
  'wait "$ssh_pid"',
].join('\n');

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
  // ssh's messages go to a file in the private directory: no pipe of ssh's keeps this process alive.
  const stderrFile = path.join(directory, 'ssh.log');
  const stderrFd = openSync(stderrFile, 'w', 0o600);
  let child: ChildProcess;
  try {
    child = spawn('/bin/sh', ['-c', WATCHDOG, 'linode-build-tunnel', program!, ...args], {
      stdio: ['pipe', 'ignore', stderrFd],
      env: { ...process.env, LB_TUNNEL_DIR: directory },
    });
  } finally {
    closeSync(stderrFd);
  }
  let exited = false;
  let exitCode: number | null = null;
  let spawnError: NodeJS.ErrnoException | undefined;
  let stderr = '';
  const readStderr = () => {
    try {
      stderr = readFileSync(stderrFile, 'utf8');
    } catch {
      // the directory is gone already
    }
  };
  child.on('exit', (code) => {
    exited = true;
    exitCode = code;
    // Now, synchronously: Node closes the watchdog's stdin on exit, and then it removes the
    // directory (and this log) too.
    readStderr();
  });
  child.on('error', (error) => {
    spawnError = error;
    exited = true;
  });
  // The tunnel never keeps the CLI running: the watchdog's pipe and process are unref'd.
  child.stdin?.on('error', () => {});
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  child.unref();
  const close = () => {
    process.off('exit', close);
    // End of file on the watchdog's stdin stops ssh; the directory goes at once.
    child.stdin?.destroy();
    rmSync(directory, { recursive: true, force: true });
  };
  process.on('exit', close);

  const deadline = Date.now() + (options.timeoutMs ?? 20000);
  while (Date.now() < deadline && !exited) {
    if (await accepts(socketPath)) return { socketPath, target, alive: () => !exited, close };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (!exited) readStderr();
  close();
  const reason = spawnError
    ? `cannot run /bin/sh (${spawnError.code ?? spawnError.message})`
    : exitCode === 127 || exitCode === 126
      ? `cannot run ${program} (${exitCode === 127 ? 'not found' : 'not executable'})`
      : stderr.trim().split('\n').pop()?.replace(/\.$/, '') || (exited ? 'ssh exited' : 'timed out');
  throw new CliError(
    `Could not open an SSH tunnel to ${target}: ${reason}.`,
    `Check that \`linode-build ssh ${options.deploymentId}\` works without a prompt (the deployment's key, your agent or ~/.ssh).`,
  );
}

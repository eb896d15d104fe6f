/**
 * An SSH tunnel to a watcher that listens on the instance's loopback (the default: its port is
 * closed to the internet). Runs the user's own `ssh` with their keys, never prompts
 * (BatchMode), and stops it when the command ends.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { CliError } from '../errors.js';

export interface Tunnel {
  /** http://127.0.0.1:<local port> */
  readonly url: string;
  close(): void;
}

export interface TunnelOptions {
  readonly host: string;
  readonly remotePort: number;
  readonly user?: string;
  /** The ssh program (LINODE_BUILD_SSH overrides `ssh`, e.g. a wrapper with a jump host). */
  readonly ssh?: string;
  readonly timeoutMs?: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function openSshTunnel(options: TunnelOptions): Promise<Tunnel> {
  const local = await freePort();
  const target = `${options.user ?? 'root'}@${options.host}`;
  const argv = [
    '-N',
    '-o',
    'BatchMode=yes',
    '-o',
    'ExitOnForwardFailure=yes',
    '-o',
    'ConnectTimeout=10',
    // A new instance has a host key we have never seen; a changed key is still refused.
    '-o',
    'StrictHostKeyChecking=accept-new',
    '-L',
    `127.0.0.1:${local}:127.0.0.1:${options.remotePort}`,
    target,
  ];
  const child = spawn(options.ssh ?? 'ssh', argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  let exited = false;
  let spawnError: Error | undefined;
  child.on('exit', () => {
    exited = true;
  });
  child.on('error', (error) => {
    spawnError = error;
    exited = true;
  });
  const close = () => {
    if (!exited) child.kill('SIGTERM');
  };
  const deadline = Date.now() + (options.timeoutMs ?? 20000);
  while (Date.now() < deadline) {
    if (exited) break;
    if (await accepts(local)) return { url: `http://127.0.0.1:${local}`, close };
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  close();
  const reason = spawnError
    ? `cannot run ${options.ssh ?? 'ssh'} (${(spawnError as NodeJS.ErrnoException).code ?? spawnError.message})`
    : stderr.trim().split('\n').pop() || (exited ? 'ssh exited' : 'timed out');
  throw new CliError(
    `Could not open an SSH tunnel to ${target}: ${reason}.`,
    `Check that \`ssh ${target}\` works without a prompt (your key is in the agent or ~/.ssh).`,
  );
}

/**
 * How the CLI reaches a deployment's watcher: an explicit --watcher-url (https, or a tunnel of
 * the user's own on this machine), else an SSH tunnel to the instance's loopback, where the
 * watcher listens by default. With `allowed_sources` the watcher also listens publicly, but
 * over plain HTTP: the token goes through the tunnel all the same (docs/watcher.md).
 */
import { existsSync } from 'node:fs';
import net from 'node:net';
import { CliError } from '../errors.js';
import { ensureKnownHosts } from '../ssh/known-hosts.js';
import { type SshHost, sshHostOf } from '../ssh/replica.js';
import type { DeploymentRecord } from '../state/types.js';
import { isLoopbackHost, WatcherClient } from './client.js';
import { type ResolvedWatcher, resolveWatcher } from './resolve.js';
import { openSshTunnel, type Tunnel } from './tunnel.js';

export interface WatcherConnection {
  readonly client: WatcherClient;
  readonly resolved: ResolvedWatcher;
  /** Present when the watcher is reached through SSH. */
  readonly tunnel?: Tunnel;
  close(): void;
}

export interface ConnectOptions {
  /** --watcher-url (checked: never plain HTTP across a network). */
  readonly overrideUrl?: string;
  /** Tunnel even when the watcher could be reached directly (`logs --ssh`). */
  readonly forceTunnel?: boolean;
  /** Per-request timeout. */
  readonly timeoutMs?: number;
  /** How long ssh may take to log in and listen. */
  readonly tunnelTimeoutMs?: number;
  /** Told before ssh starts, e.g. to print "Opening an SSH tunnel …". */
  readonly onTunnel?: (target: string) => void;
  /** The machine to tunnel to (`logs --replica`); default: sshHostOf(record), the first replica. */
  readonly host?: SshHost;
}

/** The private key ssh should use for a deployment: the recorded one, if it is on this machine. */
export function deploymentIdentity(record: DeploymentRecord): string | undefined {
  return record.sshIdentityFile && existsSync(record.sshIdentityFile) ? record.sshIdentityFile : undefined;
}

export async function openWatcherTunnel(
  env: NodeJS.ProcessEnv,
  record: DeploymentRecord,
  timeoutMs?: number,
  host: SshHost | undefined = sshHostOf(record),
): Promise<Tunnel> {
  if (!host || !record.watcherPort) {
    throw new CliError(`Deployment ${record.id} has no IP address yet.`, 'Wait for it to finish creating.');
  }
  const identityFile = deploymentIdentity(record);
  return openSshTunnel({
    host: host.ipv4,
    remotePort: record.watcherPort,
    deploymentId: host.hostKeyId,
    knownHostsFile: await ensureKnownHosts(env),
    ...(identityFile ? { identityFile } : {}),
    ...(env.LINODE_BUILD_SSH ? { ssh: env.LINODE_BUILD_SSH } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
}

/** The endpoint that sends requests through `tunnel`. */
export function throughTunnel(resolved: ResolvedWatcher, tunnel: Tunnel): ResolvedWatcher {
  return {
    record: resolved.record,
    endpoint: {
      baseUrl: `http://127.0.0.1:${resolved.record.watcherPort}`,
      token: resolved.endpoint.token,
      socketPath: tunnel.socketPath,
      via: `an SSH tunnel to ${tunnel.target}`,
    },
  };
}

/**
 * The watcher's own address when the instance's address is on this machine's loopback (only a
 * local API hands those out: `npm run sandbox`, tests) and something listens there: no SSH is
 * needed and the token never leaves the machine. Undefined otherwise (a real instance: tunnel).
 */
export async function loopbackWatcherUrl(
  record: Pick<DeploymentRecord, 'ipv4' | 'watcherPort'>,
): Promise<string | undefined> {
  const { ipv4, watcherPort } = record;
  if (!ipv4 || !watcherPort || !isLoopbackHost(ipv4)) return undefined;
  const listening = await new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: ipv4, port: watcherPort });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
  return listening ? `http://${ipv4}:${watcherPort}` : undefined;
}

export async function connectWatcher(
  env: NodeJS.ProcessEnv,
  record: DeploymentRecord,
  options: ConnectOptions = {},
): Promise<WatcherConnection> {
  const clientOptions = options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {};
  const resolved = await resolveWatcher(env, record, options.forceTunnel ? undefined : options.overrideUrl);
  if (resolved.direct && !options.forceTunnel) {
    return { client: new WatcherClient(resolved.endpoint, clientOptions), resolved, close() {} };
  }
  // A deployment with replicas records the NodeBalancer's address: the watcher is on a replica.
  const host = options.host ?? sshHostOf(record);
  const local =
    options.forceTunnel || options.overrideUrl || !host
      ? undefined
      : await loopbackWatcherUrl({
          ipv4: host.ipv4,
          ...(record.watcherPort ? { watcherPort: record.watcherPort } : {}),
        });
  if (local) {
    const endpoint = { baseUrl: local, token: resolved.endpoint.token };
    return { client: new WatcherClient(endpoint, clientOptions), resolved: { record, endpoint }, close() {} };
  }
  options.onTunnel?.(`root@${host?.ipv4 ?? record.ipv4}`);
  const tunnel = await openWatcherTunnel(env, record, options.tunnelTimeoutMs, host);
  const tunnelled = throughTunnel(resolved, tunnel);
  return {
    client: new WatcherClient(tunnelled.endpoint, clientOptions),
    resolved: tunnelled,
    tunnel,
    close: () => tunnel.close(),
  };
}

/**
 * The fake NodeBalancer's data path, when a test or the sandbox turns it on: each config listens
 * on the NodeBalancer's (loopback) address and port and passes every TCP connection to one of its
 * nodes — round robin over the nodes in mode `accept` whose status is UP, else the UP `backup`
 * nodes, else it answers 503 like a NodeBalancer with no backend. A node's connection goes to
 * its instance's public (loopback) address on the node's port, where the simulated machine's app
 * listens; the NodeBalancer's private side has no loopback equivalent.
 *
 * Known limits: connections are passed through as TCP (a real `http` config proxies HTTP and
 * adds X-Forwarded-For), `drain` keeps no sessions (nothing is sticky), and a port below 1024
 * needs root (the listener is then skipped and `problems` says why).
 */
import net from 'node:net';

export interface ListenTarget {
  /** The config's id: one listener per config. */
  readonly key: number;
  readonly host: string;
  readonly port: number;
}

/** Where a new connection to config `key` goes, or undefined when no backend is available. */
export type PickBackend = (key: number) => { host: string; port: number } | undefined;

const noBackend = 'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';

export class NodeBalancerTraffic {
  private readonly servers = new Map<
    number,
    { server: net.Server; host: string; port: number; sockets: Set<net.Socket> }
  >();
  /** Listeners that could not start, with the reason (e.g. a port below 1024 without root). */
  readonly problems: string[] = [];

  constructor(private readonly pick: PickBackend) {}

  /** Starts and stops listeners so exactly `targets` are served. */
  async sync(targets: readonly ListenTarget[]): Promise<void> {
    const wanted = new Map(targets.map((target) => [target.key, target]));
    for (const [key, running] of this.servers) {
      const target = wanted.get(key);
      if (!target || target.host !== running.host || target.port !== running.port) {
        this.servers.delete(key);
        for (const socket of running.sockets) socket.destroy();
        await close(running.server);
      }
    }
    for (const target of targets) {
      if (!this.servers.has(target.key)) await this.listen(target);
    }
  }

  async close(): Promise<void> {
    await this.sync([]);
  }

  private async listen(target: ListenTarget): Promise<void> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((client) => {
      sockets.add(client);
      client.on('close', () => sockets.delete(client));
      const backend = this.pick(target.key);
      if (!backend) {
        client.end(noBackend);
        return;
      }
      const upstream = net.connect(backend.port, backend.host);
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      client.pipe(upstream).pipe(client);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(target.port, target.host, () => resolve());
      });
      this.servers.set(target.key, { server, host: target.host, port: target.port, sockets });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      this.problems.push(
        code === 'EACCES'
          ? `the NodeBalancer cannot listen on ${target.host}:${target.port}: ports below 1024 need root. Set external_port to 8080 in deploy.yml, then deploy again.`
          : `the NodeBalancer cannot listen on ${target.host}:${target.port}: ${(error as Error).message}`,
      );
    }
  }
}

async function close(server: net.Server): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

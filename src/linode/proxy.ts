/**
 * HTTPS_PROXY for the Linode API, done on purpose. The axios inside @linode/api-v4 (1.13.x)
 * reads the proxy variables itself but sends an https request to an http proxy as a plain
 * `GET https://… HTTP/1.1` with every header, the `Authorization: Bearer <token>` included,
 * instead of opening a CONNECT tunnel. So linode-build turns axios's own proxy handling off
 * (`proxy: false`) and gives it an agent that tunnels: CONNECT host:443 to the proxy, then TLS
 * to the API through the tunnel, the API's certificate verified as on a direct connection.
 * The proxy sees the CONNECT line and ciphertext, never the token.
 *
 * Rules: an https API URL uses HTTPS_PROXY (or https_proxy) unless NO_PROXY (or no_proxy)
 * matches its host; an http API URL (LINODE_API_URL for a local test API) is never proxied,
 * because a plain-HTTP proxy would receive the token in clear. The proxy itself may be http://
 * or https:// and may carry credentials, which go only into the CONNECT request.
 */
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { CliError } from '../errors.js';
import { PROXY_TUNNEL_ERROR } from './api-error.js';

/** The proxy to use for `target`, or undefined for a direct connection. */
export function proxyForUrl(target: string, env: NodeJS.ProcessEnv): URL | undefined {
  const url = new URL(target);
  if (url.protocol !== 'https:') return undefined;
  const setting = (env.HTTPS_PROXY || env.https_proxy)?.trim();
  if (!setting) return undefined;
  if (bypassesProxy(url, env.NO_PROXY ?? env.no_proxy ?? '')) return undefined;
  let proxy: URL;
  try {
    proxy = new URL(setting.includes('://') ? setting : `http://${setting}`);
  } catch {
    throw new CliError(
      'HTTPS_PROXY is not a URL.',
      'Set it to the proxy, e.g. HTTPS_PROXY=http://proxy.example:3128, or unset it.',
    );
  }
  if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:') {
    throw new CliError(
      `HTTPS_PROXY must be an http:// or https:// proxy; got '${proxy.protocol}'.`,
      'Set it to e.g. http://proxy.example:3128 (linode-build tunnels through it with CONNECT).',
    );
  }
  return proxy;
}

/**
 * NO_PROXY as curl reads it: comma- or space-separated host names, each matching the host and
 * its subdomains (a leading `.` or `*.` is the same), optionally with `:port`; `*` alone
 * matches everything. IP addresses match exactly.
 */
export function bypassesProxy(url: URL, noProxy: string): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    const match = /^(.*?)(?::(\d+))?$/.exec(entry.replace(/^\[(.*)\](:\d+)?$/, '$1$2'))!;
    const name = match[1]!.replace(/^\*?\./, '');
    if (match[2] !== undefined && match[2] !== port) continue;
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

function tunnelError(message: string, cause?: Error): Error {
  const error = new Error(message, cause ? { cause } : undefined) as NodeJS.ErrnoException;
  error.code = PROXY_TUNNEL_ERROR;
  return error;
}

/** Reads the proxy's answer to CONNECT, up to the blank line; resolves with the rest. */
function awaitConnectResponse(socket: Duplex, proxyName: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('end', onEnd);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(tunnelError(`the proxy ${proxyName} could not be used: ${error.message}`, error));
    };
    const onEnd = () => {
      cleanup();
      reject(tunnelError(`the proxy ${proxyName} closed the connection before answering CONNECT`));
    };
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) {
        if (received.length > 16384)
          onError(new Error(`the proxy ${proxyName} sent an oversized CONNECT answer`));
        return;
      }
      cleanup();
      const statusLine = received.subarray(0, received.indexOf('\r\n')).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
      if (status === '200') resolve(received.subarray(end + 4));
      else
        reject(tunnelError(`the proxy ${proxyName} refused the tunnel (${statusLine || 'no status line'})`));
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('end', onEnd);
  });
}

/** An https agent whose every connection is a CONNECT tunnel through `proxy`. */
export class TunnelAgent extends https.Agent {
  constructor(private readonly proxy: URL) {
    super({ keepAlive: true });
  }

  override createConnection(
    options: tls.ConnectionOptions & { host?: string; port?: number | string; servername?: string },
    callback: (error: Error | null, socket?: Duplex) => void,
  ): undefined {
    const host = options.host ?? 'localhost';
    const port = Number(options.port ?? 443);
    const proxyPort = Number(this.proxy.port || (this.proxy.protocol === 'https:' ? 443 : 80));
    const proxyHost = this.proxy.hostname.replace(/^\[|\]$/g, '');
    const proxyName = `${proxyHost}:${proxyPort}`;
    const toProxy: Duplex =
      this.proxy.protocol === 'https:'
        ? tls.connect({ host: proxyHost, port: proxyPort, servername: net.isIP(proxyHost) ? '' : proxyHost })
        : net.connect({ host: proxyHost, port: proxyPort });
    const authority = `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
    const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
    if (this.proxy.username || this.proxy.password) {
      const credentials = `${decodeURIComponent(this.proxy.username)}:${decodeURIComponent(this.proxy.password)}`;
      lines.push(`Proxy-Authorization: Basic ${Buffer.from(credentials).toString('base64')}`);
    }
    toProxy.write(`${lines.join('\r\n')}\r\n\r\n`);
    awaitConnectResponse(toProxy, proxyName).then(
      (early) => {
        if (early.length > 0) toProxy.unshift(early);
        // TLS to the API inside the tunnel: certificate and host name checked as usual.
        const secure = tls.connect({
          ...options,
          socket: toProxy,
          servername: options.servername ?? (net.isIP(host) ? '' : host),
        });
        callback(null, secure);
      },
      (error: Error) => {
        toProxy.destroy();
        callback(error);
      },
    );
    return undefined;
  }
}

const agents = new Map<string, https.Agent>();

/** One tunnelling agent per proxy, so connections are reused across requests. */
export function tunnelAgentFor(proxy: URL): https.Agent {
  let agent = agents.get(proxy.href);
  if (!agent) {
    agent = new TunnelAgent(proxy);
    agents.set(proxy.href, agent);
  }
  return agent;
}

/**
 * Attack: read the Linode API token at an HTTP proxy. With HTTPS_PROXY set, the axios inside
 * @linode/api-v4 sent `GET https://… HTTP/1.1` with `Authorization: Bearer <token>` to the
 * proxy in clear, instead of tunnelling with CONNECT.
 *
 * Here the API is https: the fake Linode API behind a TLS front on 127.0.0.1 with a
 * certificate made for the test (trusted by the CLI through NODE_EXTRA_CA_CERTS, exactly as a
 * corporate CA would be). The proxy is a CONNECT-capable recorder on 127.0.0.1 that keeps
 * every byte the CLI sends it. The built CLI must work through it, and the recording must hold
 * CONNECT lines and TLS records only: never the token, never an Authorization header.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bypassesProxy, proxyForUrl } from '../../src/linode/proxy.js';
import { FakeLinode } from '../fake-linode/server.js';
import { runCli, tempHome } from '../support/cli.js';
import { toolsAvailable } from '../support/tools.js';

const TOKEN = 'proxy-CANARY-token-8d1e4b7a';

interface Recorder {
  readonly url: string;
  /** Every byte clients sent to the proxy, per connection. */
  readonly connections: Buffer[][];
  /** The first line of every request the proxy received. */
  readonly requestLines: string[];
  /** Answer CONNECT with this status instead of opening the tunnel. */
  refuseWith?: number;
  close(): Promise<void>;
}

async function startRecorder(): Promise<Recorder> {
  const connections: Buffer[][] = [];
  const requestLines: string[] = [];
  const sockets = new Set<net.Socket>();
  const recorder: Recorder = {
    url: '',
    connections,
    requestLines,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    const received: Buffer[] = [];
    connections.push(received);
    let head = Buffer.alloc(0);
    let tunnel: net.Socket | undefined;
    client.on('error', () => undefined);
    client.on('data', (chunk: Buffer) => {
      received.push(chunk);
      if (tunnel) return;
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const requestLine = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
      requestLines.push(requestLine);
      const connect = /^CONNECT ([^\s:]+|\[[^\]]+\]):(\d+) HTTP\/1\.[01]$/.exec(requestLine);
      if (!connect || recorder.refuseWith !== undefined) {
        // A plain proxied request (what the old axios sent) or a refused tunnel.
        const status = connect ? recorder.refuseWith : 502;
        client.end(
          `HTTP/1.1 ${status} Refused by the test proxy\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
        );
        return;
      }
      const host = connect[1] === 'localhost' ? '127.0.0.1' : connect[1]!.replace(/^\[|\]$/g, '');
      tunnel = net.connect({ host, port: Number(connect[2]) }, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        const rest = head.subarray(end + 4);
        if (rest.length > 0) tunnel!.write(rest);
        client.on('data', (data: Buffer) => tunnel!.write(data));
        tunnel!.pipe(client);
      });
      tunnel.on('error', () => client.destroy());
      client.on('close', () => tunnel?.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(recorder, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}

/** A self-signed certificate for localhost and 127.0.0.1, made with openssl for this run. */
function makeCertificate(directory: string): { key: string; cert: string; certFile: string } {
  const keyFile = path.join(directory, 'key.pem');
  const certFile = path.join(directory, 'cert.pem');
  const result = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`openssl failed: ${result.stderr}`);
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}

describe.runIf(toolsAvailable('openssl'))('the Linode API through an HTTP proxy', () => {
  let fake: FakeLinode;
  let front: https.Server;
  let apiUrl: string;
  let certFile: string;
  let recorder: Recorder;

  beforeAll(async () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'lb-security-proxy-'));
    const certificate = makeCertificate(directory);
    certFile = certificate.certFile;
    fake = await new FakeLinode({ token: TOKEN }).start();
    // TLS in front of the fake API: forwards each request unchanged over loopback http.
    front = https.createServer({ key: certificate.key, cert: certificate.cert }, (request, response) => {
      const upstream = http.request(
        `${fake.url}${request.url}`,
        { method: request.method, headers: request.headers },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      upstream.on('error', () => response.destroy());
      request.pipe(upstream);
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    apiUrl = `https://localhost:${(front.address() as AddressInfo).port}`;
    recorder = await startRecorder();
  });

  afterAll(async () => {
    await recorder?.close();
    front?.closeAllConnections();
    await new Promise<void>((resolve) => front?.close(() => resolve()));
    await fake?.close();
  });

  beforeEach(() => {
    recorder.connections.length = 0;
    recorder.requestLines.length = 0;
    delete recorder.refuseWith;
  });

  function cliEnv(extra: Record<string, string>): Record<string, string> {
    const { env } = tempHome();
    return { ...env, LINODE_TOKEN: TOKEN, LINODE_API_URL: apiUrl, NODE_EXTRA_CA_CERTS: certFile, ...extra };
  }

  function recorded(): Buffer {
    return Buffer.concat(recorder.connections.flat());
  }

  it('tunnels with CONNECT: the proxy sees no token and no Authorization header', async () => {
    const result = await runCli(['status', '--all', '--json'], {
      env: cliEnv({ HTTPS_PROXY: recorder.url }),
    });
    // What the proxy saw comes first: it is the point of the test.
    expect(recorded().toString('latin1')).not.toContain(TOKEN);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(expect.anything());
    // The API was reached through the proxy, and only with CONNECT.
    expect(recorder.requestLines.length).toBeGreaterThan(0);
    for (const line of recorder.requestLines) expect(line).toBe(`CONNECT ${new URL(apiUrl).host} HTTP/1.1`);
    const bytes = recorded();
    expect(bytes.includes(TOKEN)).toBe(false);
    expect(bytes.toString('latin1').toLowerCase()).not.toContain('authorization');
    expect(bytes.includes(Buffer.from(TOKEN).toString('base64'))).toBe(false);
    // TLS inside the tunnel: the first byte after the CONNECT head is a TLS handshake record.
    const first = recorder.connections[0]!;
    const afterHead = Buffer.concat(first).subarray(Buffer.concat(first).indexOf('\r\n\r\n') + 4);
    expect(afterHead[0]).toBe(0x16);
    // The fake API did receive authenticated requests.
    expect(fake.requests.some((request) => request.path === '/linode/instances')).toBe(true);
  });

  it('lowercase https_proxy works the same', async () => {
    const result = await runCli(['status', '--all'], { env: cliEnv({ https_proxy: recorder.url }) });
    expect(result.code, result.stderr).toBe(0);
    expect(recorder.requestLines.every((line) => line.startsWith('CONNECT '))).toBe(true);
    expect(recorded().includes(TOKEN)).toBe(false);
  });

  it('goes direct when NO_PROXY names the API host', async () => {
    for (const noProxy of ['localhost', '.localhost', 'example.com, localhost', '*']) {
      const result = await runCli(['status', '--all'], {
        env: cliEnv({ HTTPS_PROXY: recorder.url, NO_PROXY: noProxy }),
      });
      expect(result.code, `${noProxy}: ${result.stderr}`).toBe(0);
      expect(recorder.connections, noProxy).toHaveLength(0);
    }
  });

  it('never sends the token to a proxy for a plain-http API URL', async () => {
    const { env } = tempHome();
    const result = await runCli(['status', '--all'], {
      env: {
        ...env,
        LINODE_TOKEN: TOKEN,
        LINODE_API_URL: fake.url,
        HTTP_PROXY: recorder.url,
        HTTPS_PROXY: recorder.url,
      },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(recorder.connections).toHaveLength(0);
  });

  it('reports a proxy that refuses the tunnel, without the token', async () => {
    recorder.refuseWith = 407;
    const result = await runCli(['status', '--all'], {
      env: cliEnv({ HTTPS_PROXY: recorder.url, LINODE_BUILD_RETRY_BASE_MS: '1' }),
      timeoutMs: 120_000,
    });
    expect(result.code).toBe(1);
    // Not retried: one error, naming the proxy's answer, and what to do.
    expect(result.stderr).toMatch(
      /^Error: could not reach the Linode API at \S+ through HTTPS_PROXY while .+refused the tunnel \(HTTP\/1\.1 407 [^\n]*\)\.\nHint: Check HTTPS_PROXY.+\n$/,
    );
    expect(`${result.stdout}${result.stderr}`).not.toContain(TOKEN);
    expect(recorded().includes(TOKEN)).toBe(false);
  }, 130_000);

  it('refuses an HTTPS_PROXY that is not an http(s) URL', async () => {
    const result = await runCli(['status', '--all'], {
      env: cliEnv({ HTTPS_PROXY: 'socks5://127.0.0.1:1080' }),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("HTTPS_PROXY must be an http:// or https:// proxy; got 'socks5:'");
  });
});

describe('NO_PROXY and HTTPS_PROXY rules', () => {
  const api = new URL('https://api.linode.com/v4');
  it.each([
    ['api.linode.com', true],
    ['linode.com', true],
    ['.linode.com', true],
    ['*.linode.com', true],
    ['example.com,linode.com', true],
    ['example.com linode.com', true],
    ['api.linode.com:443', true],
    ['api.linode.com:8443', false],
    ['inode.com', false],
    ['com.linode', false],
    ['*', true],
    ['', false],
  ])('NO_PROXY=%j bypasses the proxy for api.linode.com: %s', (noProxy, bypass) => {
    expect(bypassesProxy(api, noProxy)).toBe(bypass);
  });

  it('uses HTTPS_PROXY for https only, and accepts a bare host:port', () => {
    expect(proxyForUrl('https://api.linode.com', { HTTPS_PROXY: 'proxy:3128' })?.href).toBe(
      'http://proxy:3128/',
    );
    expect(proxyForUrl('http://127.0.0.1:4010', { HTTPS_PROXY: 'http://proxy:3128' })).toBeUndefined();
    expect(proxyForUrl('https://api.linode.com', { HTTP_PROXY: 'http://proxy:3128' })).toBeUndefined();
    expect(proxyForUrl('https://api.linode.com', {})).toBeUndefined();
  });
});

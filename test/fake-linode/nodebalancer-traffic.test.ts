/**
 * The fake NodeBalancer's data path: connections to its address go round robin to the UP nodes
 * in mode accept, never to drained or DOWN ones, and get 503 when no backend is left.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivateInstance, type RawApi, rawApi } from './raw-api.js';
import { FakeLinode } from './server.js';

let fake: FakeLinode;
let api: RawApi;
const apps: http.Server[] = [];
const appPort = 20_000 + Math.floor(Math.random() * 20_000);
const nbPort = appPort + 1;

/** An instance with a private IPv4 and, on its public (loopback) address, an app naming it. */
async function backend(label: string) {
  const { id, publicIp, privateIp } = await createPrivateInstance(api, label);
  const app = http.createServer((_request, response) => response.end(label));
  await new Promise<void>((resolve) => app.listen(appPort, publicIp, resolve));
  apps.push(app);
  return { id, privateIp };
}

beforeAll(async () => {
  // A loopback block of its own: the NodeBalancer and the apps listen on 127.78.x.y.
  fake = await new FakeLinode({ token: 't', provisionMs: 0, bootMs: 0, loopbackBlock: 78 }).start();
  api = rawApi(fake, 't');
});
afterAll(async () => {
  await fake.close();
  for (const app of apps) {
    app.closeAllConnections();
    await new Promise((resolve) => app.close(resolve));
  }
});

/** One GET on a connection of its own (no keep-alive), so each request is a new balancing turn. */
function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('NodeBalancer traffic', () => {
  it('balances over UP accept nodes, skips drained and DOWN ones, answers 503 with none, stops when deleted', async () => {
    const one = await backend('rep-one');
    const two = await backend('rep-two');
    await fake.nodeBalancers.serveTraffic(true);
    const nb = await api('POST', '/nodebalancers', {
      label: 'nb-traffic',
      region: 'us-east',
      configs: [
        {
          port: nbPort,
          check: 'http',
          check_path: '/health',
          nodes: [
            { address: `${one.privateIp}:${appPort}`, label: 'rep-one' },
            { address: `${two.privateIp}:${appPort}`, label: 'rep-two' },
          ],
        },
      ],
    });
    expect(nb.status).toBe(200);
    expect(fake.nodeBalancers.trafficProblems()).toEqual([]);
    const url = `http://${nb.json.ipv4}:${nbPort}/`;
    const served = [];
    for (let i = 0; i < 4; i++) served.push(await get(url));
    expect(served.map((r) => r.body)).toEqual(['rep-one', 'rep-two', 'rep-one', 'rep-two']);

    const config = fake.nodeBalancers.configsOf(nb.json.id)[0]!;
    const nodeOne = config.nodes.find((node) => node.label === 'rep-one')!;
    await api('PUT', `/nodebalancers/${nb.json.id}/configs/${config.id}/nodes/${nodeOne.id}`, {
      mode: 'drain',
    });
    const drained = [];
    for (let i = 0; i < 3; i++) drained.push(await get(url));
    expect(drained.map((r) => r.body)).toEqual(['rep-two', 'rep-two', 'rep-two']);

    fake.nodeBalancers.setNodeHealth(two.id, false);
    expect((await get(url)).status).toBe(503);
    fake.nodeBalancers.setNodeHealth(two.id, undefined);
    expect((await get(url)).body).toBe('rep-two');

    await api('DELETE', `/nodebalancers/${nb.json.id}`);
    await expect(get(url)).rejects.toThrow();
  });

  it('says why a config cannot be served when its address and port are taken', async () => {
    const { privateIp } = await backend('rep-three');
    const nb = await api('POST', '/nodebalancers', { label: 'nb-taken', region: 'us-east', configs: [] });
    const squatter = http.createServer();
    await new Promise<void>((resolve) => squatter.listen(nbPort + 1, nb.json.ipv4, resolve));
    apps.push(squatter);
    const config = await api('POST', `/nodebalancers/${nb.json.id}/configs`, {
      port: nbPort + 1,
      check: 'http',
      check_path: '/health',
      nodes: [{ address: `${privateIp}:${appPort}`, label: 'rep-three' }],
    });
    expect(config.status).toBe(200);
    expect(fake.nodeBalancers.trafficProblems()).toEqual([
      expect.stringMatching(
        new RegExp(`cannot listen on ${nb.json.ipv4.replaceAll('.', '\\.')}:${nbPort + 1}: .*EADDRINUSE`),
      ),
    ]);
  });
});

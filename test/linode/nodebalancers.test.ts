import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import { LinodeClient } from '../../src/linode/client.js';
import { privateIpv4Of, splitNodeAddress } from '../../src/linode/nodebalancers.js';
import { FakeLinode } from '../fake-linode/server.js';
import { fakeClientEnv, instantClock } from './support.js';

const token = 'tok-nb-5d1c9e';

let fake: FakeLinode;
let env: NodeJS.ProcessEnv;
let serial = 0;

beforeAll(async () => {
  fake = await new FakeLinode({ token, provisionMs: 0, bootMs: 0, deleteMs: 0 }).start();
  env = fakeClientEnv(fake, token);
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.configure({ faults: undefined });
  fake.clearLog();
});

/** A running replica with a private IPv4, created through the client as deploy would. */
async function replica(client: LinodeClient, tags: readonly string[] = []) {
  const id = `r${++serial}`;
  const instance = await client.createInstance(
    {
      label: `replica-${id}`,
      region: 'us-east',
      type: 'g6-nanode-1',
      image: 'linode/ubuntu24.04',
      root_pass: 'Xy7!kP2#mQ9$wR4%tZ8^vB3&nL6*',
      tags: [`build-id:${id}`, ...tags],
      metadata: { user_data: Buffer.from('#cloud-config\n').toString('base64') },
      private_ip: true,
    },
    `build-id:${id}`,
  );
  return { instance, address: privateIpv4Of(instance)! };
}

const check = { path: '/health', intervalSeconds: 5, timeoutSeconds: 3, attempts: 2 };

describe('NodeBalancers through the client', () => {
  it('creates a NodeBalancer with a port, an HTTP check and backends sent as ip:port', async () => {
    const client = await LinodeClient.connect(env);
    const { address } = await replica(client);
    expect(address).toMatch(/^192\.168\.\d+\.\d+$/);
    const nb = await client.nodeBalancers.create({
      label: 'nb-client-one',
      region: 'us-east',
      tags: ['build-id:nbc1'],
      configs: [{ port: 80, check, backends: [{ label: 'rep-1', address, port: 8080 }] }],
    });
    const [backends] = await client.nodeBalancers.backends(nb.id);
    expect(backends!.config).toMatchObject({
      port: 80,
      protocol: 'http',
      check: 'http',
      check_path: '/health',
      check_interval: 5,
      check_timeout: 3,
      check_attempts: 2,
    });
    expect(backends!.nodes).toEqual([
      expect.objectContaining({ address: `${address}:8080`, label: 'rep-1', mode: 'accept', status: 'UP' }),
    ]);
    expect(splitNodeAddress(backends!.nodes[0]!.address)).toEqual({ address, port: 8080 });
  });

  it('creates a NodeBalancer before its backends, then its port with the first healthy one', async () => {
    const client = await LinodeClient.connect(env);
    const nb = await client.nodeBalancers.create({
      label: 'nb-client-later',
      region: 'us-east',
      tags: [],
      configs: [],
    });
    expect(await client.nodeBalancers.configs(nb.id)).toEqual([]);
    const first = await replica(client);
    const config = await client.nodeBalancers.createConfig(nb.id, {
      port: 8000,
      check,
      backends: [{ label: 'rep-1', address: first.address, port: 8000 }],
    });
    const second = await replica(client);
    await client.nodeBalancers.addNode(nb.id, config.id, {
      label: 'rep-2',
      address: second.address,
      port: 8000,
    });
    const nodes = await client.nodeBalancers.nodes(nb.id, config.id);
    expect(nodes.map((node) => node.label)).toEqual(['rep-1', 'rep-2']);
    const updated = await client.nodeBalancers.updateConfig(nb.id, config.id, { check: { path: '/ready' } });
    expect(updated.check_path).toBe('/ready');
    // A connection check sends no path; the API keeps the last one.
    const tcp = await client.nodeBalancers.updateConfig(nb.id, config.id, {
      check: { type: 'connection', intervalSeconds: 4, timeoutSeconds: 2, attempts: 2 },
    });
    expect(tcp).toMatchObject({
      check: 'connection',
      check_interval: 4,
      check_timeout: 2,
      check_attempts: 2,
    });
    const put = fake.mutatingRequests().at(-1);
    expect(put?.body).not.toHaveProperty('check_path');
  });

  it('refuses a port without backends before sending anything (api-v4 validates it)', async () => {
    const client = await LinodeClient.connect(env);
    const nb = await client.nodeBalancers.create({
      label: 'nb-client-empty',
      region: 'us-east',
      tags: [],
      configs: [],
    });
    fake.clearLog();
    const error = await client.nodeBalancers
      .createConfig(nb.id, { port: 80, check, backends: [] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toMatch(/at least one back end node/);
    expect(fake.requests).toHaveLength(0);
  });

  it('drains, rejects and accepts a backend, resending the node as listed', async () => {
    const client = await LinodeClient.connect(env);
    const { address } = await replica(client);
    const nb = await client.nodeBalancers.create({
      label: 'nb-client-modes',
      region: 'us-east',
      tags: [],
      configs: [{ port: 80, check, backends: [{ label: 'rep-1', address, port: 8080, weight: 7 }] }],
    });
    const [{ config, nodes }] = (await client.nodeBalancers.backends(nb.id)) as [
      Awaited<ReturnType<LinodeClient['nodeBalancers']['backends']>>[number],
    ];
    for (const mode of ['drain', 'reject', 'accept'] as const) {
      const changed = await client.nodeBalancers.setNodeMode(nb.id, config.id, nodes[0]!, mode);
      expect(changed).toMatchObject({ mode, address: `${address}:8080`, weight: 7, label: 'rep-1' });
    }
    expect(await client.nodeBalancers.deleteNode(nb.id, config.id, nodes[0]!.id)).toBe('deleted');
    expect(await client.nodeBalancers.deleteNode(nb.id, config.id, nodes[0]!.id)).toBe('absent');
    expect(await client.nodeBalancers.deleteConfig(nb.id, config.id)).toBe('deleted');
  });

  it('never creates a NodeBalancer, port or backend twice when the response is lost', async () => {
    const client = await LinodeClient.connect(env, { clock: instantClock() });
    const { address } = await replica(client);
    fake.injectOnce('drop-after', { method: 'POST', path: /^\/nodebalancers$/ });
    const nb = await client.nodeBalancers.create({
      label: 'nb-client-lost',
      region: 'us-east',
      tags: [],
      configs: [],
    });
    expect(fake.nodeBalancers.list().filter((item) => item.label === 'nb-client-lost')).toHaveLength(1);
    fake.injectOnce('drop-after', { method: 'POST', path: /\/configs$/ });
    const config = await client.nodeBalancers.createConfig(nb.id, {
      port: 80,
      check,
      backends: [{ label: 'rep-1', address, port: 8080 }],
    });
    expect(fake.nodeBalancers.configsOf(nb.id)).toHaveLength(1);
    const other = await replica(client);
    fake.injectOnce('drop-after', { method: 'POST', path: /\/nodes$/ });
    await client.nodeBalancers.addNode(nb.id, config.id, {
      label: 'rep-2',
      address: other.address,
      port: 8080,
    });
    expect(fake.nodeBalancers.configsOf(nb.id)[0]!.nodes).toHaveLength(2);
    expect(fake.countRequests({ method: 'POST', path: /\/nodes$/ })).toBe(1);
  });

  it('retries 5xx, 429 (after Retry-After) and dropped connections on reads and mode changes', async () => {
    const delays: number[] = [];
    const client = await LinodeClient.connect(env, { clock: instantClock(delays) });
    const { address } = await replica(client);
    const nb = await client.nodeBalancers.create({
      label: 'nb-client-retry',
      region: 'us-east',
      tags: [],
      configs: [{ port: 80, check, backends: [{ label: 'rep-1', address, port: 8080 }] }],
    });
    const configId = fake.nodeBalancers.configsOf(nb.id)[0]!.id;
    fake.clearLog();
    fake.configure({ faults: { rate: 0, retryAfterSeconds: 4 } });
    fake.injectOnce('rate-limit', { path: /\/nodes$/ });
    fake.injectOnce('server-error', { path: /\/nodes$/ });
    fake.injectOnce('drop-before', { path: /\/nodes$/ });
    const nodes = await client.nodeBalancers.nodes(nb.id, configId);
    expect(fake.requests.map((r) => r.status)).toEqual([429, 500, 'dropped', 200]);
    expect(delays[0]).toBeGreaterThanOrEqual(4000);
    fake.injectOnce('unavailable', { method: 'PUT' });
    await client.nodeBalancers.setNodeMode(nb.id, configId, nodes[0]!, 'drain');
    expect(fake.countRequests({ method: 'PUT' })).toBe(2);
    expect(fake.nodeBalancers.configsOf(nb.id)[0]!.nodes[0]!.mode).toBe('drain');
  });

  it('gives up with an actionable error after the bounded attempts', async () => {
    const client = await LinodeClient.connect(env, {
      clock: instantClock(),
      policy: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 100, maxTotalMs: 10_000 },
    });
    fake.configure({ faults: { rate: 1, kinds: ['server-error'], maxConsecutive: 100 } });
    const error = await client.nodeBalancers.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toMatch(/failed while listing NodeBalancers .*500/);
    expect(fake.requests).toHaveLength(3);
  });

  it('maps 404 to absent values, and explains a refused region', async () => {
    const client = await LinodeClient.connect(env);
    expect(await client.nodeBalancers.get(1)).toBeUndefined();
    expect(await client.nodeBalancers.delete(1)).toBe('absent');
    const error = (await client.nodeBalancers
      .create({ label: 'nb-client-nowhere', region: 'ap-south', tags: [], configs: [] })
      .catch((e: unknown) => e)) as CliError;
    expect(error.message).toMatch(/refused creating NodeBalancer nb-client-nowhere \(400\).*region ap-south/);
  });

  it('attaches and detaches a NodeBalancer firewall through firewall devices', async () => {
    const client = await LinodeClient.connect(env, { clock: instantClock() });
    const nb = await client.nodeBalancers.create({
      label: 'nb-client-fw',
      region: 'us-east',
      tags: [],
      configs: [],
    });
    const firewall = await client.createFirewall({
      label: 'fw-nb-client',
      tags: [],
      rules: { inbound_policy: 'DROP', outbound_policy: 'ACCEPT', inbound: [], outbound: [] },
    });
    fake.injectOnce('drop-after', { method: 'POST', path: /\/devices$/ });
    const device = await client.firewallDevices.attach(firewall.id, 'nodebalancer', nb.id);
    expect(device.entity).toMatchObject({ type: 'nodebalancer', id: nb.id });
    expect((await client.nodeBalancers.firewalls(nb.id)).map((f) => f.id)).toEqual([firewall.id]);
    expect(await client.firewallDevices.detach(firewall.id, device.id)).toBe('deleted');
    expect(await client.firewallDevices.detach(firewall.id, device.id)).toBe('absent');
    expect(await client.nodeBalancers.firewalls(nb.id)).toEqual([]);
  });

  it('reads NodeBalancer prices once a day (cached on disk)', async () => {
    const client = await LinodeClient.connect(env);
    const first = await client.nodeBalancers.types();
    const second = await client.nodeBalancers.types();
    expect(second).toEqual(first);
    expect(first[0]).toMatchObject({ id: 'nodebalancer', price: { monthly: 10 } });
    expect(fake.countRequests({ path: /^\/nodebalancers\/types$/ })).toBe(1);
  });
});

describe('under 30 % injected faults', () => {
  it('ends with exactly one NodeBalancer, one port and the backends asked for, in the modes asked for', async () => {
    // A fake of its own: its seeded fault sequence does not depend on the tests before.
    const faulty = await new FakeLinode({
      token,
      provisionMs: 0,
      bootMs: 0,
      seed: 17,
      faults: { rate: 0.3, maxConsecutive: 3, retryAfterSeconds: 1 },
    }).start();
    try {
      const client = await LinodeClient.connect(fakeClientEnv(faulty, token), { clock: instantClock() });
      const replicas = [];
      for (let i = 0; i < 3; i++) replicas.push(await replica(client));
      const nb = await client.nodeBalancers.create({
        label: 'nb-client-faults',
        region: 'us-east',
        tags: ['build-id:faults'],
        configs: [],
      });
      const [first, ...rest] = replicas.map((r, index) => ({
        label: `rep-${index}`,
        address: r.address,
        port: 8080,
      }));
      const config = await client.nodeBalancers.createConfig(nb.id, { port: 80, check, backends: [first!] });
      for (const backend of rest) await client.nodeBalancers.addNode(nb.id, config.id, backend);
      const listed = await client.nodeBalancers.nodes(nb.id, config.id);
      await client.nodeBalancers.setNodeMode(
        nb.id,
        config.id,
        listed.find((n) => n.label === 'rep-1')!,
        'drain',
      );
      const faults = faulty.requests.filter((request) => request.fault !== undefined);
      expect(faults.length).toBeGreaterThanOrEqual(3);
      expect(faulty.listInstances()).toHaveLength(3);
      expect(faulty.nodeBalancers.list().map((item) => item.label)).toEqual(['nb-client-faults']);
      const [only, ...none] = faulty.nodeBalancers.configsOf(nb.id);
      expect(none).toEqual([]);
      expect(only!.nodes.map((node) => [node.label, node.mode]).sort()).toEqual([
        ['rep-0', 'accept'],
        ['rep-1', 'drain'],
        ['rep-2', 'accept'],
      ]);
    } finally {
      await faulty.close();
    }
  });
});

describe('the request shape of status for 50 deployments × 3 replicas', () => {
  it('lists every replica and NodeBalancer in 2 requests, and backend state in 1 more per NodeBalancer', async () => {
    const client = await LinodeClient.connect(env);
    const configIds = new Map<number, number>();
    for (let d = 0; d < 50; d++) {
      const replicas = await Promise.all(
        [0, 1, 2].map(() => replica(client, ['scale-count', `build-app:d${d}`])),
      );
      const nb = await client.nodeBalancers.create({
        label: `nb-count-${d}`,
        region: 'us-east',
        tags: ['scale-count', `build-app:d${d}`],
        configs: [
          {
            port: 80,
            check,
            backends: replicas.map((r, index) => ({ label: `rep-${index}`, address: r.address, port: 8080 })),
          },
        ],
      });
      configIds.set(nb.id, fake.nodeBalancers.configsOf(nb.id)[0]!.id);
    }
    fake.clearLog();
    const [instances, nodeBalancers] = await Promise.all([
      client.instancesWithTag('scale-count'),
      client.nodeBalancers.withTag('scale-count'),
    ]);
    expect(instances).toHaveLength(150);
    expect(nodeBalancers).toHaveLength(50);
    expect(fake.requests).toHaveLength(2);

    // Backend mode and UP/DOWN per replica: the API lists nodes per config, so one request per
    // NodeBalancer when its config id is known (kept from deploy), two when it is not.
    const nodes = await Promise.all(
      nodeBalancers.map((nb) => client.nodeBalancers.nodes(nb.id, configIds.get(nb.id)!)),
    );
    expect(nodes.flat()).toHaveLength(150);
    expect(nodes.flat().every((node) => node.status === 'UP')).toBe(true);
    expect(fake.requests).toHaveLength(2 + 50);
    fake.clearLog();
    await client.nodeBalancers.backends(nodeBalancers[0]!.id);
    expect(fake.requests).toHaveLength(2);
  });
});

/**
 * The fake's NodeBalancers against the API contract: bodies checked with @linode/validation in
 * the wire shape, Linode's rules beyond the schema, node status from the backends' health,
 * paging, filters, firewalls, prices and faults.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RawApi, rawApi } from './raw-api.js';
import { FakeLinode } from './server.js';

let fake: FakeLinode;
let api: RawApi;
let serial = 0;

const instanceBody = (label: string) => ({
  label,
  region: 'us-east',
  type: 'g6-nanode-1',
  image: 'linode/ubuntu24.04',
  root_pass: 'Xy7!kP2#mQ9$wR4%tZ8^vB3&',
  tags: ['nb-test'],
  private_ip: true,
});

/** A running instance with a private IPv4 (provisionMs and bootMs are 0). */
async function backend(): Promise<{ id: number; privateIp: string }> {
  const created = await api('POST', '/linode/instances', instanceBody(`backend-${++serial}`));
  expect(created.status).toBe(200);
  const privateIp = (created.json.ipv4 as string[]).find((address) => address.startsWith('192.168.'));
  expect(privateIp).toMatch(/^192\.168\.(1[3-9]\d|2[0-5]\d|128)\.\d+$/);
  return { id: created.json.id, privateIp: privateIp! };
}

const httpConfig = (nodes: unknown[], port = 80) => ({
  port,
  protocol: 'http',
  algorithm: 'roundrobin',
  check: 'http',
  check_path: '/health',
  check_interval: 10,
  check_timeout: 5,
  check_attempts: 3,
  nodes,
});

function nodeBalancerBody(overrides: Record<string, unknown> = {}) {
  return { label: `nb-${++serial}`, region: 'us-east', tags: ['build-id:nb'], configs: [], ...overrides };
}

beforeAll(async () => {
  fake = await new FakeLinode({ token: 't', provisionMs: 0, bootMs: 0, deleteMs: 0 }).start();
  api = rawApi(fake, 't');
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.configure({ faults: undefined });
  fake.nodeBalancers.setBackendHealth(undefined);
});

describe('NodeBalancer create', () => {
  it('validates the body with @linode/validation and answers Linode-style field errors', async () => {
    const missing = await api('POST', '/nodebalancers', { label: 'x' });
    expect(missing.status).toBe(400);
    const fields = (missing.json.errors as { field?: string }[]).map((error) => error.field);
    expect(fields).toEqual(expect.arrayContaining(['region', 'label']));
    const spaces = await api('POST', '/nodebalancers', nodeBalancerBody({ label: 'has spaces' }));
    expect(spaces.status).toBe(400);
    expect(fake.nodeBalancers.list()).toHaveLength(0);
  });

  it('refuses a region without the NodeBalancers capability, and a label in use', async () => {
    const noCapability = await api('POST', '/nodebalancers', nodeBalancerBody({ region: 'ap-south' }));
    expect(noCapability.status).toBe(400);
    expect(JSON.stringify(noCapability.json)).toContain('NodeBalancers are not available in region ap-south');
    const first = await api('POST', '/nodebalancers', nodeBalancerBody({ label: 'nb-unique' }));
    expect(first.status).toBe(200);
    const again = await api('POST', '/nodebalancers', nodeBalancerBody({ label: 'nb-unique' }));
    expect(again.status).toBe(400);
    expect(again.json.errors[0]).toMatchObject({ field: 'label' });
  });

  it('creates configs and nodes with the NodeBalancer, in the api-v4 response shape', async () => {
    const { privateIp } = await backend();
    const created = await api(
      'POST',
      '/nodebalancers',
      nodeBalancerBody({
        configs: [httpConfig([{ address: `${privateIp}:8080`, label: 'rep-1', mode: 'accept' }])],
      }),
    );
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ region: 'us-east', client_conn_throttle: 0, tags: ['build-id:nb'] });
    expect(created.json.ipv4).toMatch(/^127\.0\.251\.\d+$/);
    expect(created.json.hostname).toContain('.ip.linodeusercontent.com');
    const configs = await api('GET', `/nodebalancers/${created.json.id}/configs`);
    expect(configs.json.results).toBe(1);
    expect(configs.json.data[0]).toMatchObject({
      port: 80,
      check: 'http',
      check_path: '/health',
      nodes_status: { up: 1, down: 0 },
    });
    expect(configs.json.data[0]).not.toHaveProperty('nodes');
    const nodes = await api(
      'GET',
      `/nodebalancers/${created.json.id}/configs/${configs.json.data[0].id}/nodes`,
    );
    expect(nodes.json.data).toEqual([
      expect.objectContaining({
        address: `${privateIp}:8080`,
        label: 'rep-1',
        mode: 'accept',
        weight: 100,
        status: 'UP',
      }),
    ]);
  });

  it('rejects a config with no nodes, as the schema does (api-v4 never sends one)', async () => {
    const response = await api('POST', '/nodebalancers', nodeBalancerBody({ configs: [httpConfig([])] }));
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.json)).toContain('at least one back end node');
  });

  it('leaves nothing behind when a config inside the create is refused', async () => {
    const before = fake.nodeBalancers.list().length;
    const { privateIp } = await backend();
    const node = { address: `${privateIp}:8080`, label: 'rep-1' };
    const duplicatePorts = await api(
      'POST',
      '/nodebalancers',
      nodeBalancerBody({ configs: [httpConfig([node], 80), httpConfig([node], 80)] }),
    );
    expect(duplicatePorts.status).toBe(400);
    expect(fake.nodeBalancers.list()).toHaveLength(before);
  });
});

describe('NodeBalancer configs', () => {
  let nbId: number;
  let node: { address: string; label: string };
  beforeAll(async () => {
    nbId = (await api('POST', '/nodebalancers', nodeBalancerBody())).json.id;
    node = { address: `${(await backend()).privateIp}:8080`, label: 'rep-1' };
  });

  it('refuses a port out of range, a port in use, an HTTP check without a path, interval ≤ timeout', async () => {
    const outOfRange = await api('POST', `/nodebalancers/${nbId}/configs`, httpConfig([node], 70_000));
    expect(outOfRange.status).toBe(400);
    expect(outOfRange.json.errors[0].reason).toMatch(/Port must be between 1 and 65535/);
    expect((await api('POST', `/nodebalancers/${nbId}/configs`, httpConfig([node], 8000))).status).toBe(200);
    const inUse = await api('POST', `/nodebalancers/${nbId}/configs`, httpConfig([node], 8000));
    expect(inUse.status).toBe(400);
    expect(inUse.json.errors[0]).toMatchObject({ field: 'port' });
    const { check_path: _path, ...noPath } = httpConfig([node], 8001);
    expect((await api('POST', `/nodebalancers/${nbId}/configs`, noPath)).status).toBe(400);
    const timing = await api('POST', `/nodebalancers/${nbId}/configs`, {
      ...httpConfig([node], 8002),
      check_interval: 5,
      check_timeout: 5,
    });
    expect(timing.status).toBe(400);
    expect(timing.json.errors[0]).toMatchObject({ field: 'check_interval' });
  });

  it('updates a health check in place, keeping the nodes', async () => {
    const created = await api('POST', `/nodebalancers/${nbId}/configs`, httpConfig([node], 9000));
    const updated = await api('PUT', `/nodebalancers/${nbId}/configs/${created.json.id}`, {
      check: 'http',
      check_path: '/ready',
    });
    expect(updated.status).toBe(200);
    expect(updated.json).toMatchObject({ check_path: '/ready', port: 9000 });
    const nodes = await api('GET', `/nodebalancers/${nbId}/configs/${created.json.id}/nodes`);
    expect(nodes.json.results).toBe(1);
    const bad = await api('PUT', `/nodebalancers/${nbId}/configs/${created.json.id}`, { check_attempts: 99 });
    expect(bad.status).toBe(400);
    expect((await api('DELETE', `/nodebalancers/${nbId}/configs/${created.json.id}`)).status).toBe(200);
    expect((await api('GET', `/nodebalancers/${nbId}/configs/${created.json.id}`)).status).toBe(404);
  });
});

describe('NodeBalancer nodes', () => {
  let nbId: number;
  let configId: number;
  beforeAll(async () => {
    nbId = (await api('POST', '/nodebalancers', nodeBalancerBody())).json.id;
    const first = await backend();
    configId = (
      await api(
        'POST',
        `/nodebalancers/${nbId}/configs`,
        httpConfig([{ address: `${first.privateIp}:8080`, label: 'rep-0' }]),
      )
    ).json.id;
  });
  const nodesPath = () => `/nodebalancers/${nbId}/configs/${configId}/nodes`;

  it('takes only a private IPv4 with a port, and a valid label, mode and weight', async () => {
    const cases = [
      { address: '203.0.113.7:8080', label: 'public' },
      { address: '10.0.0.7:8080', label: 'not-linode' },
      { address: '192.168.130.7', label: 'no-port' },
      { address: '192.168.130.7:0', label: 'port-zero' },
      { address: '192.168.130.7:8080', label: 'x' },
      { address: '192.168.130.7:8080', label: 'mode', mode: 'sideways' },
      { address: '192.168.130.7:8080', label: 'weight', weight: 0 },
    ];
    for (const body of cases) {
      const response = await api('POST', nodesPath(), body);
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
    expect((await api('GET', nodesPath())).json.results).toBe(1);
  });

  it('derives each node status from its backend: UP when its app answers, DOWN otherwise', async () => {
    const healthy = await backend();
    const sick = await backend();
    const added = await Promise.all(
      [healthy, sick].map((b, index) =>
        api('POST', nodesPath(), { address: `${b.privateIp}:8080`, label: `rep-${index + 1}` }),
      ),
    );
    expect(added.map((response) => response.status)).toEqual([200, 200]);
    const nowhere = await api('POST', nodesPath(), { address: '192.168.200.200:8080', label: 'nobody' });
    expect(nowhere.json.status).toBe('DOWN');
    const checked: string[] = [];
    fake.nodeBalancers.setBackendHealth((instance, port, path) => {
      checked.push(`${instance.id}:${port}${path}`);
      return instance.id !== sick.id;
    });
    const statuses = async () =>
      Object.fromEntries(
        ((await api('GET', nodesPath())).json.data as { label: string; status: string }[]).map((n) => [
          n.label,
          n.status,
        ]),
      );
    expect(await statuses()).toMatchObject({ 'rep-1': 'UP', 'rep-2': 'DOWN', nobody: 'DOWN' });
    expect(checked).toContain(`${healthy.id}:8080/health`);
    const config = await api('GET', `/nodebalancers/${nbId}/configs/${configId}`);
    expect(config.json.nodes_status).toEqual({ up: 2, down: 2 });
    fake.nodeBalancers.setNodeHealth(healthy.id, false);
    expect((await statuses())['rep-1']).toBe('DOWN');
    fake.nodeBalancers.setNodeHealth(healthy.id, undefined);
    fake.setInstanceStatus(healthy.id, 'offline');
    expect((await statuses())['rep-1']).toBe('DOWN');
    fake.setInstanceStatus(healthy.id, 'running');
    await api('DELETE', `/linode/instances/${healthy.id}`);
    expect((await statuses())['rep-1']).toBe('DOWN');
  });

  it('changes a node mode (drain, reject, accept) with a whole or partial body; status stays health', async () => {
    const b = await backend();
    const created = await api('POST', nodesPath(), { address: `${b.privateIp}:8080`, label: 'to-drain' });
    const drained = await api('PUT', `${nodesPath()}/${created.json.id}`, {
      address: `${b.privateIp}:8080`,
      label: 'to-drain',
      mode: 'drain',
      weight: 100,
    });
    expect(drained.json).toMatchObject({ mode: 'drain', status: 'UP' });
    const rejected = await api('PUT', `${nodesPath()}/${created.json.id}`, { mode: 'reject' });
    expect(rejected.json).toMatchObject({ mode: 'reject', address: `${b.privateIp}:8080` });
    const badMode = await api('PUT', `${nodesPath()}/${created.json.id}`, { mode: 'none-such' });
    expect(badMode.status).toBe(400);
    expect((await api('DELETE', `${nodesPath()}/${created.json.id}`)).status).toBe(200);
    expect((await api('GET', `${nodesPath()}/${created.json.id}`)).status).toBe(404);
  });

  it('reports unknown status when the config checks nothing', async () => {
    const b = await backend();
    const config = await api('POST', `/nodebalancers/${nbId}/configs`, {
      port: 7000,
      check: 'none',
      nodes: [{ address: `${b.privateIp}:7000`, label: 'unchecked' }],
    });
    const nodes = await api('GET', `/nodebalancers/${nbId}/configs/${config.json.id}/nodes`);
    expect(nodes.json.data[0].status).toBe('unknown');
  });

  it('switches a config to a connection check (no path) and back to HTTP, the nodes kept', async () => {
    const b = await backend();
    const created = await api(
      'POST',
      `/nodebalancers/${nbId}/configs`,
      httpConfig([{ address: `${b.privateIp}:7100`, label: 'tcp-checked' }], 7100),
    );
    const configPath = `/nodebalancers/${nbId}/configs/${created.json.id}`;
    // The app answers only /ready on the port; a connection check asks for no path at all.
    const asked: (string | undefined)[] = [];
    fake.nodeBalancers.setBackendHealth((_instance, _port, checkPath) => {
      asked.push(checkPath);
      return checkPath === undefined || checkPath === '/ready';
    });
    const status = async () => (await api('GET', `${configPath}/nodes`)).json.data[0].status as string;
    expect(await status()).toBe('DOWN');
    const tcp = await api('PUT', configPath, { check: 'connection' });
    expect(tcp.status).toBe(200);
    expect(tcp.json).toMatchObject({ check: 'connection', port: 7100, check_interval: 10 });
    expect(await status()).toBe('UP');
    expect(asked.at(-1)).toBeUndefined();
    const bad = await api('PUT', configPath, { check: 'tcp-ish' });
    expect(bad.status).toBe(400);
    const back = await api('PUT', configPath, { check: 'http', check_path: '/ready' });
    expect(back.json).toMatchObject({ check: 'http', check_path: '/ready' });
    expect(await status()).toBe('UP');
    expect(asked.at(-1)).toBe('/ready');
    expect((await api('GET', `${configPath}/nodes`)).json.results).toBe(1);
  });
});

describe('NodeBalancer lists, firewalls, prices and faults', () => {
  it('pages (page_size 25–500) and filters on tags and label', async () => {
    fake.clearLog();
    for (let i = 0; i < 30; i++) {
      await fake.nodeBalancers.seed(nodeBalancerBody({ label: `paged-${i}`, tags: ['paged', `n-${i}`] }));
    }
    expect(fake.requests).toHaveLength(0);
    await expect(fake.nodeBalancers.seed(nodeBalancerBody({ label: 'paged-0' }))).rejects.toThrow(/unique/);
    const filter = { 'X-Filter': JSON.stringify({ tags: 'paged' }) };
    const first = await api('GET', '/nodebalancers?page_size=25&page=1', undefined, filter);
    expect(first.json).toMatchObject({ page: 1, pages: 2, results: 30 });
    expect(first.json.data).toHaveLength(25);
    const second = await api('GET', '/nodebalancers?page_size=25&page=2', undefined, filter);
    expect(second.json.data).toHaveLength(5);
    const byLabel = await api('GET', '/nodebalancers', undefined, { 'X-Filter': '{"label":"paged-7"}' });
    expect(byLabel.json.data.map((nb: { tags: string[] }) => nb.tags)).toEqual([['paged', 'n-7']]);
    expect((await api('GET', '/nodebalancers?page_size=501')).status).toBe(400);
    const unfilterable = await api('GET', '/nodebalancers', undefined, { 'X-Filter': '{"hostname":"x"}' });
    expect(unfilterable.status).toBe(400);
  });

  it('puts a NodeBalancer behind one firewall at create or as a device, one NodeBalancer per firewall', async () => {
    const rules = { inbound_policy: 'DROP', outbound_policy: 'ACCEPT', inbound: [], outbound: [] };
    const firewall = (await api('POST', '/networking/firewalls', { label: 'fw-nb-a', rules })).json;
    const nb = await api('POST', '/nodebalancers', nodeBalancerBody({ firewall_id: firewall.id }));
    expect(nb.status).toBe(200);
    const protectedBy = await api('GET', `/nodebalancers/${nb.json.id}/firewalls`);
    expect(protectedBy.json.data.map((f: { id: number }) => f.id)).toEqual([firewall.id]);
    const count = fake.nodeBalancers.list().length;
    const second = await api('POST', '/nodebalancers', nodeBalancerBody({ firewall_id: firewall.id }));
    expect(second.status).toBe(400);
    expect(fake.nodeBalancers.list()).toHaveLength(count);
    const missing = await api('POST', '/nodebalancers', nodeBalancerBody({ firewall_id: 1 }));
    expect(missing.status).toBe(404);

    const other = (await api('POST', '/nodebalancers', nodeBalancerBody())).json;
    const fwB = (await api('POST', '/networking/firewalls', { label: 'fw-nb-b', rules })).json;
    const badDevice = await api('POST', `/networking/firewalls/${fwB.id}/devices`, { type: 'nodebalancer' });
    expect(badDevice.status).toBe(400);
    const device = await api('POST', `/networking/firewalls/${fwB.id}/devices`, {
      type: 'nodebalancer',
      id: other.id,
    });
    expect(device.status).toBe(200);
    expect(device.json.entity).toMatchObject({
      type: 'nodebalancer',
      id: other.id,
      url: `/v4/nodebalancers/${other.id}`,
    });
    const twice = await api('POST', `/networking/firewalls/${firewall.id}/devices`, {
      type: 'nodebalancer',
      id: other.id,
    });
    expect(twice.status).toBe(400);
    const listed = await api('GET', `/networking/firewalls/${fwB.id}/devices`);
    expect(listed.json.results).toBe(1);
    expect((await api('DELETE', `/networking/firewalls/${fwB.id}/devices/${device.json.id}`)).status).toBe(
      200,
    );
    expect((await api('GET', `/networking/firewalls/${fwB.id}/devices`)).json.results).toBe(0);

    expect((await api('DELETE', `/nodebalancers/${nb.json.id}`)).status).toBe(200);
    expect((await api('GET', `/nodebalancers/${nb.json.id}`)).status).toBe(404);
    expect((await api('GET', `/networking/firewalls/${firewall.id}`)).json.entities).toEqual([]);
  });

  it('lists NodeBalancer prices with region-specific rates', async () => {
    const types = await api('GET', '/nodebalancers/types');
    expect(types.json).toMatchObject({ page: 1, pages: 1, results: 1 });
    expect(types.json.data[0]).toMatchObject({ id: 'nodebalancer', price: { hourly: 0.015, monthly: 10 } });
    expect(types.json.data[0].region_prices).toContainEqual({ id: 'br-gru', hourly: 0.021, monthly: 14 });
  });

  it('injects faults on NodeBalancer routes; a dropped create response still created it', async () => {
    fake.injectOnce('server-error', { method: 'GET', path: /^\/nodebalancers$/ });
    expect((await api('GET', '/nodebalancers')).status).toBe(500);
    fake.configure({ faults: { rate: 0, retryAfterSeconds: 2 } });
    fake.injectOnce('rate-limit', { path: /\/nodes$/ });
    const limited = await api('GET', '/nodebalancers/1/configs/2/nodes');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    fake.injectOnce('drop-after', { method: 'POST', path: /^\/nodebalancers$/ });
    const before = fake.nodeBalancers.list().length;
    await expect(api('POST', '/nodebalancers', nodeBalancerBody({ label: 'dropped-nb' }))).rejects.toThrow();
    expect(fake.nodeBalancers.list().map((nb) => nb.label)).toContain('dropped-nb');
    expect(fake.nodeBalancers.list()).toHaveLength(before + 1);
  });

  it('holds the response of a mode change that was made, and logs it as mutating', async () => {
    const b = await backend();
    const nb = await api(
      'POST',
      '/nodebalancers',
      nodeBalancerBody({ configs: [httpConfig([{ address: `${b.privateIp}:8080`, label: 'held' }])] }),
    );
    const config = fake.nodeBalancers.configsOf(nb.json.id)[0]!;
    const nodePath = `/nodebalancers/${nb.json.id}/configs/${config.id}/nodes/${config.nodes[0]!.id}`;
    fake.clearLog();
    const handled = fake.holdResponse({ method: 'PUT', path: /\/nodes\/\d+$/ });
    const request = api('PUT', nodePath, { mode: 'drain' }).catch((error: unknown) => error);
    await handled;
    expect(fake.nodeBalancers.configsOf(nb.json.id)[0]!.nodes[0]!.mode).toBe('drain');
    expect(fake.mutatingRequests()).toEqual([expect.objectContaining({ method: 'PUT', status: 'dropped' })]);
    await fake.close();
    await request;
    fake = await new FakeLinode({ token: 't', provisionMs: 0, bootMs: 0, deleteMs: 0 }).start();
    api = rawApi(fake, 't');
  });
});

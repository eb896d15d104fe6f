/** The fake API itself: contract checks, filters, paging, transitions and faults. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeLinode } from './server.js';

let fake: FakeLinode;
const headers = { Authorization: 'Bearer t', 'Content-Type': 'application/json' };

async function api(method: string, path: string, body?: unknown, extra: Record<string, string> = {}) {
  const response = await fetch(`${fake.url}/v4${path}`, {
    method,
    headers: { ...headers, ...extra },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, headers: response.headers, json: (await response.json()) as never };
}

const validBody = {
  label: 'build-x-abc',
  region: 'us-east',
  type: 'g6-nanode-1',
  image: 'linode/ubuntu24.04',
  root_pass: 'Xy7!kP2#mQ9$wR4%tZ8^vB3&',
  tags: ['build-id:abc'],
  metadata: { user_data: Buffer.from('#cloud-config\n').toString('base64') },
};

beforeAll(async () => {
  fake = await new FakeLinode({ token: 't', provisionMs: 500, bootMs: 600, deleteMs: 600 }).start();
});
afterAll(() => fake.close());

describe('fake Linode API', () => {
  it('rejects a body that fails @linode/validation with Linode-style field errors', async () => {
    const { status, json } = await api('POST', '/linode/instances', { label: 'x', region: 'us-east' });
    expect(status).toBe(400);
    const errors = (json as { errors: { field: string; reason: string }[] }).errors;
    expect(errors.map((e) => e.field)).toContain('type');
  });

  it('refuses metadata where the region or image lacks support, and oversized user-data', async () => {
    const noMeta = await api('POST', '/linode/instances', { ...validBody, region: 'ap-south' });
    expect(JSON.stringify(noMeta.json)).toContain('Metadata is not available');
    const noInit = await api('POST', '/linode/instances', { ...validBody, image: 'linode/centos7' });
    expect(JSON.stringify(noInit.json)).toContain('does not support cloud-init');
    const big = Buffer.from(`#cloud-config\n${'x'.repeat(70_000)}`).toString('base64');
    const tooBig = await api('POST', '/linode/instances', { ...validBody, metadata: { user_data: big } });
    expect(tooBig.status).toBe(400);
    expect(fake.listInstances()).toHaveLength(0);
  });

  it('requires the token', async () => {
    const response = await fetch(`${fake.url}/v4/linode/instances`, {
      headers: { Authorization: 'Bearer no' },
    });
    expect(response.status).toBe(401);
  });

  it('answers its public catalogues (types, NodeBalancer types, regions) without a token, nothing else', async () => {
    for (const path of ['/linode/types', '/nodebalancers/types', '/regions']) {
      const response = await fetch(`${fake.url}/v4${path}`);
      expect(response.status, path).toBe(200);
    }
    const regions = (await (await fetch(`${fake.url}/v4/regions`)).json()) as {
      data: { placement_group_limits: { maximum_linodes_per_pg: number } }[];
    };
    expect(regions.data[0]?.placement_group_limits.maximum_linodes_per_pg).toBeGreaterThan(0);
    expect((await fetch(`${fake.url}/v4/linode/instances`)).status).toBe(401);
    expect((await fetch(`${fake.url}/v4/regions`, { method: 'POST' })).status).toBe(401);
  });

  it('moves an instance through provisioning, booting, running, deleting, gone', async () => {
    const created = await api('POST', '/linode/instances', validBody);
    expect(created.status).toBe(200);
    const id = (created.json as { id: number; status: string }).id;
    expect((created.json as { status: string }).status).toBe('provisioning');
    await new Promise((r) => setTimeout(r, 650));
    expect(((await api('GET', `/linode/instances/${id}`)).json as { status: string }).status).toBe('booting');
    await new Promise((r) => setTimeout(r, 600));
    expect(((await api('GET', `/linode/instances/${id}`)).json as { status: string }).status).toBe('running');
    const duplicate = await api('POST', '/linode/instances', validBody);
    expect(JSON.stringify(duplicate.json)).toContain('Label must be unique');
    await api('DELETE', `/linode/instances/${id}`);
    expect(((await api('GET', `/linode/instances/${id}`)).json as { status: string }).status).toBe(
      'deleting',
    );
    await new Promise((r) => setTimeout(r, 700));
    expect((await api('GET', `/linode/instances/${id}`)).status).toBe(404);
  });

  it('filters on tags and label, and refuses string operators on tags', async () => {
    fake.seedInstance({ label: 'one', region: 'us-east', type: 'g6-nanode-1', tags: ['build-id:one1', 'a'] });
    fake.seedInstance({ label: 'two', region: 'us-east', type: 'g6-nanode-1', tags: ['build-id:two2'] });
    const byTag = await api('GET', '/linode/instances', undefined, { 'X-Filter': '{"tags":"a"}' });
    expect((byTag.json as { data: { label: string }[] }).data.map((l) => l.label)).toEqual(['one']);
    const either = await api('GET', '/linode/instances', undefined, {
      'X-Filter': '{"+or":[{"label":"one"},{"label":{"+contains":"tw"}}]}',
    });
    expect((either.json as { results: number }).results).toBe(2);
    const bad = await api('GET', '/linode/instances', undefined, {
      'X-Filter': '{"tags":{"+contains":"build"}}',
    });
    expect(bad.status).toBe(400);
  });

  it('pages with page_size limits', async () => {
    const small = await api('GET', '/linode/types?page_size=10');
    expect(small.status).toBe(400);
    const first = await api('GET', '/linode/types?page_size=25&page=1');
    expect(first.json).toMatchObject({ page: 1, pages: 1 });
  });

  it('injects 429 with Retry-After, and drops a response after the create happened', async () => {
    fake.configure({ faults: { rate: 0, retryAfterSeconds: 3 } });
    fake.injectOnce('rate-limit');
    const limited = await api('GET', '/regions');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    fake.injectOnce('drop-after', { method: 'POST' });
    const before = fake.listInstances().length;
    await expect(api('POST', '/linode/instances', { ...validBody, label: 'dropped-one' })).rejects.toThrow();
    expect(fake.listInstances().length).toBe(before + 1);
    expect(fake.requests.at(-1)).toMatchObject({ status: 'dropped', fault: 'drop-after' });
  });

  it('fails about the requested share of requests at random, capped per route', async () => {
    fake.configure({ faults: { rate: 0.3, kinds: ['server-error'], maxConsecutive: 2 } });
    fake.clearLog();
    const statuses: number[] = [];
    for (let i = 0; i < 200; i++) statuses.push((await api('GET', '/profile')).status);
    fake.configure({ faults: undefined });
    const failed = statuses.filter((s) => s === 500).length;
    expect(failed).toBeGreaterThan(30);
    expect(failed).toBeLessThan(90);
    expect(statuses.join(',')).not.toContain('500,500,500');
  });
});

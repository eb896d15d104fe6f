/**
 * The fake's placement groups against the API contract: bodies checked with
 * @linode/validation, the region capability and per-group limit, joining at instance create or
 * with assign/unassign, deleting only empty groups, paging, filters and faults.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RawApi, rawApi } from './raw-api.js';
import { FakeLinode } from './server.js';

let fake: FakeLinode;
let api: RawApi;
let serial = 0;

beforeAll(async () => {
  fake = await new FakeLinode({ token: 't', provisionMs: 0, bootMs: 0, deleteMs: 0 }).start();
  api = rawApi(fake, 't');
});
afterAll(() => fake.close());
beforeEach(() => fake.configure({ faults: undefined }));

const groupBody = (overrides: Record<string, unknown> = {}) => ({
  label: `pg-${++serial}`,
  region: 'us-east',
  placement_group_type: 'anti_affinity:local',
  placement_group_policy: 'strict',
  ...overrides,
});

function instance(extra: Record<string, unknown> = {}) {
  return api('POST', '/linode/instances', {
    label: `pg-member-${++serial}`,
    region: 'us-east',
    type: 'g6-nanode-1',
    image: 'linode/ubuntu24.04',
    root_pass: 'Xy7!kP2#mQ9$wR4%tZ8^vB3&',
    ...extra,
  });
}

describe('placement groups', () => {
  it('validates bodies with @linode/validation, the type, the policy and the region capability', async () => {
    const empty = await api('POST', '/placement/groups', {});
    expect(empty.status).toBe(400);
    expect(empty.json.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['label', 'region', 'placement_group_type', 'placement_group_policy']),
    );
    const sideways = await api('POST', '/placement/groups', groupBody({ placement_group_type: 'sideways' }));
    expect(sideways.status).toBe(400);
    const noCapability = await api('POST', '/placement/groups', groupBody({ region: 'br-gru' }));
    expect(noCapability.status).toBe(400);
    expect(JSON.stringify(noCapability.json)).toContain(
      'Placement groups are not available in region br-gru',
    );
    const created = await api('POST', '/placement/groups', groupBody({ label: 'pg-unique' }));
    expect(created.json).toMatchObject({
      label: 'pg-unique',
      is_compliant: true,
      members: [],
      migrations: null,
    });
    const again = await api('POST', '/placement/groups', groupBody({ label: 'pg-unique' }));
    expect(again.status).toBe(400);
  });

  it('takes instances at create and by assign, up to the region limit, one group each', async () => {
    const group = (await api('POST', '/placement/groups', groupBody())).json;
    const members: number[] = [];
    for (let i = 0; i < 5; i++) {
      const created = await instance({ placement_group: { id: group.id } });
      expect(created.status).toBe(200);
      expect(created.json.placement_group).toMatchObject({
        id: group.id,
        placement_group_type: 'anti_affinity:local',
      });
      members.push(created.json.id);
    }
    const sixth = await instance({ placement_group: { id: group.id } });
    expect(sixth.status).toBe(400);
    expect(JSON.stringify(sixth.json)).toContain('is full');
    const loose = (await instance()).json;
    const full = await api('POST', `/placement/groups/${group.id}/assign`, { linodes: [loose.id] });
    expect(full.status).toBe(400);
    const other = (await api('POST', '/placement/groups', groupBody())).json;
    const taken = await api('POST', `/placement/groups/${other.id}/assign`, { linodes: [members[0]] });
    expect(taken.status).toBe(400);
    const elsewhere = (await api('POST', '/placement/groups', groupBody({ region: 'us-ord' }))).json;
    const wrongRegion = await api('POST', `/placement/groups/${elsewhere.id}/assign`, {
      linodes: [loose.id],
    });
    expect(wrongRegion.status).toBe(400);
    expect((await api('POST', `/placement/groups/${other.id}/assign`, { linodes: [loose.id] })).status).toBe(
      200,
    );
    expect((await api('GET', `/linode/instances/${loose.id}`)).json.placement_group.id).toBe(other.id);
    const badBody = await api('POST', `/placement/groups/${other.id}/assign`, { linodes: [] });
    expect(badBody.status).toBe(400);
  });

  it('deletes a group only once it is empty (unassign, or the instance deleted)', async () => {
    const group = (await api('POST', '/placement/groups', groupBody())).json;
    const a = (await instance({ placement_group: { id: group.id } })).json;
    const b = (await instance({ placement_group: { id: group.id } })).json;
    const refused = await api('DELETE', `/placement/groups/${group.id}`);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.json)).toContain('unassign them first');
    const after = await api('POST', `/placement/groups/${group.id}/unassign`, { linodes: [a.id] });
    expect(after.json.members).toEqual([{ linode_id: b.id, is_compliant: true }]);
    expect((await api('GET', `/linode/instances/${a.id}`)).json.placement_group).toBeNull();
    const notMember = await api('POST', `/placement/groups/${group.id}/unassign`, { linodes: [a.id] });
    expect(notMember.status).toBe(400);
    await api('DELETE', `/linode/instances/${b.id}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await api('GET', `/placement/groups/${group.id}`)).json.members).toEqual([]);
    expect((await api('DELETE', `/placement/groups/${group.id}`)).status).toBe(200);
    expect((await api('GET', `/placement/groups/${group.id}`)).status).toBe(404);
  });

  it('pages and filters on label and region, and injects faults', async () => {
    const byRegion = await api('GET', '/placement/groups?page_size=25', undefined, {
      'X-Filter': JSON.stringify({ region: 'us-ord' }),
    });
    expect(byRegion.json.data.every((g: { region: string }) => g.region === 'us-ord')).toBe(true);
    expect(byRegion.json.results).toBeGreaterThan(0);
    fake.injectOnce('rate-limit', { method: 'POST', path: /\/assign$/ });
    const limited = await api('POST', '/placement/groups/1/assign', { linodes: [1] });
    expect(limited.status).toBe(429);
    fake.injectOnce('drop-after', { method: 'POST', path: /^\/placement\/groups$/ });
    await expect(api('POST', '/placement/groups', groupBody({ label: 'pg-dropped' }))).rejects.toThrow();
    expect(fake.placementGroups.list().map((g) => g.label)).toContain('pg-dropped');
  });
});

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

describe('placement group compliance on a region of 2 hosts', () => {
  let small: FakeLinode;
  let smallApi: RawApi;
  beforeAll(async () => {
    small = await new FakeLinode({
      token: 't',
      provisionMs: 0,
      bootMs: 0,
      deleteMs: 0,
      placementHosts: 2,
    }).start();
    smallApi = rawApi(small, 't');
  });
  afterAll(() => small.close());
  const member = (groupId: number) =>
    smallApi('POST', '/linode/instances', {
      label: `pg-host-${++serial}`,
      region: 'us-east',
      type: 'g6-nanode-1',
      image: 'linode/ubuntu24.04',
      root_pass: 'Xy7!kP2#mQ9$wR4%tZ8^vB3&',
      placement_group: { id: groupId },
    });
  const compliance = async (groupId: number) => {
    const group = (await smallApi('GET', `/placement/groups/${groupId}`)).json;
    return {
      group: group.is_compliant as boolean,
      members: (group.members as { linode_id: number; is_compliant: boolean }[]).map((m) => m.is_compliant),
    };
  };

  it('anti-affinity, flexible: a third member shares a host, and the group is not compliant until one leaves', async () => {
    const group = (
      await smallApi('POST', '/placement/groups', groupBody({ placement_group_policy: 'flexible' }))
    ).json;
    const first = (await member(group.id)).json;
    expect((await member(group.id)).status).toBe(200);
    expect(await compliance(group.id)).toEqual({ group: true, members: [true, true] });
    const third = await member(group.id);
    expect(third.status).toBe(200);
    // The third went to the least crowded host, with the first: those two are not compliant.
    expect(await compliance(group.id)).toEqual({ group: false, members: [false, true, false] });
    expect((await smallApi('GET', '/placement/groups')).json.data[0].is_compliant).toBe(false);
    await smallApi('DELETE', `/linode/instances/${first.id}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await compliance(group.id)).toEqual({ group: true, members: [true, true] });
  });

  it('anti-affinity, strict: the member that cannot be placed apart is refused and not created', async () => {
    const group = (
      await smallApi('POST', '/placement/groups', groupBody({ placement_group_policy: 'strict' }))
    ).json;
    expect((await member(group.id)).status).toBe(200);
    expect((await member(group.id)).status).toBe(200);
    const before = small.listInstances().length;
    const refused = await member(group.id);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.json)).toContain('no host in us-east is free of its members');
    expect(small.listInstances()).toHaveLength(before);
    expect(await compliance(group.id)).toEqual({ group: true, members: [true, true] });
  });

  it('affinity: every member on one host, compliant', async () => {
    const group = (
      await smallApi(
        'POST',
        '/placement/groups',
        groupBody({ placement_group_type: 'affinity:local', placement_group_policy: 'flexible' }),
      )
    ).json;
    for (let i = 0; i < 3; i++) expect((await member(group.id)).status).toBe(200);
    expect(await compliance(group.id)).toEqual({ group: true, members: [true, true, true] });
  });
});

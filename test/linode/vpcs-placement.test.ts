/**
 * LinodeClient's VPCs and placement groups against the fake API: at-most-once creates after lost
 * responses, retries on 5xx/429 like every other call, deletes that explain attached
 * interfaces or members, and the capability helpers.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import { LinodeClient } from '../../src/linode/client.js';
import { placementGroupsIn } from '../../src/linode/placement.js';
import { vpcInterfaces } from '../../src/linode/vpcs.js';
import type { InstanceCreateBody } from '../../src/plan/types.js';
import { FakeLinode } from '../fake-linode/server.js';
import { fakeClientEnv, instantClock } from './support.js';

const token = 'tok-vpc-3a9f';
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

/**
 * A replica body as deploy builds it; `interfaces` (a VPC layout) is not in the plan's body type,
 * since replicas use private IPv4 (docs/scaling.md), and goes through as the API takes it.
 */
function replicaBody(
  extra: Partial<InstanceCreateBody> & { interfaces?: ReturnType<typeof vpcInterfaces> },
): InstanceCreateBody {
  const id = `v${++serial}`;
  return {
    label: `replica-${id}`,
    region: 'us-east',
    type: 'g6-nanode-1',
    image: 'linode/ubuntu24.04',
    root_pass: 'Xy7!kP2#mQ9$wR4%tZ8^vB3&nL6*',
    tags: [`build-id:${id}`],
    metadata: { user_data: Buffer.from('#cloud-config\n').toString('base64') },
    ...extra,
  };
}

describe('VPCs through the client', () => {
  it('creates a VPC with a subnet once, puts replicas in it, and lists their addresses in one request', async () => {
    const client = await LinodeClient.connect(env, { clock: instantClock() });
    fake.injectOnce('drop-after', { method: 'POST', path: /^\/vpcs$/ });
    const vpc = await client.vpcs.create({
      label: 'lb-app-prod',
      region: 'us-east',
      subnets: [{ label: 'replicas', ipv4: '10.20.0.0/24' }],
    });
    expect(fake.vpcs.list().filter((item) => item.label === 'lb-app-prod')).toHaveLength(1);
    const subnetId = vpc.subnets[0]!.id;
    const members = [];
    for (let i = 0; i < 3; i++) {
      const body = replicaBody({ interfaces: vpcInterfaces(vpc.id, subnetId) });
      members.push(await client.createInstance(body, body.tags[0]!));
    }
    fake.clearLog();
    const ips = await client.vpcs.ips({ vpc_id: vpc.id });
    expect(fake.requests).toHaveLength(1);
    expect(ips.map((ip) => ip.linode_id)).toEqual(members.map((member) => member.id));
    expect(ips.map((ip) => ip.address)).toEqual(['10.20.0.2', '10.20.0.3', '10.20.0.4']);

    const refused = (await client.vpcs.delete(vpc.id).catch((e: unknown) => e)) as CliError;
    expect(refused).toBeInstanceOf(CliError);
    expect(refused.message).toMatch(/refused deleting VPC .*interfaces attached/);
    for (const member of members) await client.deleteInstance(member.id);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await client.vpcs.delete(vpc.id)).toBe('deleted');
    expect(await client.vpcs.delete(vpc.id)).toBe('absent');
    expect(await client.vpcs.get(vpc.id)).toBeUndefined();
  });

  it('adds and removes a subnet, retrying 5xx and 429 on the way', async () => {
    const delays: number[] = [];
    const client = await LinodeClient.connect(env, { clock: instantClock(delays) });
    const vpc = await client.vpcs.create({ label: 'lb-subnets', region: 'us-east' });
    fake.configure({ faults: { rate: 0, retryAfterSeconds: 3 } });
    fake.injectOnce('rate-limit', { method: 'POST', path: /\/subnets$/ });
    fake.injectOnce('server-error', { method: 'POST', path: /\/subnets$/ });
    const subnet = await client.vpcs.createSubnet(vpc.id, { label: 'replicas', ipv4: '10.30.0.0/24' });
    expect(delays[0]).toBeGreaterThanOrEqual(3000);
    expect(fake.countRequests({ method: 'POST', path: /\/subnets$/ })).toBe(3);
    expect((await client.vpcs.subnets(vpc.id)).map((s) => s.label)).toEqual(['replicas']);
    fake.injectOnce('unavailable', { method: 'DELETE' });
    expect(await client.vpcs.deleteSubnet(vpc.id, subnet.id)).toBe('deleted');
    expect(await client.vpcs.subnets(vpc.id)).toEqual([]);
  });
});

describe('placement groups through the client', () => {
  it('knows which regions have them and how many instances a group holds', async () => {
    const client = await LinodeClient.connect(env);
    const regions = await client.listRegions();
    const byId = new Map(regions.map((region) => [region.id, placementGroupsIn(region)]));
    expect(byId.get('us-east')).toEqual({ available: true, maxInstances: 5 });
    expect(byId.get('br-gru')?.available).toBe(false);
  });

  it('creates an anti-affinity group once, fills it at create and by assign, empties and deletes it', async () => {
    const client = await LinodeClient.connect(env, { clock: instantClock() });
    fake.injectOnce('drop-after', { method: 'POST', path: /^\/placement\/groups$/ });
    const group = await client.placementGroups.createAntiAffinity({
      label: 'lb-app-prod-spread',
      region: 'us-east',
    });
    expect(group).toMatchObject({
      placement_group_type: 'anti_affinity:local',
      placement_group_policy: 'flexible',
    });
    expect(fake.placementGroups.list().filter((g) => g.label === 'lb-app-prod-spread')).toHaveLength(1);
    const atCreate = replicaBody({ placement_group: { id: group.id } });
    const first = await client.createInstance(atCreate, atCreate.tags[0]!);
    expect(first.placement_group?.id).toBe(group.id);
    const later = replicaBody({});
    const second = await client.createInstance(later, later.tags[0]!);
    fake.injectOnce('server-error', { method: 'POST', path: /\/assign$/ });
    const assigned = await client.placementGroups.assign(group.id, second.id);
    expect(assigned.members.map((m) => m.linode_id)).toEqual([first.id, second.id]);

    const refused = (await client.placementGroups.delete(group.id).catch((e: unknown) => e)) as CliError;
    expect(refused.message).toMatch(/refused deleting placement group/);
    expect(await client.placementGroups.unassign(group.id, first.id)).toBe('removed');
    expect(await client.placementGroups.unassign(group.id, second.id)).toBe('removed');
    expect(await client.placementGroups.delete(group.id)).toBe('deleted');
    expect(await client.placementGroups.delete(group.id)).toBe('absent');
    expect(await client.placementGroups.unassign(group.id, second.id)).toBe('absent');
    expect(await client.placementGroups.get(group.id)).toBeUndefined();
  });

  it('explains a region without placement groups', async () => {
    const client = await LinodeClient.connect(env);
    const error = (await client.placementGroups
      .createAntiAffinity({ label: 'lb-nowhere', region: 'br-gru' })
      .catch((e: unknown) => e)) as CliError;
    expect(error).toBeInstanceOf(CliError);
    expect(error.message).toMatch(/Placement groups are not available in region br-gru/);
  });
});

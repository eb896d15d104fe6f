/**
 * The fake's VPCs against the API contract: bodies checked with @linode/validation, subnet range
 * rules, VPC interfaces on instance create with their addresses, deletes refused while
 * interfaces are attached, VPC backends for NodeBalancers on v4beta only, paging and faults.
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

async function vpcWithSubnet(ipv4 = '10.0.0.0/24', region = 'us-east') {
  const created = await api('POST', '/vpcs', {
    label: `vpc-${++serial}`,
    region,
    subnets: [{ label: 'replicas', ipv4 }],
  });
  expect(created.status).toBe(200);
  return { vpcId: created.json.id as number, subnetId: created.json.subnets[0].id as number };
}

function instanceIn(vpcId: number, subnetId: number, extra: Record<string, unknown> = {}) {
  return api('POST', '/linode/instances', {
    label: `vpc-member-${++serial}`,
    region: 'us-east',
    type: 'g6-nanode-1',
    image: 'linode/ubuntu24.04',
    root_pass: 'Xy7!kP2#mQ9$wR4%tZ8^vB3&',
    interfaces: [
      { purpose: 'public', primary: true },
      { purpose: 'vpc', vpc_id: vpcId, subnet_id: subnetId, ...extra },
    ],
  });
}

describe('VPCs and subnets', () => {
  it('validates bodies with @linode/validation and the region capability', async () => {
    const noLabel = await api('POST', '/vpcs', { region: 'us-east' });
    expect(noLabel.status).toBe(400);
    expect(noLabel.json.errors.map((e: { field: string }) => e.field)).toContain('label');
    const doubleHyphen = await api('POST', '/vpcs', { label: 'a--b', region: 'us-east' });
    expect(doubleHyphen.status).toBe(400);
    const noVpcs = await api('POST', '/vpcs', { label: 'nowhere', region: 'ap-south' });
    expect(noVpcs.status).toBe(400);
    expect(JSON.stringify(noVpcs.json)).toContain('VPCs are not available in region ap-south');
    expect(fake.vpcs.list()).toHaveLength(0);
  });

  it('takes only private, non-overlapping subnet ranges of /1–/29 outside 192.168.128.0/17', async () => {
    const { vpcId } = await vpcWithSubnet('10.1.0.0/24');
    const bad = ['8.8.8.0/24', '192.168.200.0/24', '10.1.0.128/25', '10.2.0.0/30', 'not-a-range'];
    for (const ipv4 of bad) {
      const response = await api('POST', `/vpcs/${vpcId}/subnets`, { label: `s-${++serial}`, ipv4 });
      expect(response.status, ipv4).toBe(400);
    }
    const sameLabel = await api('POST', `/vpcs/${vpcId}/subnets`, { label: 'replicas', ipv4: '10.9.0.0/24' });
    expect(sameLabel.status).toBe(400);
    const good = await api('POST', `/vpcs/${vpcId}/subnets`, { label: 'more', ipv4: '10.1.1.0/24' });
    expect(good.status).toBe(200);
    expect(good.json).toMatchObject({ label: 'more', ipv4: '10.1.1.0/24', linodes: [] });
    const subnets = await api('GET', `/vpcs/${vpcId}/subnets`);
    expect(subnets.json.results).toBe(2);
    const duplicate = await api('POST', '/vpcs', { label: fake.vpcs.list()[0]!.label, region: 'us-east' });
    expect(duplicate.status).toBe(400);
  });

  it('gives each instance a VPC interface address, lists them, and keeps the subnet while they exist', async () => {
    const { vpcId, subnetId } = await vpcWithSubnet('10.3.0.0/29');
    const first = await instanceIn(vpcId, subnetId);
    const second = await instanceIn(vpcId, subnetId);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(fake.vpcs.addressesOf(first.json.id)).toEqual(['10.3.0.2']);
    expect(fake.vpcs.addressesOf(second.json.id)).toEqual(['10.3.0.3']);
    const pinned = await instanceIn(vpcId, subnetId, { ipv4: { vpc: '10.3.0.3' } });
    expect(pinned.status).toBe(400);
    const ips = await api('GET', '/vpcs/ips', undefined, { 'X-Filter': JSON.stringify({ vpc_id: vpcId }) });
    expect(
      ips.json.data.map((ip: { address: string; linode_id: number }) => [ip.address, ip.linode_id]),
    ).toEqual([
      ['10.3.0.2', first.json.id],
      ['10.3.0.3', second.json.id],
    ]);
    expect(ips.json.data[0]).toMatchObject({
      gateway: '10.3.0.1',
      prefix: 29,
      subnet_mask: '255.255.255.248',
    });
    const subnet = await api('GET', `/vpcs/${vpcId}/subnets/${subnetId}`);
    expect(subnet.json.linodes.map((l: { id: number }) => l.id)).toEqual([first.json.id, second.json.id]);

    for (let i = 0; i < 3; i++) expect((await instanceIn(vpcId, subnetId)).status).toBe(200);
    const full = await instanceIn(vpcId, subnetId);
    expect(full.status).toBe(400);
    expect(JSON.stringify(full.json)).toContain('no free addresses');

    const refusedSubnet = await api('DELETE', `/vpcs/${vpcId}/subnets/${subnetId}`);
    expect(refusedSubnet.status).toBe(400);
    const refusedVpc = await api('DELETE', `/vpcs/${vpcId}`);
    expect(refusedVpc.status).toBe(400);
    expect(JSON.stringify(refusedVpc.json)).toContain('interfaces attached');
    for (const linode of fake.listInstances()) {
      if (fake.vpcs.addressesOf(linode.id).length > 0) await api('DELETE', `/linode/instances/${linode.id}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await api('DELETE', `/vpcs/${vpcId}`)).status).toBe(200);
    expect((await api('GET', `/vpcs/${vpcId}`)).status).toBe(404);
  });

  it('refuses an interface on a subnet that does not exist or is in another region', async () => {
    const missing = await instanceIn(1, 2);
    expect(missing.status).toBe(400);
    expect(missing.json.errors[0].field).toBe('interfaces[1].subnet_id');
    const far = await vpcWithSubnet('10.4.0.0/24', 'us-ord');
    const elsewhere = await instanceIn(far.vpcId, far.subnetId);
    expect(elsewhere.status).toBe(400);
    const noVpcId = await api('POST', '/linode/instances', {
      label: 'no-vpc-id',
      region: 'us-east',
      type: 'g6-nanode-1',
      interfaces: [{ purpose: 'vpc', subnet_id: far.subnetId }],
    });
    expect(noVpcId.status).toBe(400);
  });

  it('lets a NodeBalancer reach a VPC backend only on v4beta, by subnet_id', async () => {
    const { vpcId, subnetId } = await vpcWithSubnet('10.5.0.0/24');
    const member = await instanceIn(vpcId, subnetId);
    const address = `${fake.vpcs.addressesOf(member.json.id)[0]}:8080`;
    const config = {
      port: 80,
      check: 'http',
      check_path: '/',
      nodes: [{ address, label: 'vpc-1', subnet_id: subnetId }],
    };
    const body = { label: `nb-vpc-${++serial}`, region: 'us-east', configs: [config] };
    const onV4 = await api('POST', '/nodebalancers', body);
    expect(onV4.status).toBe(400);
    const onBeta = await api('POST', '/v4beta/nodebalancers', body);
    expect(onBeta.status).toBe(200);
    const nodes = fake.nodeBalancers.configsOf(onBeta.json.id)[0]!.nodes;
    expect(nodes[0]).toMatchObject({ address, status: 'UP' });
    const wrongSubnet = await api('POST', '/v4beta/nodebalancers', {
      ...body,
      label: `nb-vpc-${++serial}`,
      configs: [{ ...config, nodes: [{ address: '10.5.0.99:8080', label: 'nobody', subnet_id: subnetId }] }],
    });
    expect(wrongSubnet.status).toBe(400);
  });

  it('pages VPCs and injects faults on VPC routes', async () => {
    const listed = await api('GET', '/vpcs?page_size=25');
    expect(listed.json.results).toBe(fake.vpcs.list().length);
    fake.injectOnce('unavailable', { path: /^\/vpcs$/ });
    expect((await api('GET', '/vpcs')).status).toBe(503);
    fake.injectOnce('drop-after', { method: 'POST', path: /^\/vpcs$/ });
    await expect(api('POST', '/vpcs', { label: 'dropped-vpc', region: 'us-east' })).rejects.toThrow();
    expect(fake.vpcs.list().map((vpc) => vpc.label)).toContain('dropped-vpc');
  });
});

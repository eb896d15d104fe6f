/**
 * The pure merge of a deployment with replicas: its instances grouped into one view, the
 * NodeBalancer as its address, each replica's backend when read, and the price of all of it.
 */
import { describe, expect, it } from 'vitest';
import type { DeploymentRecord } from '../../src/state/types.js';
import type { InstanceFacts, TypePrice } from '../../src/status/merge.js';
import { mergeDeployments } from '../../src/status/merge.js';
import type { NodeBalancerFacts } from '../../src/status/replicas.js';

const now = new Date('2026-03-01T12:00:00Z');
const types: TypePrice[] = [
  { id: 'g6-standard-2', price: { hourly: 0.036, monthly: 24 }, region_prices: [] },
];
const nodeBalancerTypes: TypePrice[] = [
  { id: 'nodebalancer', price: { hourly: 0.015, monthly: 10 }, region_prices: [] },
];

function replica(id: string, index: number, status = 'running'): InstanceFacts {
  return {
    id: 100 + index,
    label: `chat-prod-${id}-${index}`,
    status,
    region: 'us-ord',
    type: 'g6-standard-2',
    ipv4: [`198.51.100.${index}`, `192.168.130.${index}`],
    tags: [`build-id:${id}`, 'build-app:chat', 'build-env:prod', `build-replica:${id}-${index}`],
    created: '2026-03-01T10:00:00',
  };
}

const balancer: NodeBalancerFacts = {
  id: 77,
  label: 'lb-aaaa0001-chat',
  region: 'us-ord',
  hostname: 'nb-203-0-113-7.ord.nodebalancer.linode.com',
  ipv4: '203.0.113.7',
  tags: ['build-id:aaaa0001', 'build-app:chat'],
  created: '2026-03-01T10:00:00',
};

const record: DeploymentRecord = {
  id: 'aaaa0001',
  app: 'chat',
  env: 'prod',
  template: 'llm-api',
  templateVersion: '1.0.0',
  status: 'active',
  region: 'us-ord',
  type: 'g6-standard-2',
  image: 'linode/ubuntu24.04',
  label: 'chat-prod-aaaa0001',
  linodeId: 101,
  ipv4: '203.0.113.7',
  externalPort: 8080,
  createdAt: '2026-03-01T10:00:00.000Z',
  updatedAt: '2026-03-01T10:00:00.000Z',
  scale: {
    replicas: 3,
    nodeBalancerId: 77,
    configId: 9,
    members: [1, 2, 3].map((index) => ({ index, linodeId: 100 + index })),
  },
};

describe('mergeDeployments with replicas', () => {
  it('groups the replicas into one view addressed by the NodeBalancer and priced for all of it', () => {
    const views = mergeDeployments({
      records: [record],
      instances: [replica('aaaa0001', 2), replica('aaaa0001', 1), replica('aaaa0001', 3, 'offline')],
      types,
      now,
      nodeBalancers: [balancer],
      nodeBalancerTypes,
    });
    expect(views).toHaveLength(1);
    const [view] = views;
    expect(view).toMatchObject({
      id: 'aaaa0001',
      linodeId: 101,
      instanceStatus: 'offline',
      ipv4: '203.0.113.7',
      url: 'http://nb-203-0-113-7.ord.nodebalancer.linode.com:8080',
      hourlyPrice: 0.123,
      // 2 started hours of 3 replicas and the NodeBalancer.
      accruedCost: 0.246,
      nodeBalancer: { id: 77, port: 8080, hourlyPrice: 0.015 },
    });
    expect(
      view!.replicas!.map((r) => [r.index, r.linodeId, r.instanceStatus, r.privateIpv4, r.ipv4]),
    ).toEqual([
      [1, 101, 'running', '192.168.130.1', '198.51.100.1'],
      [2, 102, 'running', '192.168.130.2', '198.51.100.2'],
      [3, 103, 'offline', '192.168.130.3', '198.51.100.3'],
    ]);
    // Backends were not read: no health or backend is invented.
    expect(view!.replicas!.every((r) => r.health === undefined && r.backend === undefined)).toBe(true);
  });

  it('takes each backend by its label (or private address) and derives the replica health from it', () => {
    const [view] = mergeDeployments({
      records: [record],
      instances: [replica('aaaa0001', 1), replica('aaaa0001', 2)],
      types,
      now,
      nodeBalancers: [balancer],
      nodeBalancerTypes,
      backends: new Map([
        [
          'aaaa0001',
          [
            { label: 'aaaa0001-r1', address: '192.168.130.1:8080', mode: 'accept', status: 'UP' },
            { label: 'renamed', address: '192.168.130.2:8080', mode: 'drain', status: 'DOWN' },
          ],
        ],
      ]),
    });
    expect(view!.replicas!.map((r) => [r.index, r.health, r.backend, r.instanceStatus])).toEqual([
      [1, 'healthy', { mode: 'accept', status: 'UP' }, 'running'],
      [2, 'unhealthy', { mode: 'drain', status: 'DOWN' }, 'running'],
      // Recorded, but its instance is gone.
      [3, 'not-checked', undefined, 'missing'],
    ]);
  });

  it('leaves the price unknown rather than partial, and shows a deployment known only by tags', () => {
    const instances = [replica('bbbb0002', 1), replica('bbbb0002', 2)];
    const ownBalancer = { ...balancer, tags: ['build-id:bbbb0002'] };
    // Its NodeBalancer exists but the NodeBalancer price list could not be read.
    const [view] = mergeDeployments({
      records: [],
      instances,
      types,
      now,
      nodeBalancers: [ownBalancer],
      nodeBalancerTypes: [],
    });
    expect(view).toMatchObject({ id: 'bbbb0002', source: 'tags', app: 'chat', instanceStatus: 'running' });
    expect(view!.replicas).toHaveLength(2);
    expect(view!.hourlyPrice).toBeUndefined();
    expect(view!.accruedCost).toBeUndefined();
    expect(view!.nodeBalancer).toMatchObject({ id: 77 });
    expect(view!.nodeBalancer!.port).toBeUndefined();
    // No NodeBalancer (yet, or any more): only the replicas are billed.
    const [bare] = mergeDeployments({ records: [], instances, types, now, nodeBalancers: [] });
    expect(bare!.hourlyPrice).toBe(0.072);
    expect(bare!.nodeBalancer).toBeUndefined();
  });

  it('a single instance is merged exactly as before: no replicas, no NodeBalancer', () => {
    const single = { ...replica('cccc0003', 1), tags: ['build-id:cccc0003', 'build-app:chat'] };
    const [view] = mergeDeployments({ records: [], instances: [single], types, now });
    expect(view!.replicas).toBeUndefined();
    expect(view!.nodeBalancer).toBeUndefined();
    expect(view).toMatchObject({ linodeId: 101, ipv4: '198.51.100.1', hourlyPrice: 0.036 });
  });
});

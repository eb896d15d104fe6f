/**
 * The resources of a deployment with replicas, from its single-instance plan: every body is
 * one Linode's own validation accepts (filled with the ids deploy gets from the API), the app
 * port is open on the replicas only to the NodeBalancers' range, and one replica plans nothing
 * extra.
 */
import {
  CreateFirewallSchema,
  CreateLinodeSchema,
  createNodeBalancerConfigSchema,
  createPlacementGroupSchema,
  NodeBalancerSchema,
  nodeBalancerConfigNodeSchema,
} from '@linode/validation';
import { describe, expect, it } from 'vitest';
import { NODEBALANCER_SOURCE_RANGE, replicaIndexOf, replicaTag, scalePlan } from '../../src/plan/scale.js';
import { costSheet } from '../../src/plan/scale-cost.js';
import { makeTemplate } from './fixtures.js';
import { planFor } from './support.js';

const template = makeTemplate({
  name: 'chat-with-a-rather-long-application-name-for-labels',
  health: {
    type: 'http',
    path: '/healthz',
    success_codes: [200],
    initial_delay_seconds: 60,
    timeout_seconds: 5,
    interval_seconds: 10,
    max_retries: 30,
  },
});

/** A private IPv4 address as Linode assigns them (192.168.128.0/17). */
const privateAddress = '192.168.140.7';

describe('scalePlan', () => {
  it('plans nothing beyond the single instance for one replica', () => {
    expect(scalePlan(planFor(template), 1)).toBeUndefined();
  });

  it('gives bodies Linode accepts, with the NodeBalancer checking the health path on every replica', async () => {
    const plan = planFor(template);
    const scale = scalePlan(plan, 3)!;
    expect(scale.instances.map((replica) => replica.index)).toEqual([1, 2, 3]);
    await expect(createPlacementGroupSchema.validate(scale.placementGroup)).resolves.toBeTruthy();
    await expect(CreateFirewallSchema.validate(scale.replicaFirewall)).resolves.toBeTruthy();
    await expect(CreateFirewallSchema.validate(scale.nodeBalancerFirewall)).resolves.toBeTruthy();
    await expect(
      NodeBalancerSchema.validate({ ...scale.nodeBalancer, firewall_id: 7 }),
    ).resolves.toBeTruthy();
    // A config needs one node: it is created with the first healthy replica's backend.
    const first = { label: scale.instances[0]!.nodeLabel, address: privateAddress, port: 80, mode: 'accept' };
    await expect(
      createNodeBalancerConfigSchema.validate({ ...scale.nodeBalancerConfig, nodes: [first] }),
    ).resolves.toBeTruthy();
    expect(scale.nodeBalancerConfig).toMatchObject({
      port: 80,
      protocol: 'http',
      check: 'http',
      check_path: '/healthz',
      check_timeout: 5,
      check_interval: 10,
      check_attempts: 3,
    });
    for (const replica of scale.instances) {
      await expect(
        CreateLinodeSchema.validate({ ...replica.instance, placement_group: { id: 5 } }),
      ).resolves.toBeTruthy();
      await expect(
        nodeBalancerConfigNodeSchema.validate({
          label: replica.nodeLabel,
          address: privateAddress,
          port: replica.backendPort,
          mode: 'accept',
        }),
      ).resolves.toBeTruthy();
      expect(replica.instance.label.length).toBeLessThanOrEqual(64);
      expect(replica.instance.label.endsWith(`-${plan.context.deploymentId}-${replica.index}`)).toBe(true);
      expect(replica.instance.tags).toContain(`build-id:${plan.context.deploymentId}`);
      expect(replicaIndexOf(replica.instance.tags)).toBe(replica.index);
      expect(replica.instance.tags).toContain(replicaTag(plan.context.deploymentId, replica.index));
      expect(replica.backendPort).toBe(80);
      expect(replica.instance.private_ip).toBe(true);
      // Same machine as the single instance: same user-data, image, type, region.
      expect(replica.instance.metadata).toEqual(plan.instance.metadata);
      expect(replica.instance.type).toBe(plan.instance.type);
    }
    expect(new Set(scale.instances.map((replica) => replica.instance.label)).size).toBe(3);
    expect(new Set(scale.instances.map((replica) => replica.nodeLabel)).size).toBe(3);
  });

  it('opens the app port on the replicas only to the NodeBalancers, SSH as before', () => {
    const plan = planFor(template);
    const scale = scalePlan(plan, 2)!;
    const appRule = scale.replicaFirewall.rules.inbound.find((rule) => rule.ports === '80')!;
    expect(appRule.addresses).toEqual({ ipv4: [NODEBALANCER_SOURCE_RANGE] });
    const ssh = (rules: typeof scale.replicaFirewall.rules.inbound) =>
      rules.find((rule) => rule.ports === '22');
    expect(ssh(scale.replicaFirewall.rules.inbound)).toEqual(ssh(plan.firewall.rules.inbound));
    expect(scale.replicaFirewall.label).toBe(plan.firewall.label);
    // The NodeBalancer admits the published port from where the single instance did, nothing else.
    expect(scale.nodeBalancerFirewall.rules.inbound).toHaveLength(1);
    expect(scale.nodeBalancerFirewall.rules.inbound[0]).toMatchObject({
      ports: '80',
      addresses: { ipv4: ['0.0.0.0/0'], ipv6: ['::/0'] },
    });
    expect(scale.nodeBalancerFirewall.rules.inbound_policy).toBe('DROP');
    expect(scale.nodeBalancerFirewall.label).not.toBe(scale.replicaFirewall.label);
    expect(scale.nodeBalancerFirewall.label.length).toBeLessThanOrEqual(32);
  });

  it('tells replicas apart by tag', () => {
    expect(replicaTag('k3x9abcd', 7)).toBe('build-replica:k3x9abcd-7');
    expect(replicaIndexOf(['build-id:k3x9abcd', replicaTag('k3x9abcd', 7)])).toBe(7);
    expect(replicaIndexOf(['build-id:k3x9abcd'])).toBeUndefined();
    expect(replicaIndexOf(['build-replica:k3x9abcd-x'])).toBeUndefined();
  });
});

describe('costSheet', () => {
  it('adds the replicas and the NodeBalancer; placement group and firewalls are free', () => {
    const sheet = costSheet({
      type: 'g6-standard-2',
      replicas: 3,
      instancePrice: { hourly: 0.036, monthly: 24 },
      nodeBalancerPrice: { hourly: 0.015, monthly: 10 },
    });
    expect(sheet.lines[0]).toEqual({ resource: '3 × g6-standard-2', count: 3, hourly: 0.108, monthly: 72 });
    expect(sheet.lines[1]).toEqual({ resource: 'NodeBalancer', count: 1, hourly: 0.015, monthly: 10 });
    expect(sheet.total).toEqual({ hourly: 0.123, monthly: 82 });
  });

  it('has no NodeBalancer for one replica, and no total when a price is unknown', () => {
    const single = costSheet({
      type: 'g6-standard-2',
      replicas: 1,
      instancePrice: { hourly: 0.036, monthly: 24 },
    });
    expect(single.lines).toHaveLength(1);
    expect(single.total).toEqual({ hourly: 0.036, monthly: 24 });
    const unknown = costSheet({ type: 'g6-standard-2', replicas: 2, instancePrice: { hourly: 0.036 } });
    expect(unknown.lines[1]).toEqual({ resource: 'NodeBalancer', count: 1 });
    expect(unknown.total).toBeUndefined();
  });
});

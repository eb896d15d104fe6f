/**
 * What a deployment with several replicas is made of, computed from its single-instance plan.
 * Pure: the same plan and count give the same bodies; ids only the API hands out (the
 * firewalls, the placement group) and the replicas' private addresses are filled in at deploy
 * time.
 *
 *   NodeBalancer `lb-<id>-<app>`             listens on the app's published port, HTTP check
 *     + its own Cloud Firewall               on the template's health path, backends on the
 *                                            replicas' private IPv4 addresses; its firewall
 *                                            admits the published port from the app's sources
 *   replicas 1..N                            the single instance's create request, each with a
 *     label `<app>-<env>-<id>-<k>`           private IPv4 address and a `build-replica:` tag;
 *     tag `build-replica:<id>-<k>`             their firewall admits the app port only from the
 *                                            NodeBalancers' range, SSH as today
 *   placement group (anti-affinity)          replicas on different hosts, where the region
 *                                            supports placement groups
 *
 * Why private IPv4 rather than a VPC subnet: NodeBalancer backends in a VPC exist only in the
 * beta API (`/v4beta`; api-v4's `/v4` node request drops `subnet_id`), while private IPv4
 * backends are the generally available path in every NodeBalancer region. A private address is
 * reachable from other Linodes in the data center, so the replicas' firewall opens the app
 * port only to 192.168.255.0/24, the range NodeBalancers connect to backends from; SSH and the
 * template's own rules stay as on a single instance. Placement groups and firewalls cost
 * nothing; the NodeBalancer is billed like an instance (hourly up to a monthly cap).
 */
import { firewallLabel, instanceLabel, ruleLabel, TAG_MAX, tag } from './labels.js';
import type { DeployPlan, FirewallCreateBody, FirewallRule, InstanceCreateBody } from './types.js';

/** Where NodeBalancers connect to their backends from, in every Linode data center. */
export const NODEBALANCER_SOURCE_RANGE = '192.168.255.0/24';

/**
 * The tag that tells a deployment's replicas apart (`build-id:` is shared by all of them):
 * `build-replica:<id>-<k>`, unique in the account, so a create whose answer was lost finds its
 * instance again by this one tag.
 */
export function replicaTag(deploymentId: string, index: number): string {
  return tag('build-replica', `${deploymentId}-${index}`);
}

/** The replica index in an instance's `build-replica:` tag, if it has one. */
export function replicaIndexOf(tags: readonly string[]): number | undefined {
  const found = tags.find((item) => item.startsWith('build-replica:'));
  const index = Number(found?.slice(found.lastIndexOf('-') + 1));
  return found && Number.isInteger(index) && index > 0 ? index : undefined;
}

export interface PlacementGroupCreateBody {
  readonly label: string;
  readonly region: string;
  readonly placement_group_type: 'anti_affinity:local';
  /** `flexible`: a replica is still created when the region cannot keep it apart (never a failed deploy for that). */
  readonly placement_group_policy: 'flexible';
}

export interface NodeBalancerCreateBody {
  readonly label: string;
  readonly region: string;
  readonly tags: readonly string[];
  readonly client_conn_throttle: number;
  /** Filled in at deploy time: the NodeBalancer's firewall. */
  readonly firewall_id?: number;
}

/**
 * POST /nodebalancers/:id/configs: one port, HTTP checks on the template's health path. A
 * config needs at least one node, so it is created with the first replica that is healthy.
 */
export interface NodeBalancerConfigBody {
  readonly port: number;
  readonly protocol: 'http';
  readonly algorithm: 'roundrobin';
  readonly stickiness: 'none';
  readonly check: 'http';
  readonly check_path: string;
  readonly check_interval: number;
  readonly check_timeout: number;
  readonly check_attempts: number;
  readonly check_passive: boolean;
}

export interface ReplicaPlan {
  readonly index: number;
  /** The single instance's body with this replica's label and tags, and a private IPv4 address. */
  readonly instance: InstanceCreateBody;
  /** The port the NodeBalancer reaches the app on, at the replica's private address. */
  readonly backendPort: number;
  /** The node's label (3–32 characters): `<id>-r<k>`. */
  readonly nodeLabel: string;
}

export interface ScalePlan {
  readonly replicas: number;
  readonly placementGroup: PlacementGroupCreateBody;
  readonly nodeBalancer: NodeBalancerCreateBody;
  readonly nodeBalancerConfig: NodeBalancerConfigBody;
  readonly nodeBalancerFirewall: FirewallCreateBody;
  /** The replicas' firewall: the single instance's, with the app port open only to the NodeBalancer. */
  readonly replicaFirewall: FirewallCreateBody;
  readonly instances: readonly ReplicaPlan[];
}

const NODEBALANCER_CHECK_ATTEMPTS_MAX = 3;

/**
 * The NodeBalancer's check from the template's: the API wants a timeout of 1–30 s below the
 * interval, and 1–30 attempts. Backends join only once healthy, so the template's long
 * `max_retries` (a start-up allowance) does not apply: 3 failed checks take one out.
 */
function nodeBalancerCheck(
  plan: DeployPlan,
): Omit<NodeBalancerConfigBody, 'port' | 'protocol' | 'algorithm' | 'stickiness'> {
  const health = plan.template.deploy.linode.container?.health;
  const timeout = Math.min(30, Math.max(1, health?.timeout_seconds ?? 5));
  const interval = Math.max(timeout + 1, health?.interval_seconds ?? 10);
  return {
    check: 'http',
    check_path: health?.path ?? '/',
    check_interval: interval,
    check_timeout: timeout,
    check_attempts: Math.min(NODEBALANCER_CHECK_ATTEMPTS_MAX, Math.max(1, health?.max_retries ?? 3)),
    check_passive: true,
  };
}

/** `<app>-<env>-<id>-<k>` within the 64-character instance label limit (the app part is cut first). */
function replicaLabel(plan: DeployPlan, index: number): string {
  const { appName, envName, deploymentId } = plan.context;
  return instanceLabel(appName, envName, `${deploymentId}-${index}`);
}

function appPortRule(plan: DeployPlan): FirewallRule | undefined {
  const port = plan.template.deploy.linode.container?.external_port;
  return plan.firewall.rules.inbound.find(
    (rule) => port !== undefined && rule.ports === String(port) && rule.protocol === 'TCP',
  );
}

export function scalePlan(plan: DeployPlan, replicas: number): ScalePlan | undefined {
  if (replicas <= 1) return undefined;
  const container = plan.template.deploy.linode.container;
  if (!container) return undefined;
  const { appName, deploymentId, region } = plan.context;
  const label = firewallLabel(appName, deploymentId);
  const resourceTags = plan.firewall.tags;
  const port = container.external_port;
  const appRule = appPortRule(plan);

  const replicaFirewall: FirewallCreateBody = {
    ...plan.firewall,
    rules: {
      ...plan.firewall.rules,
      inbound: plan.firewall.rules.inbound.map((rule) =>
        rule === appRule
          ? {
              ...rule,
              addresses: { ipv4: [NODEBALANCER_SOURCE_RANGE] },
              description: `App (container port ${container.internal_port}), from the NodeBalancer only`,
            }
          : rule,
      ),
    },
  };
  const nodeBalancerFirewall: FirewallCreateBody = {
    label: `${label.slice(0, 32 - 3).replace(/[-_.]+$/, '')}-nb`,
    tags: resourceTags,
    rules: {
      inbound_policy: 'DROP',
      outbound_policy: 'ACCEPT',
      inbound: [
        {
          label: ruleLabel(`app-tcp-${port}`),
          action: 'ACCEPT',
          protocol: 'TCP',
          ports: String(port),
          // The sources the single instance admits the app from (everyone unless the template narrows it).
          addresses: appRule?.addresses ?? { ipv4: ['0.0.0.0/0'], ipv6: ['::/0'] },
          description: `App through the NodeBalancer (port ${port})`,
        },
      ],
      outbound: [],
    },
  };
  const instances: ReplicaPlan[] = [];
  for (let index = 1; index <= replicas; index++) {
    const replicaTags = [...plan.instance.tags];
    // After build-id/app/env/tmpl, so the firewall's first four tags stay the deployment's.
    replicaTags.splice(4, 0, replicaTag(deploymentId, index));
    instances.push({
      index,
      instance: {
        ...plan.instance,
        label: replicaLabel(plan, index),
        tags: replicaTags.filter((item) => item.length <= TAG_MAX),
        private_ip: true,
      },
      backendPort: port,
      nodeLabel: `${deploymentId}-r${index}`,
    });
  }
  return {
    replicas,
    placementGroup: {
      label,
      region,
      placement_group_type: 'anti_affinity:local',
      placement_group_policy: 'flexible',
    },
    nodeBalancer: {
      label,
      region,
      tags: resourceTags,
      client_conn_throttle: 0,
    },
    nodeBalancerConfig: {
      port,
      protocol: 'http',
      algorithm: 'roundrobin',
      stickiness: 'none',
      ...nodeBalancerCheck(plan),
    },
    nodeBalancerFirewall,
    replicaFirewall,
    instances,
  };
}

/**
 * A deployment with replicas as `plan` shows it: every resource deploy would make, and what
 * each costs. Lines of text, so `plan` prints them and `deploy` can repeat the total in its
 * question; the JSON form is `scaleDocument`.
 */

import type { Output } from '../cli/framework/output.js';
import { type PlacementLayout, replicaList } from '../plan/placement.js';
import type { ScalePlan } from '../plan/scale.js';
import type { CostSheet } from '../plan/scale-cost.js';
import type { FirewallRule } from '../plan/types.js';
import type { PreparedPlan } from './prepare.js';
import type { PlanCost } from './scale-prices.js';

export interface Row {
  readonly resource: string;
  readonly detail: string;
}

function sources(rule: FirewallRule): string {
  const all = [...(rule.addresses.ipv4 ?? []), ...(rule.addresses.ipv6 ?? [])];
  return all.every((source) => source === '0.0.0.0/0' || source === '::/0') ? 'anywhere' : all.join(', ');
}

function rules(inbound: readonly FirewallRule[]): string {
  return inbound.map((rule) => `${rule.protocol} ${rule.ports ?? 'all'} from ${sources(rule)}`).join('; ');
}

/** One row per resource, in the order deploy makes them. */
export function scaleRows(scale: ScalePlan, type: string, placement?: PlacementLayout): Row[] {
  const config = scale.nodeBalancerConfig;
  const rows: Row[] = [
    {
      resource: `placement group ${scale.placementGroup.label}`,
      detail:
        placement && placement.outside.length > 0
          ? `anti-affinity for replicas 1–${placement.groupedUpTo} only: the region holds at most ${placement.maxInstances} per group, so ${replicaList(placement.outside)} ${placement.outside.length > 1 ? 'are' : 'is'} created outside it`
          : 'anti-affinity (replicas on different hosts), where the region supports placement groups',
    },
    {
      resource: `firewall ${scale.nodeBalancerFirewall.label}`,
      detail: `the NodeBalancer's: ${rules(scale.nodeBalancerFirewall.rules.inbound)}; everything else dropped`,
    },
    {
      resource: `NodeBalancer ${scale.nodeBalancer.label}`,
      detail: `port ${config.port} ${config.protocol}, ${config.algorithm}; checks GET ${config.check_path} every ${config.check_interval}s (timeout ${config.check_timeout}s, out after ${config.check_attempts} failures); backends on the replicas' private IPv4`,
    },
    {
      resource: `firewall ${scale.replicaFirewall.label}`,
      detail: `the replicas': ${rules(scale.replicaFirewall.rules.inbound)}; everything else dropped`,
    },
  ];
  for (const replica of scale.instances) {
    rows.push({
      resource: `replica ${replica.index} ${replica.instance.label}`,
      detail: `${type}, private IPv4; backend <private address>:${replica.backendPort} once booted and healthy${placement?.outside.includes(replica.index) ? '; outside the placement group (full)' : ''}`,
    });
  }
  return rows;
}

/** `$0.123/hour ($82.00/month)`, or what is unknown. */
export function totalText(sheet: CostSheet | undefined): string {
  const total = sheet?.total;
  if (!total) return 'price unknown';
  return `$${total.hourly}/hour${total.monthly !== undefined ? ` ($${total.monthly.toFixed(2)}/month)` : ''}`;
}

export function money(value: number | undefined, digits: number): string {
  return value === undefined ? 'unknown' : `$${value.toFixed(digits)}`;
}

/** The JSON `plan --json` carries for replicas (labels and requests, never user-data). */
export function scaleDocument(scale: ScalePlan) {
  return {
    replicas: scale.replicas,
    placementGroup: scale.placementGroup,
    nodeBalancer: scale.nodeBalancer,
    nodeBalancerConfig: scale.nodeBalancerConfig,
    nodeBalancerFirewall: scale.nodeBalancerFirewall,
    replicaFirewall: scale.replicaFirewall,
    instances: scale.instances.map((replica) => ({
      index: replica.index,
      label: replica.instance.label,
      tags: replica.instance.tags,
      backendPort: replica.backendPort,
      nodeLabel: replica.nodeLabel,
    })),
  };
}

/** The replicas' resources and their cost in `plan`'s summary; for one replica only the cost, when it replaces replicas. */
export function printScale(out: Output, prepared: PreparedPlan, cost: PlanCost | undefined): void {
  const { scale } = prepared;
  const bold = (text: string) => out.style('bold', text);
  if (!scale) {
    // Replicas becoming one instance: what the one instance will cost (plan asks only then).
    if (cost) {
      out.line();
      printCost(out, prepared, cost);
    }
    return;
  }
  out.line();
  out.line(
    `${bold(`Replicas: ${scale.replicas} behind a NodeBalancer`)} (backends join once healthy; app changes roll one replica at a time)`,
  );
  out.table(scaleRows(scale, prepared.plan.context.type, cost?.placement), [
    { header: '  RESOURCE', value: (row) => `  ${row.resource}` },
    { header: 'WHAT', value: (row) => row.detail },
  ]);
  out.line();
  printCost(out, prepared, cost);
}

function printCost(out: Output, prepared: PreparedPlan, cost: PlanCost | undefined): void {
  const bold = (text: string) => out.style('bold', text);
  const sheet = cost?.sheet;
  if (!sheet) {
    out.line(`${bold('Cost')}: unknown (${cost?.unavailable ?? 'no price list'})`);
    return;
  }
  out.line(
    `${bold('Cost')} (the API's prices for ${prepared.plan.context.region}; billed per started hour up to the monthly cap)`,
  );
  const total = sheet.total;
  const totalLine = {
    resource: 'total',
    count: 0,
    ...(total ? { hourly: total.hourly } : {}),
    ...(total?.monthly !== undefined ? { monthly: total.monthly } : {}),
  };
  out.table(
    [...sheet.lines, totalLine],
    [
      { header: '  RESOURCE', value: (line) => `  ${line.resource}` },
      { header: '$/HOUR', value: (line) => money(line.hourly, 3), align: 'right' },
      { header: '$/MONTH', value: (line) => money(line.monthly, 2), align: 'right' },
    ],
  );
}

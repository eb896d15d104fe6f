/** Text rendering of DeploymentViews for `status` (table and detail block). */

import { isExpired, timeLeftText } from '../reap/lifetime.js';
import { type Column, renderTable } from '../util/table.js';
import { replaceDetail, replaceMark } from './replace.js';
import { replicaCountText } from './replicas.js';
import { rollDetail, rollMark } from './roll.js';
import type { DeploymentView, ReplicaView } from './types.js';

export function formatAge(createdAt: string | undefined, now: Date): string {
  if (!createdAt) return '-';
  const minutes = Math.max(0, Math.floor((now.getTime() - Date.parse(createdAt)) / 60_000));
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours}h` : `${Math.floor(hours / 24)}d`;
}

export function formatMoney(value: number | undefined, digits = 2): string {
  return value === undefined ? '-' : `$${value.toFixed(digits)}`;
}

export function statusText(view: DeploymentView): string {
  // A deployment with replicas is one row: how many of its replicas run (and are UP, when read).
  const status = view.replicas ? replicaCountText(view.replicas) : view.instanceStatus;
  if (view.recordStatus === 'untracked') return `${status} (untracked)`;
  if (view.recordStatus !== 'active') return `${status} (${view.recordStatus})`;
  const marks = [
    ...(rollMark(view) ? [`roll ${rollMark(view)}`] : []),
    ...(replaceMark(view) ? [`replace ${replaceMark(view)}`] : []),
  ];
  return marks.length > 0 ? `${status} (${marks.join(', ')})` : status;
}

/** The replica table of `status ID`: each replica and its backend on the NodeBalancer. */
export const replicaColumns: Column<ReplicaView>[] = [
  { header: 'REPLICA', value: (r) => String(r.index), align: 'right' },
  { header: 'LABEL', value: (r) => r.label },
  { header: 'LINODE', value: (r) => String(r.linodeId), align: 'right' },
  { header: 'STATUS', value: (r) => r.instanceStatus },
  { header: 'HEALTH', value: (r) => r.health ?? '-' },
  {
    header: 'BACKEND',
    value: (r) => (r.backend ? `${r.backend.mode} ${r.backend.status}` : 'not registered'),
  },
  { header: 'PRIVATE IP', value: (r) => r.privateIpv4 ?? '-' },
];

function replicaLines(view: DeploymentView): string[] {
  if (!view.replicas) return [];
  const balancer = view.nodeBalancer;
  const address = balancer
    ? [balancer.hostname, balancer.ipv4].filter(Boolean).join(', ') || 'no address yet'
    : undefined;
  const lines = [
    balancer
      ? `  Balancer:  NodeBalancer ${balancer.id} "${balancer.label}", ${address}${balancer.port !== undefined ? `, port ${balancer.port}` : ''}${balancer.hourlyPrice !== undefined ? ` (${formatMoney(balancer.hourlyPrice, 4)}/hour)` : ''}`
      : '  Balancer:  no NodeBalancer found (its tags or the deployment are incomplete)',
    `  Replicas:  ${view.replicas.length}${view.replicas.some((replica) => replica.backend) ? ', backends as the NodeBalancer reports them' : ''}`,
  ];
  if (view.replicas.length > 0)
    lines.push(...renderTable(view.replicas, replicaColumns).map((line) => `    ${line}`));
  const group = view.placementGroup;
  if (group && !group.compliant) {
    const sharing =
      group.sharingHost > 2 ? `${group.sharingHost} replicas share hosts` : '2 replicas share a host';
    lines.push(`  Placement group: not compliant (${sharing}); Linode moves them when it can`);
  }
  return lines;
}

/** The table columns; LIFETIME only when some shown deployment has one (deploy --ttl). */
export function statusColumns(now: Date, shown: readonly DeploymentView[] = []): Column<DeploymentView>[] {
  const lifetime: Column<DeploymentView>[] = shown.some((view) => view.expiresAt)
    ? [{ header: 'LIFETIME', value: (v) => timeLeftText(v.expiresAt, now) }]
    : [];
  return [
    { header: 'ID', value: (v) => v.id },
    { header: 'APP', value: (v) => v.app },
    { header: 'ENV', value: (v) => v.env },
    { header: 'REGION', value: (v) => v.region },
    { header: 'TYPE', value: (v) => v.type },
    { header: 'STATUS', value: statusText },
    { header: 'HEALTH', value: (v) => v.health },
    { header: 'URL', value: (v) => v.url ?? '-' },
    { header: 'AGE', value: (v) => formatAge(v.createdAt, now), align: 'right' },
    { header: '$/HOUR', value: (v) => formatMoney(v.hourlyPrice, 4), align: 'right' },
    { header: 'COST', value: (v) => formatMoney(v.accruedCost), align: 'right' },
    ...lifetime,
  ];
}

export function detailLines(view: DeploymentView, now: Date): string[] {
  const lines = [
    `Deployment ${view.id}`,
    `  App:       ${view.app} (${view.env}), template ${view.template}`,
    view.replicas
      ? `  Status:    ${statusText(view)}`
      : `  Instance:  ${statusText(view)}${view.linodeId !== undefined ? `, Linode ${view.linodeId}` : ''}${view.label ? ` "${view.label}"` : ''}`,
    `  Where:     ${view.region}, ${view.type}${view.replicas ? ` × ${view.replicas.length}` : ''}`,
    `  Health:    ${view.health}${view.replicas ? ' (through the NodeBalancer)' : ''}`,
    ...replicaLines(view),
    ...(rollMark(view) ? [`  Roll:      ${rollDetail(view)}`] : []),
    ...(replaceMark(view) ? [`  Replace:   ${replaceDetail(view)}`] : []),
  ];
  if (view.url) lines.push(`  URL:       ${view.url}`);
  // The tool's own ssh pins the host key per deployment and uses the key the deploy recorded.
  if (view.ipv4) lines.push(`  Connect:   linode-build ssh ${view.id}`);
  if (view.createdAt) lines.push(`  Created:   ${view.createdAt} (${formatAge(view.createdAt, now)} ago)`);
  if (view.hourlyPrice !== undefined) {
    lines.push(
      `  Cost:      ${formatMoney(view.hourlyPrice, 4)}/hour, about ${formatMoney(view.accruedCost)} so far (billed until destroyed, even when powered off)`,
    );
  }
  if (view.expiresAt) {
    const reap = isExpired(view.expiresAt, now) ? "; 'linode-build reap' destroys it" : '';
    lines.push(`  Expires:   ${view.expiresAt} (${timeLeftText(view.expiresAt, now)}${reap})`);
  }
  lines.push(`  Known by:  ${view.source === 'both' ? 'registry and tags' : view.source}`);
  return lines;
}

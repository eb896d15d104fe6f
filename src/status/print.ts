/** Text rendering of DeploymentViews for `status` (table and detail block). */

import { isExpired, timeLeftText } from '../reap/lifetime.js';
import type { Column } from '../util/table.js';
import type { DeploymentView } from './types.js';

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
  if (view.recordStatus === 'untracked') return `${view.instanceStatus} (untracked)`;
  if (view.recordStatus !== 'active') return `${view.instanceStatus} (${view.recordStatus})`;
  return view.instanceStatus;
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
    `  Instance:  ${statusText(view)}${view.linodeId !== undefined ? `, Linode ${view.linodeId}` : ''}${view.label ? ` "${view.label}"` : ''}`,
    `  Where:     ${view.region}, ${view.type}`,
    `  Health:    ${view.health}`,
  ];
  if (view.replicas) {
    lines.push(
      `  Replicas:  ${view.replicas.length}${view.nodeBalancerId !== undefined ? ` behind NodeBalancer ${view.nodeBalancerId}${view.ipv4 ? ` (${view.ipv4})` : ''}` : ''}`,
    );
    for (const replica of view.replicas) {
      const backend = replica.backend ? `, backend ${replica.backend.mode} ${replica.backend.status}` : '';
      lines.push(`    ${replica.index}: Linode ${replica.linodeId} ${replica.instanceStatus}${backend}`);
    }
  }
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

/** What `reap` prints: the expired and the idle deployments, as tables and as JSON. */

import { formatMoney } from '../status/print.js';
import type { Column } from '../util/table.js';
import { idleCost } from './idle-policy.js';
import type { IdleReading } from './idle-probe.js';
import { type ExpiredDeployment, formatDuration } from './lifetime.js';

/** A single instance's id, or `3 replicas + NodeBalancer` for a deployment with replicas. */
function linodesText(d: Pick<ExpiredDeployment, 'linodeId' | 'replicas' | 'nodeBalancerId'>): string {
  if (d.replicas === undefined) return String(d.linodeId);
  return `${d.replicas} replicas${d.nodeBalancerId !== undefined ? ' + NodeBalancer' : ''}`;
}

export const expiredColumns: Column<ExpiredDeployment>[] = [
  { header: 'ID', value: (d) => d.id },
  { header: 'APP', value: (d) => d.app },
  { header: 'ENV', value: (d) => d.env },
  { header: 'LINODE', value: linodesText },
  { header: 'TYPE', value: (d) => d.type },
  { header: 'EXPIRED', value: (d) => `${formatDuration(d.expiredForMs)} ago`, align: 'right' },
  { header: '$/HOUR', value: (d) => formatMoney(d.hourlyPrice, 4), align: 'right' },
  { header: 'COST', value: (d) => formatMoney(d.accruedCost), align: 'right' },
];

export const idleColumns: Column<IdleReading>[] = [
  { header: 'ID', value: (r) => r.candidate.id },
  { header: 'APP', value: (r) => r.candidate.app },
  { header: 'ENV', value: (r) => r.candidate.env },
  { header: 'LINODE', value: (r) => linodesText(r.candidate) },
  { header: 'TYPE', value: (r) => r.candidate.type },
  { header: 'IDLE', value: (r) => formatDuration(r.idleMs ?? 0), align: 'right' },
  { header: 'LIMIT', value: (r) => `${formatDuration(r.candidate.limitMs)} (${r.candidate.limitSource})` },
  { header: '$/HOUR', value: (r) => formatMoney(r.candidate.hourlyPrice, 4), align: 'right' },
  {
    header: 'IDLE COST',
    value: (r) => formatMoney(idleCost(r.idleMs ?? 0, r.candidate.hourlyPrice)),
    align: 'right',
  },
];

export function idleJson(reading: IdleReading) {
  return {
    ...reading.candidate,
    idleMs: reading.idleMs,
    idleSince: reading.idleSince,
    idleCost: idleCost(reading.idleMs ?? 0, reading.candidate.hourlyPrice),
  };
}

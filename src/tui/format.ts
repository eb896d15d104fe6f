/** Pure formatting for the dashboard: ages, prices, totals and the column layout for a width. */

import { isExpired, timeLeftText } from '../reap/lifetime.js';
import { replaceMark } from '../status/replace.js';
import { replicaRunningText } from '../status/replicas.js';
import { rollMark } from '../status/roll.js';
import type { DeploymentView } from '../status/types.js';
import { displayWidth, truncateToWidth } from '../util/display-width.js';

export const UNKNOWN = 'unknown';

/** "45s", "12m", "3h", "4d"; undefined/invalid → undefined (the caller shows unknown). */
export function formatAge(iso: string | undefined, now: number): string | undefined {
  if (!iso) return undefined;
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return undefined;
  const seconds = Math.max(0, Math.floor((now - then) / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

/** Dollars with enough precision for hourly prices ($0.0075/h exists). */
export function formatPrice(dollars: number | undefined): string | undefined {
  if (dollars === undefined || !Number.isFinite(dollars)) return undefined;
  if (dollars === 0) return '$0';
  return dollars < 1 ? `$${dollars.toFixed(3)}` : `$${dollars.toFixed(2)}`;
}

export interface Totals {
  readonly count: number;
  readonly running: number;
  readonly unhealthy: number;
  /** Sum of the known hourly prices. */
  readonly hourly: number;
  /** How many deployments have no known price (the sum is then a lower bound). */
  readonly unpriced: number;
}

export function totals(deployments: readonly DeploymentView[]): Totals {
  let running = 0;
  let unhealthy = 0;
  let hourly = 0;
  let unpriced = 0;
  for (const deployment of deployments) {
    if (deployment.instanceStatus === 'running') running++;
    if (deployment.health === 'unhealthy') unhealthy++;
    if (deployment.hourlyPrice === undefined) unpriced++;
    else hourly += deployment.hourlyPrice;
  }
  return { count: deployments.length, running, unhealthy, hourly, unpriced };
}

export function formatHourlyTotal(value: Totals): string {
  const sum = `${formatPrice(value.hourly) ?? '$0'}/h`;
  if (value.unpriced === 0) return sum;
  if (value.unpriced === value.count) return `${UNKNOWN} $/h`;
  return `≥ ${sum} (${value.unpriced} unpriced)`;
}

export function formatHealth(health: DeploymentView['health']): string {
  return health === 'not-checked' ? 'no check' : health;
}

/** Open issues: a count, or "?" when the watcher is off or unreachable (unknown, not zero). */
export function formatIssues(deployment: DeploymentView): string {
  return deployment.openIssues === undefined ? '?' : String(deployment.openIssues.length);
}

export type ColumnKey =
  | 'id'
  | 'app'
  | 'env'
  | 'region'
  | 'type'
  | 'status'
  | 'health'
  | 'issues'
  | 'price'
  | 'age';

export interface ColumnLayout {
  readonly key: ColumnKey;
  readonly header: string;
  readonly width: number;
  readonly align: 'left' | 'right';
}

interface ColumnRule {
  readonly key: ColumnKey;
  readonly header: string;
  readonly min: number;
  /** Extra width a flexible column may take. */
  readonly grow: number;
  readonly align: 'left' | 'right';
  /** Lower is dropped first when the terminal is narrow. */
  readonly priority: number;
}

const RULES: readonly ColumnRule[] = [
  { key: 'id', header: 'ID', min: 8, grow: 0, align: 'left', priority: 10 },
  { key: 'app', header: 'APP', min: 6, grow: 24, align: 'left', priority: 9.5 },
  { key: 'env', header: 'ENV', min: 4, grow: 8, align: 'left', priority: 9 },
  { key: 'region', header: 'REGION', min: 9, grow: 3, align: 'left', priority: 4 },
  { key: 'type', header: 'TYPE', min: 13, grow: 5, align: 'left', priority: 2 },
  // Grows past `10/12 running` only for a roll mark (`2/3 running (roll interrupted)`).
  { key: 'status', header: 'STATUS', min: 9, grow: 24, align: 'left', priority: 9 },
  { key: 'health', header: 'HEALTH', min: 9, grow: 0, align: 'left', priority: 8 },
  { key: 'issues', header: 'ISS', min: 3, grow: 0, align: 'right', priority: 6 },
  { key: 'price', header: '$/H', min: 6, grow: 0, align: 'right', priority: 5 },
  { key: 'age', header: 'AGE', min: 4, grow: 0, align: 'right', priority: 3 },
];

/** Width of the selection marker before the first column. */
export const MARKER_WIDTH = 2;
export const COLUMN_GAP = 1;

/**
 * Picks the columns that fit `width` (dropping the least important first), then widens the
 * flexible ones towards their content (`contentWidths`, e.g. the longest app name), app first,
 * so a row never wraps at any terminal size and nothing is cut while there is room.
 */
export function layoutColumns(
  width: number,
  contentWidths: Partial<Record<ColumnKey, number>> = {},
): ColumnLayout[] {
  let chosen = [...RULES];
  const needed = (rules: readonly ColumnRule[]) =>
    MARKER_WIDTH + rules.reduce((sum, rule) => sum + rule.min, 0) + COLUMN_GAP * (rules.length - 1);
  while (chosen.length > 2 && needed(chosen) > width) {
    const lowest = chosen.reduce((low, rule) => (rule.priority < low.priority ? rule : low));
    chosen = chosen.filter((rule) => rule !== lowest);
  }
  let spare = Math.max(0, width - needed(chosen));
  const widths = new Map(chosen.map((rule) => [rule.key, rule.min]));
  const byPriority = [...chosen].sort((a, b) => b.priority - a.priority);
  for (const rule of byPriority) {
    const wanted = Math.min(rule.min + rule.grow, contentWidths[rule.key] ?? rule.min);
    const extra = Math.min(spare, Math.max(0, wanted - rule.min));
    widths.set(rule.key, rule.min + extra);
    spare -= extra;
  }
  return chosen.map((rule) => ({
    key: rule.key,
    header: rule.header,
    width: widths.get(rule.key)!,
    align: rule.align,
  }));
}

/** ` (roll stopped)`, ` (replace interrupted)`, both, or nothing. */
function unfinishedText(deployment: DeploymentView): string {
  const marks = [
    ...(rollMark(deployment) ? [`roll ${rollMark(deployment)}`] : []),
    ...(replaceMark(deployment) ? [`replace ${replaceMark(deployment)}`] : []),
  ];
  return marks.length > 0 ? ` (${marks.join(', ')})` : '';
}

/** The text of one cell (already display-safe: callers sanitize untrusted fields). */
export function cellText(deployment: DeploymentView, key: ColumnKey, now: number): string {
  switch (key) {
    case 'id':
      return deployment.id;
    case 'app':
      return deployment.app;
    case 'env':
      return deployment.env;
    case 'region':
      return deployment.region || UNKNOWN;
    case 'type':
      return deployment.type || UNKNOWN;
    case 'status':
      // A deployment with replicas is one row: how many of them run (the detail view says which are UP).
      // A roll or replace no deploy finished is flagged here too (the detail view says where and why).
      return deployment.replicas
        ? // The narrow cell leaves the new instances out when a replace mark stands for them (the detail view lists them).
          `${replicaRunningText(deployment.replicas, !replaceMark(deployment))}${unfinishedText(deployment)}`
        : deployment.instanceStatus || UNKNOWN;
    case 'health':
      return formatHealth(deployment.health);
    case 'issues':
      return formatIssues(deployment);
    case 'price':
      return formatPrice(deployment.hourlyPrice) ?? '?';
    case 'age':
      // An expired deployment (deploy --ttl / lifetime) is still billed: flag it in the list
      // (the column is 4 cells wide; the detail view and the help say more).
      if (isExpired(deployment.expiresAt, new Date(now))) return 'EXP';
      return formatAge(deployment.createdAt, now) ?? '?';
  }
}

/** `3h 12m left`, or `expired 2h ago; run linode-build reap` (it is billed until destroyed). */
export function lifetimeText(expiresAt: string, now: number): string {
  const text = timeLeftText(expiresAt, new Date(now));
  return isExpired(expiresAt, new Date(now)) ? `${text}; run linode-build reap` : text;
}

/** Cuts text to `width` display cells with an ellipsis, and pads it (used for table cells). */
export function fitCell(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const cut = truncateToWidth(text, width);
  const pad = ' '.repeat(Math.max(0, width - displayWidth(cut)));
  return align === 'right' ? pad + cut : cut + pad;
}

/** Terminal cells taken by a (sanitized) string. */
export function textWidth(text: string): number {
  return displayWidth(text);
}

/**
 * The differences between deploy.yml + .env and what is deployed, as text for `plan` and
 * `deploy`: one line per field with `~` (changed in place), `±` (needs a new instance) or `+`/`-`,
 * and the action that follows. Secret values never appear: fields without a printable value
 * (env values, commands, scripts) say "value changed".
 */
import type { ConvergeAction, FieldChange } from '../plan/fingerprint.js';
import type { PreparedPlan } from './prepare.js';

const HOW: Record<FieldChange['level'], string> = {
  api: 'through the API',
  app: 'in place over SSH',
  machine: 'needs a new instance (--replace)',
};

const ACTION_TEXT: Record<ConvergeAction, string> = {
  unchanged: '= unchanged: deploy has nothing to do',
  api: '~ update in place: firewall rules / tags through the API',
  app: '~ update in place: app files over SSH, restart, health-gated with rollback',
  replace: '± replace: a new instance, made healthy before the old one is deleted (deploy --replace)',
};

function symbol(change: FieldChange): string {
  if (change.level === 'machine') return '±';
  if (change.kind === 'added') return '+';
  if (change.kind === 'removed') return '-';
  return '~';
}

function what(change: FieldChange): string {
  if (change.kind === 'added') return change.to !== undefined ? `added: ${change.to}` : 'added';
  if (change.kind === 'removed')
    return change.from !== undefined ? `removed (was ${change.from})` : 'removed';
  if (change.from !== undefined && change.to !== undefined) return `${change.from} → ${change.to}`;
  return 'value changed';
}

/** How the replica count changes against the deployment: a scale, or a change of shape. */
export interface ReplicaChange {
  readonly from: number;
  readonly to: number;
  /**
   * `scale`: the same deployment gains or loses replicas. `to-replicas` / `to-single`: a new
   * deployment is built in the other shape, then the old one deleted (the address changes).
   */
  readonly kind: 'scale' | 'to-replicas' | 'to-single';
}

export function replicaChange(prepared: PreparedPlan): ReplicaChange | undefined {
  const record = prepared.existing?.record;
  if (!record) return undefined;
  const from = record.scale?.replicas ?? 1;
  const to = prepared.replicas;
  if (from === to) return undefined;
  const kind = from === 1 ? 'to-replicas' : to === 1 ? 'to-single' : 'scale';
  return { from, to, kind };
}

function replicaLine(change: ReplicaChange, id: string, width: number): string {
  const field = 'replicas'.padEnd(width);
  if (change.kind === 'scale') {
    const how =
      change.to > change.from
        ? `${change.to - change.from} new replica${change.to - change.from > 1 ? 's' : ''} join once healthy`
        : `${change.from - change.to} surplus drained, then deleted`;
    return `  ~ ${field}  ${change.from} → ${change.to}  (${how})`;
  }
  const what =
    change.kind === 'to-replicas'
      ? `a new deployment: a NodeBalancer and ${change.to} replicas; the public address becomes the NodeBalancer's; ${id} is deleted once they serve`
      : `a new deployment: one instance; the public address becomes the instance's; ${id} and its NodeBalancer are deleted once it is healthy`;
  return `  ± ${field}  ${change.from} → ${change.to}  (${what})`;
}

function resultText(prepared: PreparedPlan, change: ReplicaChange | undefined): string {
  const action = prepared.action ?? 'unchanged';
  const replicas = prepared.existing?.record.scale?.replicas;
  if (!change && action === 'replace' && replicas !== undefined) return replicasReplaceText(replicas);
  if (!change) return ACTION_TEXT[action];
  if (change.kind !== 'scale') {
    return `± new deployment in the other shape (${change.to === 1 ? 'one instance' : `${change.to} replicas behind a NodeBalancer`}, new public address), built from deploy.yml and .env as they are now; the old one is deleted once it serves`;
  }
  const scale = `~ scale from ${change.from} to ${change.to} replicas`;
  if (action === 'unchanged') return scale;
  if (action === 'replace') return ACTION_TEXT.replace;
  return `${scale}, then ${ACTION_TEXT[action].slice(2)}${action === 'app' ? ' (on the replicas that stay; new ones start with it)' : ''}`;
}

export function changeLines(prepared: PreparedPlan): string[] {
  const existing = prepared.existing;
  if (!existing || !prepared.action) return [];
  const { record } = existing;
  const where = record.linodeId !== undefined ? `, Linode ${record.linodeId}` : '';
  const lines = [
    `Against deployment ${record.id} (${record.app}, ${record.env}${where}, updated ${record.updatedAt.slice(0, 16).replace('T', ' ')}):`,
  ];
  if (record.status !== 'active') {
    lines.push(`  its deploy was interrupted (${record.status}); deploy resumes it with the same id`);
  }
  const changes = prepared.changes ?? [];
  const replicas = replicaChange(prepared);
  const width = Math.max(replicas ? 'replicas'.length : 0, ...changes.map((change) => change.field.length));
  if (replicas) lines.push(replicaLine(replicas, record.id, width));
  for (const change of changes) {
    lines.push(`  ${symbol(change)} ${change.field.padEnd(width)}  ${what(change)}  (${HOW[change.level]})`);
  }
  if (!existing.fingerprint) {
    lines.push('  no record of what it was deployed from (adopted or older): the app files are rewritten');
  }
  const replacing = record.scale?.replacing;
  if (replacing) {
    lines.push(
      `  a replace did not finish: ${replacing.done.length === 1 ? `replica ${replacing.done[0]} of ${record.scale?.replicas} runs` : `replicas ${replacing.done.join(', ') || 'none'} of ${record.scale?.replicas} run`} ${replacing.type}; 'deploy --replace' finishes or undoes it`,
    );
  }
  lines.push(
    `  ${changes.length === 0 && !replicas ? '= everything unchanged' : '= everything else unchanged'}`,
  );
  lines.push(`Result: ${resultText(prepared, replicas)}`);
  return lines;
}

function replicasReplaceText(replicas: number): string {
  return `± replace: each of the ${replicas} replicas gets a new instance, serving behind the NodeBalancer before the old one is drained and deleted (deploy --replace)`;
}

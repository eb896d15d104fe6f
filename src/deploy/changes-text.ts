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
  const width = Math.max(0, ...changes.map((change) => change.field.length));
  for (const change of changes) {
    lines.push(`  ${symbol(change)} ${change.field.padEnd(width)}  ${what(change)}  (${HOW[change.level]})`);
  }
  if (!existing.fingerprint) {
    lines.push('  no record of what it was deployed from (adopted or older): the app files are rewritten');
  }
  lines.push(`  ${changes.length === 0 ? '= everything unchanged' : '= everything else unchanged'}`);
  lines.push(`Result: ${ACTION_TEXT[prepared.action]}`);
  return lines;
}

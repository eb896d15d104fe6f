import { obtainConsent } from '../../deploy/confirm.js';
import { UsageError } from '../../errors.js';
import { LinodeClient } from '../../linode/client.js';
import { findIdleCandidates, idleCost } from '../../reap/idle-policy.js';
import { type IdleReading, isReapable, readIdleness } from '../../reap/idle-probe.js';
import { type ExpiredDeployment, findExpired, formatDuration, hourlyTotal } from '../../reap/lifetime.js';
import { destroyEach, listAccount, reapExpired } from '../../reap/reap.js';
import { formatMoney } from '../../status/format.js';
import { parseLifetime } from '../../util/duration.js';
import type { reapSpec } from '../commands/reap.js';
import type { ArgsOf, CommandContext } from '../framework/command.js';
import { type Column, Progress } from '../framework/output.js';

const columns: Column<ExpiredDeployment>[] = [
  { header: 'ID', value: (d) => d.id },
  { header: 'APP', value: (d) => d.app },
  { header: 'ENV', value: (d) => d.env },
  { header: 'LINODE', value: (d) => String(d.linodeId) },
  { header: 'TYPE', value: (d) => d.type },
  { header: 'EXPIRED', value: (d) => `${formatDuration(d.expiredForMs)} ago`, align: 'right' },
  { header: '$/HOUR', value: (d) => formatMoney(d.hourlyPrice, 4), align: 'right' },
  { header: 'COST', value: (d) => formatMoney(d.accruedCost), align: 'right' },
];

const idleColumns: Column<IdleReading>[] = [
  { header: 'ID', value: (r) => r.candidate.id },
  { header: 'APP', value: (r) => r.candidate.app },
  { header: 'ENV', value: (r) => r.candidate.env },
  { header: 'LINODE', value: (r) => String(r.candidate.linodeId) },
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

function idleJson(reading: IdleReading) {
  return {
    ...reading.candidate,
    idleMs: reading.idleMs,
    idleSince: reading.idleSince,
    idleCost: idleCost(reading.idleMs ?? 0, reading.candidate.hourlyPrice),
  };
}

export default async function reap(args: ArgsOf<typeof reapSpec>, context: CommandContext): Promise<number> {
  const { options } = args;
  const { out, env } = context;
  const dryRun = options['dry-run'];
  // Decide before touching the API: a cron job without --yes must fail every time, not only
  // on the day something has expired.
  if (!dryRun && !options.yes && !context.interactive) {
    throw new UsageError(
      'refusing to destroy expired deployments without confirmation, and there is no terminal to ask on.',
      'Pass --yes to destroy them (as in a cron job), or --dry-run to only list them.',
    );
  }
  const now = new Date();
  const progress = new Progress(out);
  const client = await LinodeClient.connect(env, { onRetry: (message) => progress.step(message) });
  const { instances, types } = await listAccount(client);
  const expired = findExpired(instances, types, now);
  const idleLimit = options.idle !== undefined ? parseLifetime(options.idle, '--idle') : undefined;
  const candidates = findIdleCandidates(instances, types, now, idleLimit, new Set(expired.map((d) => d.id)));
  if (candidates.length > 0)
    progress.step(`Asking ${candidates.length} watcher(s) how long they have been idle`);
  const readings = candidates.length > 0 ? await readIdleness(env, candidates, now) : [];
  const idle = readings.filter(isReapable);
  const unchecked = readings.filter((reading) => reading.idleMs === undefined);
  const saving = hourlyTotal([...expired, ...idle.map((reading) => reading.candidate)]);
  const total = expired.length + idle.length;
  const jsonBase = {
    dryRun,
    expired,
    idle: idle.map(idleJson),
    unchecked: unchecked.map((reading) => ({ id: reading.candidate.id, reason: reading.reason })),
    hourlyCost: saving,
  };
  for (const reading of unchecked) {
    if (!options.json)
      out.info(
        `Not checked for idleness: ${reading.candidate.id} (${reading.candidate.app}, ${reading.candidate.env}): ${reading.reason}.`,
      );
  }

  if (total === 0) {
    if (options.json) out.json({ ...jsonBase, destroyed: [], failed: [], hourlySaved: 0 });
    else out.line(candidates.length > 0 ? 'No expired or idle deployments.' : 'No expired deployments.');
    return 0;
  }
  if (!options.json) {
    if (expired.length > 0) {
      out.line(`${expired.length} expired deployment(s):`);
      out.table(expired, columns);
    }
    if (idle.length > 0) {
      out.line(`${idle.length} idle deployment(s) (no requests reached the app and its GPUs sat idle):`);
      out.table(idle, idleColumns);
    }
  }
  if (dryRun) {
    if (options.json) out.json({ ...jsonBase, destroyed: [], failed: [], hourlySaved: 0 });
    else out.line(`Dry run: nothing destroyed. Reaping would save ${formatMoney(saving, 4)}/hour.`);
    return 0;
  }
  const what = idle.length === 0 ? 'expired ' : expired.length === 0 ? 'idle ' : '';
  const go = await obtainConsent({
    yes: options.yes,
    interactive: context.interactive,
    action: `destroy ${total} ${what}deployment(s)`,
    question: `Destroy these ${total} deployment(s)?`,
  });
  if (!go) {
    out.info('Cancelled; nothing was deleted.');
    return 1;
  }

  const progressSteps = { onProgress: (text: string) => progress.step(text) };
  const announce = (d: { id: string; app: string; env: string; linodeId: number }) =>
    progress.step(`Destroying ${d.id} (${d.app}, ${d.env}), Linode ${d.linodeId}`);
  const report = await reapExpired(
    { env, client, now, dryRun: false, ...progressSteps, onDestroying: announce },
    expired,
  );
  const idleOutcomes = await destroyEach(
    { env, client, now, dryRun: false, ...progressSteps, onDestroying: announce },
    idle.map((reading) => ({ ...reading.candidate, idleMs: reading.idleMs ?? 0 })),
  );
  const outcomes = [...report.outcomes, ...idleOutcomes];
  const destroyed = outcomes.filter((outcome) => outcome.error === undefined);
  const failed = outcomes.filter((outcome) => outcome.error !== undefined);
  const saved = hourlyTotal(destroyed.map((outcome) => outcome.deployment));
  if (options.json) {
    out.json({
      ...jsonBase,
      destroyed: destroyed.map((o) => ({ id: o.deployment.id, ...o.result })),
      failed: failed.map((o) => ({ id: o.deployment.id, error: o.error })),
      hourlySaved: saved,
    });
  } else {
    for (const outcome of report.outcomes) {
      if (outcome.error !== undefined) continue;
      const d = outcome.deployment;
      out.line(
        `Destroyed ${d.id} (${d.app}, ${d.env}): expired ${formatDuration(d.expiredForMs)} ago, cost about ${formatMoney(d.accruedCost)}.`,
      );
    }
    for (const outcome of idleOutcomes) {
      if (outcome.error !== undefined) continue;
      const d = outcome.deployment;
      out.line(
        `Destroyed ${d.id} (${d.app}, ${d.env}): idle for ${formatDuration(d.idleMs)}, the idle time cost about ${formatMoney(idleCost(d.idleMs, d.hourlyPrice))}.`,
      );
    }
    out.line(
      `Reaped ${destroyed.length} of ${total} in ${progress.elapsed()}, saving ${formatMoney(saved, 4)}/hour.`,
    );
  }
  for (const outcome of failed) {
    out.error(
      `could not destroy ${outcome.deployment.id}: ${outcome.error}`,
      "Run 'linode-build reap' again; destroying picks up where it stopped.",
    );
  }
  return failed.length > 0 ? 1 : 0;
}

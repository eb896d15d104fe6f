import type { CommandArgs, CommandContext } from '../cli/framework/command.js';
import { Progress } from '../cli/framework/output.js';
import { obtainConsent } from '../deploy/confirm.js';
import { UsageError } from '../errors.js';
import { LinodeClient } from '../linode/client.js';
import { formatMoney } from '../status/print.js';
import { parseLifetime } from '../util/duration.js';
import { findIdleCandidates, idleCost } from './idle-policy.js';
import { isReapable, readIdleness } from './idle-probe.js';
import { findExpired, formatDuration, hourlyTotal } from './lifetime.js';
import { expiredColumns, idleColumns, idleJson } from './print.js';
import { destroyEach, listAccount, reapExpired } from './reap.js';

export interface ReapOptions {
  readonly 'dry-run': boolean;
  readonly yes: boolean;
  readonly idle: string | undefined;
  readonly json: boolean;
}

export async function reap(args: CommandArgs<ReapOptions>, context: CommandContext): Promise<number> {
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
  const { instances, types, scale } = await listAccount(client);
  const expired = findExpired(instances, types, now, scale);
  const idleLimit = options.idle !== undefined ? parseLifetime(options.idle, '--idle') : undefined;
  const candidates = findIdleCandidates(
    instances,
    types,
    now,
    idleLimit,
    new Set(expired.map((d) => d.id)),
    scale,
  );
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
      out.table(expired, expiredColumns);
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
  const announce = (d: { id: string; app: string; env: string; linodeId: number; replicas?: number }) =>
    progress.step(
      d.replicas !== undefined
        ? `Destroying ${d.id} (${d.app}, ${d.env}), ${d.replicas} replicas and their NodeBalancer`
        : `Destroying ${d.id} (${d.app}, ${d.env}), Linode ${d.linodeId}`,
    );
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

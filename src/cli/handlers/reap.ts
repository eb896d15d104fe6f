import { obtainConsent } from '../../deploy/confirm.js';
import { UsageError } from '../../errors.js';
import { LinodeClient } from '../../linode/client.js';
import { type ExpiredDeployment, formatDuration, hourlyTotal } from '../../reap/lifetime.js';
import { listExpired, reapExpired } from '../../reap/reap.js';
import { formatMoney } from '../../status/format.js';
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
  const expired = await listExpired(client, now);
  const saving = hourlyTotal(expired);

  if (expired.length === 0) {
    if (options.json)
      out.json({ dryRun, expired: [], hourlyCost: 0, destroyed: [], failed: [], hourlySaved: 0 });
    else out.line('No expired deployments.');
    return 0;
  }
  if (!options.json) {
    out.line(`${expired.length} expired deployment(s):`);
    out.table(expired, columns);
  }
  if (dryRun) {
    if (options.json)
      out.json({ dryRun, expired, hourlyCost: saving, destroyed: [], failed: [], hourlySaved: 0 });
    else out.line(`Dry run: nothing destroyed. Reaping would save ${formatMoney(saving, 4)}/hour.`);
    return 0;
  }
  const go = await obtainConsent({
    yes: options.yes,
    interactive: context.interactive,
    action: `destroy ${expired.length} expired deployment(s)`,
    question: `Destroy these ${expired.length} deployment(s)?`,
  });
  if (!go) {
    out.info('Cancelled; nothing was deleted.');
    return 1;
  }

  const report = await reapExpired(
    {
      env,
      client,
      now,
      dryRun: false,
      onProgress: (text) => progress.step(text),
      onDestroying: (d) => progress.step(`Destroying ${d.id} (${d.app}, ${d.env}), Linode ${d.linodeId}`),
    },
    expired,
  );
  const destroyed = report.outcomes.filter((outcome) => outcome.error === undefined);
  const failed = report.outcomes.filter((outcome) => outcome.error !== undefined);
  const saved = hourlyTotal(destroyed.map((outcome) => outcome.deployment));
  if (options.json) {
    out.json({
      dryRun,
      expired,
      hourlyCost: saving,
      destroyed: destroyed.map((o) => ({ id: o.deployment.id, ...o.result })),
      failed: failed.map((o) => ({ id: o.deployment.id, error: o.error })),
      hourlySaved: saved,
    });
  } else {
    for (const outcome of destroyed) {
      const d = outcome.deployment;
      out.line(
        `Destroyed ${d.id} (${d.app}, ${d.env}): expired ${formatDuration(d.expiredForMs)} ago, cost about ${formatMoney(d.accruedCost)}.`,
      );
    }
    out.line(
      `Reaped ${destroyed.length} of ${expired.length} in ${progress.elapsed()}, saving ${formatMoney(saved, 4)}/hour.`,
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

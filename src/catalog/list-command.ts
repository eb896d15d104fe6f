import type { CommandArgs, CommandContext } from '../cli/framework/command.js';
import { formatDiagnostic } from '../template/diagnostics.js';
import { displayWidth, truncateToWidth } from '../util/display-width.js';
import { listTemplatesCached } from './list-cache.js';
import { type CatalogEntry, problemSummary } from './locations.js';

/** The narrowest a description is cut to on a terminal. */
const MIN_DESCRIPTION_WIDTH = 20;

/** On one line; cut to `width` display cells when there is one (a terminal), whole otherwise. */
function oneLine(text: string, width: number | undefined): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return width === undefined ? flat : truncateToWidth(flat, width);
}

function sourceLabel(entry: CatalogEntry): string {
  return entry.overridesBundled ? 'user (overrides bundled)' : entry.source;
}

export async function templatesList(
  args: CommandArgs<{ readonly json: boolean }>,
  { out, env }: CommandContext,
) {
  // Cached: listing must not load the YAML parser unless a template changed (start-up budget).
  const entries = await listTemplatesCached({ env });
  if (args.options.json) {
    out.json(
      entries.map((entry) => ({
        name: entry.name,
        display_name: entry.display_name ?? null,
        version: entry.version ?? null,
        source: entry.source,
        overrides_bundled: entry.overridesBundled,
        description: entry.description ?? null,
        file: entry.file,
        valid: entry.valid,
        diagnostics: entry.diagnostics,
      })),
    );
    return;
  }
  if (entries.length === 0) {
    out.line('No templates found.');
    return;
  }
  // On a terminal the description is cut so rows do not wrap; piped, nothing is cut.
  const terminal = out.stdout.isTTY ? (out.stdout as { columns?: number }).columns : undefined;
  const widest = (values: readonly string[], header: string) =>
    Math.max(displayWidth(header), ...values.map(displayWidth));
  const fixed =
    widest(
      entries.map((entry) => entry.name),
      'NAME',
    ) +
    widest(
      entries.map((entry) => entry.version ?? '-'),
      'VERSION',
    ) +
    widest(entries.map(sourceLabel), 'SOURCE') +
    3 * 2;
  const descriptionWidth = terminal ? Math.max(MIN_DESCRIPTION_WIDTH, terminal - fixed) : undefined;
  out.table(entries, [
    { header: 'NAME', value: (entry) => entry.name },
    { header: 'VERSION', value: (entry) => entry.version ?? '-' },
    { header: 'SOURCE', value: sourceLabel },
    {
      header: 'DESCRIPTION',
      value: (entry) =>
        entry.valid
          ? oneLine(entry.description ?? '', descriptionWidth)
          : `${out.style('red', 'BROKEN:')} ${oneLine(problemSummary(entry), descriptionWidth && descriptionWidth - 8)}`,
    },
  ]);
  for (const entry of entries.filter((candidate) => !candidate.valid)) {
    const first = entry.diagnostics.find((d) => d.severity === 'error');
    out.warn(`template '${entry.name}' does not load: ${first ? formatDiagnostic(first) : entry.file}`);
    out.info(`  Run 'linode-build templates validate ${entry.file}' for every problem.`);
  }
}

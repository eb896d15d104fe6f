import { listTemplatesCached } from '../../catalog/list-cache.js';
import { type CatalogEntry, problemSummary } from '../../catalog/locations.js';
import { formatDiagnostic } from '../../template/diagnostics.js';
import type { templatesListSpec } from '../commands/templates-list.js';
import type { ArgsOf, CommandContext } from '../framework/command.js';

const DESCRIPTION_WIDTH = 60;

function oneLine(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

function sourceLabel(entry: CatalogEntry): string {
  return entry.overridesBundled ? 'user (overrides bundled)' : entry.source;
}

export default async function templatesList(
  args: ArgsOf<typeof templatesListSpec>,
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
  out.table(entries, [
    { header: 'NAME', value: (entry) => entry.name },
    { header: 'VERSION', value: (entry) => entry.version ?? '-' },
    { header: 'SOURCE', value: sourceLabel },
    {
      header: 'DESCRIPTION',
      value: (entry) =>
        entry.valid
          ? oneLine(entry.description ?? '', DESCRIPTION_WIDTH)
          : `${out.style('red', 'BROKEN:')} ${oneLine(problemSummary(entry), DESCRIPTION_WIDTH)}`,
    },
  ]);
  for (const entry of entries.filter((candidate) => !candidate.valid)) {
    const first = entry.diagnostics.find((d) => d.severity === 'error');
    out.warn(`template '${entry.name}' does not load: ${first ? formatDiagnostic(first) : entry.file}`);
    out.info(`  Run 'linode-build templates validate ${entry.file}' for every problem.`);
  }
}

import { capabilityKnowledge } from '../capability/knowledge.js';
import type { CommandArgs, CommandContext } from '../cli/framework/command.js';
import { formatDiagnostics } from '../template/diagnostics.js';
import { describeTemplate } from '../template/print.js';
import { resolveTemplate } from './index.js';

export async function templatesShow(
  args: CommandArgs<{ readonly json: boolean }, { readonly template: string | undefined }>,
  { out, env, cwd }: CommandContext,
) {
  const loaded = resolveTemplate(args.positionals.template!, {
    cwd,
    env,
    knowledge: await capabilityKnowledge(),
  });
  if (args.options.json) {
    out.json({
      source: loaded.source,
      file: loaded.file,
      template: loaded.template,
      warnings: loaded.warnings,
    });
    return;
  }
  describeTemplate(out, loaded.template, `${loaded.source} (${loaded.file})`);
  if (loaded.warnings.length > 0) out.info(`\n${formatDiagnostics(loaded.warnings)}`);
}

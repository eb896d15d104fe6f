import path from 'node:path';
import { capabilityKnowledge } from '../capability/knowledge.js';
import { templateFileForPath } from '../catalog/paths.js';
import type { CommandArgs, CommandContext } from '../cli/framework/command.js';
import { countBySeverity, formatDiagnostics, plural } from './diagnostics.js';
import { checkTemplateFile } from './load.js';

export async function templatesValidate(
  args: CommandArgs<{ readonly json: boolean }, { readonly path: string | undefined }>,
  { out, env, cwd }: CommandContext,
): Promise<number> {
  const file = templateFileForPath(args.positionals.path ?? '.', cwd, env);
  const shown = path.relative(cwd, file) || file;
  const check = checkTemplateFile(file, { ...(await capabilityKnowledge()), displayPath: shown });
  const { errors, warnings } = countBySeverity(check.diagnostics);
  const valid = check.template !== undefined;
  if (args.options.json) {
    out.json({ file: shown, valid, errors, warnings, diagnostics: check.diagnostics });
    return valid ? 0 : 1;
  }
  if (check.diagnostics.length > 0) out.line(formatDiagnostics(check.diagnostics));
  if (valid) {
    const suffix = warnings > 0 ? ` (${plural(warnings, 'warning')})` : '';
    out.line(
      `${out.style('green', '✓')} ${shown} is a valid template: ${check.template!.name} ${check.template!.version}${suffix}`,
    );
    return 0;
  }
  out.line(
    `${out.style('red', '✗')} ${shown}: ${plural(errors, 'error')}${warnings > 0 ? `, ${plural(warnings, 'warning')}` : ''}`,
  );
  return 1;
}

import path from 'node:path';
import type { CommandArgs, CommandContext } from '../cli/framework/command.js';
import { checkInitFlagValues } from '../deploy/flag-values.js';
import { formatDiagnostics } from '../template/diagnostics.js';
import { initProject } from './init-project.js';

export interface InitOptions {
  readonly directory: string | undefined;
  readonly region: string | undefined;
  readonly type: string | undefined;
  readonly 'app-name': string | undefined;
  readonly json: boolean;
}

export async function init(
  args: CommandArgs<InitOptions, { readonly template: string | undefined }>,
  { out, env, cwd }: CommandContext,
) {
  const { directory, region, type, json } = args.options;
  const appName = args.options['app-name'];
  const target = path.resolve(cwd, directory ?? '.');
  // A region or type that does not exist is refused before anything is written.
  const unchecked = await checkInitFlagValues(env, { region, type });
  const {
    loaded,
    files,
    keptReadme: readmeExists,
  } = await initProject({
    cwd,
    env,
    template: args.positionals.template!,
    ...(directory !== undefined ? { directory } : {}),
    ...(region !== undefined ? { region } : {}),
    ...(type !== undefined ? { type } : {}),
    ...(appName !== undefined ? { appName } : {}),
  });
  const template = loaded.template;
  const written = files;
  if (unchecked) out.warn(unchecked);
  if (json) {
    out.json({
      directory: target,
      template: template.name,
      version: template.version,
      source: loaded.source,
      files: written,
    });
    return;
  }
  out.line(
    `${out.style('green', '✓')} Initialized ${template.display_name} (${template.name} ${template.version}) in ${target}`,
  );
  for (const file of written) out.line(`  ${file}`);
  if (readmeExists) out.line('  (kept your README.md)');
  if (loaded.warnings.length > 0) out.info(formatDiagnostics(loaded.warnings));
  out.line('\nNext steps:');
  if (directory !== undefined) out.line(`  cd ${path.relative(cwd, target) || '.'}`);
  if (template.env.required.length > 0) {
    out.line(
      `  cp .env.example .env    # set ${template.env.required.map((variable) => variable.name).join(', ')}`,
    );
  }
  out.line('  linode-build plan       # what would be created, without creating anything');
  out.line('  linode-build deploy --wait');
  if (template.guidance?.summary) out.line(`\n${template.guidance.summary.trim()}`);
}

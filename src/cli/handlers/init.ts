import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { registryKnowledge } from '../../catalog/capability-names.js';
import { DEPLOY_FILE, resolveTemplate } from '../../catalog/index.js';
import { isEmptyDirectory, writeFilesAtomically } from '../../catalog/write-files.js';
import { CliError } from '../../errors.js';
import { packageRoot } from '../../paths.js';
import { formatDiagnostics } from '../../template/diagnostics.js';
import { TemplateError } from '../../template/load.js';
import {
  mergeGitignore,
  renderDeployFile,
  renderEnvExample,
  renderProjectReadme,
} from '../../template/project.js';
import { validateTemplateText } from '../../template/validate.js';
import type { initSpec } from '../commands/init.js';
import type { ArgsOf, CommandContext } from '../framework/command.js';

/** The schema file the deploy.yml modeline points at (an absolute path into the installed package). */
export function schemaPath(): string {
  return path.join(packageRoot(), 'schema', 'template.schema.json');
}

function readIfPresent(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export default async function init(args: ArgsOf<typeof initSpec>, { out, env, cwd }: CommandContext) {
  const { directory, region, type, json } = args.options;
  const appName = args.options['app-name'];
  const target = path.resolve(cwd, directory ?? '.');
  if (directory !== undefined) checkTargetDirectory(target, directory);

  const knowledge = await registryKnowledge();
  const loaded = resolveTemplate(args.positionals.template!, { cwd, env, knowledge });
  const template = loaded.template;
  const deployText = renderDeployFile(readFileSync(loaded.file, 'utf8'), schemaPath(), {
    ...(region !== undefined ? { region } : {}),
    ...(type !== undefined ? { type } : {}),
    ...(appName !== undefined ? { appName } : {}),
  });

  // The flags may make the template invalid (e.g. --type without a GPU for a GPU template).
  const shown = `${DEPLOY_FILE} (from ${template.name} with your flags)`;
  const result = validateTemplateText(deployText, { ...knowledge, file: shown });
  if (!result.template) {
    throw new TemplateError(
      shown,
      result.diagnostics.filter((d) => d.severity === 'error'),
      'Change the flag values (--region, --type, --app-name) named above; nothing was written.',
    );
  }

  const files = new Map<string, string>([
    [DEPLOY_FILE, deployText],
    ['.env.example', renderEnvExample(template)],
  ]);
  const readmeExists = directory === undefined && readIfPresent(path.join(target, 'README.md')) !== undefined;
  if (!readmeExists) files.set('README.md', renderProjectReadme(result.template));
  const gitignore = mergeGitignore(readIfPresent(path.join(target, '.gitignore')));
  if (gitignore !== undefined) files.set('.gitignore', gitignore);
  // Files the template reads from next to itself (setup.files[].source) come along.
  for (const file of template.setup.files) {
    if (file.source !== undefined) files.set(path.normalize(file.source), file.content);
  }
  writeFilesAtomically(target, files, { replace: new Set(['.gitignore']) });

  const written = [...files.keys()];
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

function checkTargetDirectory(target: string, given: string): void {
  let isDirectory = true;
  try {
    isDirectory = statSync(target).isDirectory();
  } catch {
    return; // Does not exist: it will be created.
  }
  if (!isDirectory) {
    throw new CliError(
      `${given} exists and is not a directory.`,
      'Choose a new directory name with --directory.',
    );
  }
  if (!isEmptyDirectory(target)) {
    throw new CliError(
      `${given} is not empty.`,
      'Choose a new or empty directory, or run init without --directory inside an existing project.',
    );
  }
}

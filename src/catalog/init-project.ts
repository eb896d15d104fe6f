/**
 * Writing a new project from a template: what `init` does and what the dashboard's wizard
 * does, in one function. deploy.yml is the template text with the chosen overrides, validated
 * before anything is written; then .env.example, README.md, .gitignore and the template's own
 * files, written atomically.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { capabilityKnowledge } from '../capability/knowledge.js';
import { renderDotenv } from '../env/dotenv.js';
import { CliError } from '../errors.js';
import { PRIVATE_FILE_MODE, writeFileAtomic } from '../state/atomic.js';
import { TemplateError } from '../template/load.js';
import {
  mergeGitignore,
  renderDeployFile,
  renderEnvExample,
  renderProjectReadme,
} from '../template/project.js';
import type { LoadedTemplate, Template } from '../template/types.js';
import { validateTemplateText } from '../template/validate.js';
import { resolveTemplate } from './index.js';
import { DEPLOY_FILE } from './paths.js';
import { PROJECT_SCHEMA_FILE, packagedSchemaText } from './project-schema.js';
import { isEmptyDirectory, writeFilesAtomically } from './write-files.js';

function readIfPresent(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export interface InitProjectRequest {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** A template name (bundled or installed, optionally @version) or path. */
  readonly template: string;
  /** The target directory as the user gave it; undefined means the current directory. */
  readonly directory?: string;
  readonly region?: string;
  readonly type?: string;
  readonly appName?: string;
}

export interface InitProjectResult {
  readonly target: string;
  readonly loaded: LoadedTemplate;
  /** The project's template (deploy.yml as written, validated). */
  readonly template: Template;
  /** Relative paths written. */
  readonly files: readonly string[];
  /** The directory already had a README.md, which was kept. */
  readonly keptReadme: boolean;
}

export async function initProject(request: InitProjectRequest): Promise<InitProjectResult> {
  const { cwd, env, directory } = request;
  const target = path.resolve(cwd, directory ?? '.');
  if (directory !== undefined) checkTargetDirectory(target, directory);

  const knowledge = await capabilityKnowledge();
  const loaded = resolveTemplate(request.template, { cwd, env, knowledge });
  const template = loaded.template;
  const deployText = renderDeployFile(readFileSync(loaded.file, 'utf8'), PROJECT_SCHEMA_FILE, {
    ...(request.region !== undefined ? { region: request.region } : {}),
    ...(request.type !== undefined ? { type: request.type } : {}),
    ...(request.appName !== undefined ? { appName: request.appName } : {}),
  });

  // The overrides may make the template invalid (e.g. a type without a GPU for a GPU template).
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
  const keptReadme = directory === undefined && readIfPresent(path.join(target, 'README.md')) !== undefined;
  if (!keptReadme) files.set('README.md', renderProjectReadme(result.template));
  const gitignore = mergeGitignore(readIfPresent(path.join(target, '.gitignore')));
  if (gitignore !== undefined) files.set('.gitignore', gitignore);
  // What the modeline names, for editors (src/catalog/project-schema.ts says why a copy).
  files.set(PROJECT_SCHEMA_FILE, packagedSchemaText());
  // Files the template reads from next to itself (setup.files[].source) come along.
  for (const file of template.setup.files) {
    if (file.source !== undefined) files.set(path.normalize(file.source), file.content);
  }
  writeFilesAtomically(target, files, { replace: new Set(['.gitignore', PROJECT_SCHEMA_FILE]) });
  return { target, loaded, template: result.template, files: [...files.keys()], keptReadme };
}

/** A target directory must be new or empty (`given` is how the user named it). */
export function checkTargetDirectory(target: string, given: string): void {
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

/**
 * The project's `.env` with `values`, as the wizard collects them: text that dotenv (which
 * deploy reads it with) reads back exactly, written 0600 and never over an existing file.
 */
export async function writeProjectDotenv(
  projectDirectory: string,
  values: Readonly<Record<string, string>>,
): Promise<string> {
  const file = path.join(projectDirectory, '.env');
  await writeFileAtomic(file, renderDotenv(values), { mode: PRIVATE_FILE_MODE, createOnly: true });
  return file;
}

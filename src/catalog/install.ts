/**
 * Installing and removing user templates. Only the template's own files are copied (never
 * `.env`, `.git` or anything else in the directory), and nothing is ever written or deleted
 * outside the user template directory.
 */
import { copyFileSync, existsSync, lstatSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { type CapabilityKnowledge, capabilityKnowledge } from '../capability/knowledge.js';
import { CliError } from '../errors.js';
import { statePaths } from '../paths.js';
import { loadTemplateFile, resolveInside } from '../template/index.js';
import type { Template } from '../template/types.js';
// Imported from the module (not the package index) to avoid a cycle with index.ts.
import { templateFileForPath } from './paths.js';

const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Files copied with the template when present next to it. */
export const COMPANION_FILES = ['README.md', '.env.example'] as const;

export interface InstallOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly force?: boolean;
  readonly knowledge?: CapabilityKnowledge;
}

export interface InstallResult {
  readonly template: Template;
  readonly destination: string;
  /** Paths relative to the destination. */
  readonly files: readonly string[];
  readonly replaced: boolean;
}

/** `destination` as a direct child of `root`, or a CliError: the one guard for every write and delete. */
function childOf(root: string, name: string): string {
  const destination = path.resolve(root, name);
  if (!NAME_PATTERN.test(name) || path.dirname(destination) !== path.resolve(root)) {
    throw new CliError(
      `'${name}' is not a template name.`,
      'Template names are lowercase slugs like my-template; paths are not accepted here.',
    );
  }
  return destination;
}

function isRegularFile(file: string): boolean {
  try {
    return lstatSync(file).isFile();
  } catch {
    return false;
  }
}

/** The files to copy: relative path in the template directory → absolute source. */
export function templateFilesToCopy(templateFile: string, template: Template): Map<string, string> {
  const directory = path.dirname(templateFile);
  const files = new Map<string, string>([['template.yml', templateFile]]);
  for (const name of COMPANION_FILES) {
    const file = path.join(directory, name);
    if (isRegularFile(file)) files.set(name, file);
  }
  for (const setupFile of template.setup.files) {
    if (setupFile.source === undefined) continue;
    const real = resolveInside(directory, setupFile.source);
    // loadTemplateFile already refused sources outside the directory.
    if (real) files.set(path.normalize(setupFile.source), real);
  }
  return files;
}

/** Copies `files` (relative → source) into `target`, creating sub-directories. */
export function copyFiles(files: ReadonlyMap<string, string>, target: string): void {
  for (const [relative, source] of files) {
    const destination = path.join(target, relative);
    mkdirSync(path.dirname(destination), { recursive: true });
    copyFileSync(source, destination);
  }
}

export function installTemplate(reference: string, options: InstallOptions): InstallResult {
  const file = templateFileForPath(reference, options.cwd, options.env);
  const loaded = loadTemplateFile(file, {
    ...(options.knowledge ?? capabilityKnowledge()),
    source: 'path',
  });
  const template = loaded.template;
  const root = statePaths.userTemplates(options.env);
  const destination = childOf(root, template.name);
  const exists = existsSync(destination) || isSymlink(destination);
  if (exists && !options.force) {
    throw new CliError(
      `template '${template.name}' is already installed.`,
      `Use --force to replace it, or 'linode-build templates uninstall ${template.name}' first.`,
    );
  }

  const files = templateFilesToCopy(file, template);
  mkdirSync(root, { recursive: true });
  // Stage next to the destination, then rename: a failed copy never leaves a half-installed
  // template. Dot-names, so that listing skips them even if a crash leaves one behind.
  const staging = path.join(root, `.${template.name}.staging-${process.pid}`);
  const retired = path.join(root, `.${template.name}.retired-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    copyFiles(files, staging);
    if (exists) renameSync(destination, retired);
    renameSync(staging, destination);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (existsSync(retired) && !existsSync(destination)) renameSync(retired, destination);
    throw error;
  }
  rmSync(retired, { recursive: true, force: true });
  return { template, destination, files: [...files.keys()].sort(), replaced: exists };
}

function isSymlink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Removes an installed template. Refuses anything that is not a plain name inside the user directory. */
export function uninstallTemplate(name: string, options: { env?: NodeJS.ProcessEnv }): string {
  const root = statePaths.userTemplates(options.env);
  const target = childOf(root, name);
  if (isSymlink(target)) {
    // A link placed there by hand: remove the link, never what it points to.
    rmSync(target);
    return target;
  }
  if (!existsSync(path.join(target, 'template.yml'))) {
    throw new CliError(
      `template '${name}' is not installed in ${root}.`,
      "Run 'linode-build templates list' to see installed (source: user) templates.",
    );
  }
  rmSync(target, { recursive: true, force: true });
  return target;
}

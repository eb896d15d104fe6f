/** How a template reference that is a path becomes a file. */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../errors.js';

export const TEMPLATE_FILE = 'template.yml';
export const DEPLOY_FILE = 'deploy.yml';

/** A name is a path when it looks like one (as the original tool decided). */
export function looksLikePath(reference: string): boolean {
  return (
    reference === '.' ||
    reference === '..' ||
    reference.includes('/') ||
    reference.includes(path.sep) ||
    reference.startsWith('~') ||
    /\.ya?ml$/i.test(reference)
  );
}

/** The template file a path names: the file itself, or a directory's template.yml / deploy.yml. */
export function templateFileForPath(reference: string, cwd: string, env?: NodeJS.ProcessEnv): string {
  const home = env?.HOME;
  const expanded = reference.startsWith('~/') && home ? path.join(home, reference.slice(2)) : reference;
  const target = path.resolve(cwd, expanded);
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(target);
  } catch {
    throw new CliError(
      `${reference}: no such file or directory.`,
      'Give a template directory, a template.yml, or a deploy.yml.',
    );
  }
  if (stats.isDirectory()) {
    for (const candidate of [TEMPLATE_FILE, DEPLOY_FILE]) {
      const file = path.join(target, candidate);
      if (existsSync(file)) return file;
    }
    throw new CliError(
      `${reference} has no ${TEMPLATE_FILE} or ${DEPLOY_FILE}.`,
      'Point at a template directory, or create one with `linode-build templates scaffold NAME`.',
    );
  }
  if (!/\.ya?ml$/i.test(target)) {
    throw new CliError(
      `${reference} is not a YAML file.`,
      'Give a .yml file, or a directory holding template.yml.',
    );
  }
  return target;
}

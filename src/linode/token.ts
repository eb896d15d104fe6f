/**
 * Where the Linode API token comes from, in order: LINODE_TOKEN, LINODE_CLI_TOKEN, then the
 * linode-cli config file (the default user's `token`). The value is never printed or logged.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../errors.js';
import { homeDirectory } from '../paths.js';

export function linodeCliConfigPath(env: NodeJS.ProcessEnv): string {
  const configHome = env.XDG_CONFIG_HOME
    ? path.resolve(env.XDG_CONFIG_HOME)
    : path.join(homeDirectory(env), '.config');
  return path.join(configHome, 'linode-cli');
}

/** Minimal INI reader: `[section]` headers and `key = value` lines; `;`/`#` comments. */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current = new Map<string, string>();
  sections.set('DEFAULT', current);
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      const name = header[1]!.trim();
      current = sections.get(name) ?? new Map<string, string>();
      sections.set(name, current);
      continue;
    }
    const separator = line.search(/[=:]/);
    if (separator > 0) current.set(line.slice(0, separator).trim(), line.slice(separator + 1).trim());
  }
  return sections;
}

/** The default user's token from linode-cli's config, or undefined. */
export function tokenFromLinodeCliConfig(env: NodeJS.ProcessEnv): string | undefined {
  let text: string;
  try {
    text = readFileSync(linodeCliConfigPath(env), 'utf8');
  } catch {
    return undefined;
  }
  const sections = parseIni(text);
  const defaults = sections.get('DEFAULT')!;
  const user = defaults.get('default-user');
  const token = (user ? sections.get(user)?.get('token') : undefined) ?? defaults.get('token');
  return token && token !== '' ? token : undefined;
}

/** The token linode-build would use, or undefined when there is none (never throws). */
export function linodeTokenIfAny(env: NodeJS.ProcessEnv): string | undefined {
  const token = (env.LINODE_TOKEN || env.LINODE_CLI_TOKEN || tokenFromLinodeCliConfig(env))?.trim();
  return token ? token : undefined;
}

export function resolveLinodeToken(env: NodeJS.ProcessEnv): string {
  const token = linodeTokenIfAny(env);
  if (!token) {
    throw new CliError(
      `no Linode API token: LINODE_TOKEN and LINODE_CLI_TOKEN are unset and ${linodeCliConfigPath(env)} has no token.`,
      "Create a personal access token in Cloud Manager and export LINODE_TOKEN=…, or run 'linode-cli configure'.",
    );
  }
  return token;
}

/**
 * linode-cli's own config file, read the way linode-cli reads it: `~/.linode-cli` when that
 * (legacy) file exists, else `$XDG_CONFIG_HOME/linode-cli` (default `~/.config/linode-cli`).
 * An INI file: `[DEFAULT]` holds `default-user` (and, in old files, the values themselves);
 * each user's section holds `token`, `region`, `type`, `image`…, falling back to `[DEFAULT]`
 * as Python's configparser does. linode-cli reads no variable that names another file, so
 * neither does linode-build. Never written here; the token is never printed.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { homeDirectory } from '../paths.js';

type Env = NodeJS.ProcessEnv;

export function linodeCliConfigPath(env: Env): string {
  const legacy = path.join(homeDirectory(env), '.linode-cli');
  if (existsSync(legacy)) return legacy;
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

export interface LinodeCliConfig {
  readonly file: string;
  /** The user whose section applies (`default-user`, or the only user), if any. */
  readonly user?: string;
  /** A non-empty value for `key`: the user's section first, then `[DEFAULT]`. */
  get(key: string): string | undefined;
}

/** linode-cli's config, or undefined when there is no readable file. */
export function readLinodeCliConfig(env: Env): LinodeCliConfig | undefined {
  const file = linodeCliConfigPath(env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const sections = parseIni(text);
  const defaults = sections.get('DEFAULT')!;
  const users = [...sections.keys()].filter((name) => name !== 'DEFAULT');
  // linode-cli itself makes the only configured user the default one.
  const user = defaults.get('default-user') || (users.length === 1 ? users[0] : undefined);
  const section = user ? sections.get(user) : undefined;
  const get = (key: string) => {
    const value = section?.get(key) || defaults.get(key);
    return value ? value : undefined;
  };
  return { file, ...(user ? { user } : {}), get };
}

/** The values linode-cli fills in for `linodes create` when they are not given. */
export interface LinodeCliDefaults {
  readonly file: string;
  readonly region?: string;
  readonly type?: string;
  readonly image?: string;
}

export function linodeCliDefaults(env: Env): LinodeCliDefaults | undefined {
  const config = readLinodeCliConfig(env);
  if (!config) return undefined;
  const region = config.get('region');
  const type = config.get('type');
  const image = config.get('image');
  return {
    file: config.file,
    ...(region ? { region } : {}),
    ...(type ? { type } : {}),
    ...(image ? { image } : {}),
  };
}

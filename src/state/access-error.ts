/**
 * A file-system error that is the user's to fix — an unwritable or read-only directory, a file
 * where a directory belongs, a full disk — as one line saying which path, and one saying what
 * to do: for linode-build's own files, the variables that move them. The original reported
 * these as "unexpected failure … report it".
 */
import path from 'node:path';
import { CliError } from '../errors.js';
import { compileCacheDirectory, homeDirectory, stateDirectory } from '../paths.js';

const reasons: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'part of the path is a file, not a directory',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
};

/** The XDG base directories, each with its default under HOME. */
const xdgRoots = [
  ['XDG_CONFIG_HOME', '.config'],
  ['XDG_STATE_HOME', '.local/state'],
  ['XDG_CACHE_HOME', '.cache'],
] as const;

/** What moves `directory`: LINODE_BUILD_HOME always, and the XDG variable whose tree holds it. */
function movers(directory: string, env: NodeJS.ProcessEnv): string {
  const home = homeDirectory(env);
  const xdg = xdgRoots.find(([variable, fallback]) =>
    isInside(directory, env[variable] ? path.resolve(env[variable]) : path.join(home, fallback)),
  );
  const all = 'LINODE_BUILD_HOME=DIR moves all of them';
  return xdg && !env.LINODE_BUILD_HOME ? `${all}; ${xdg[0]} moves this one` : all;
}

function isInside(file: string, directory: string): boolean {
  const relative = path.relative(directory, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** The directory of linode-build's own files that holds `file`, if any. */
function ownDirectory(file: string, env: NodeJS.ProcessEnv): string | undefined {
  const home = homeDirectory(env);
  const roots = [
    ...(env.LINODE_BUILD_HOME ? [path.resolve(env.LINODE_BUILD_HOME)] : []),
    stateDirectory(env),
    path.dirname(compileCacheDirectory(env)),
    // The per-purpose XDG locations (config, state, cache) all end in linode-build.
    ...[env.XDG_CONFIG_HOME, env.XDG_STATE_HOME, env.XDG_CACHE_HOME, path.join(home, '.local', 'state')]
      .filter((root): root is string => Boolean(root))
      .map((root) => path.join(path.resolve(root), 'linode-build')),
  ];
  return roots.find((root) => isInside(file, root));
}

/** The CliError for an errno error the user can fix, or undefined for anything else. */
export function accessError(error: unknown, env: NodeJS.ProcessEnv): CliError | undefined {
  const { code, path: file } = (error ?? {}) as { code?: unknown; path?: unknown };
  if (typeof code !== 'string' || typeof file !== 'string' || !(code in reasons)) return undefined;
  const reason = `${code}: ${reasons[code]}`;
  const own = ownDirectory(path.resolve(file), env);
  if (own) {
    return new CliError(
      `cannot use linode-build's files in ${own}: ${file} (${reason}).`,
      `Make ${own} writable, or put linode-build's files elsewhere: ${movers(own, env)}.`,
    );
  }
  return new CliError(`cannot use ${file} (${reason}).`, 'Check its permissions, or choose another path.');
}

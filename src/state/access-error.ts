/**
 * A file-system error that is the user's to fix — an unwritable or read-only directory, a file
 * where a directory belongs, a full disk — as one line saying which path, and one saying what
 * to do: for linode-build's own files, the variables that move them. The original reported
 * these as "unexpected failure … report it".
 */
import path from 'node:path';
import { CliError } from '../errors.js';
import { type LocationKind, legacyDirectory, locationOf, xdgVariables } from '../paths.js';

const reasons: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'part of the path is a file, not a directory',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
};

function isInside(file: string, directory: string): boolean {
  const relative = path.relative(directory, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

interface OwnDirectory {
  readonly directory: string;
  /** config, cache or state; undefined for the pre-XDG directory (or LINODE_BUILD_HOME itself). */
  readonly kind?: LocationKind;
}

/** The directory of linode-build's own files that holds `file`, if any. */
function ownDirectory(file: string, env: NodeJS.ProcessEnv): OwnDirectory | undefined {
  const kinds: readonly LocationKind[] = ['config', 'cache', 'state'];
  const found = kinds.find((kind) => isInside(file, locationOf(kind, env)));
  if (found) return { directory: locationOf(found, env), kind: found };
  const legacy = legacyDirectory(env);
  return isInside(file, legacy) ? { directory: legacy } : undefined;
}

/** What moves `own`: LINODE_BUILD_HOME always, and the XDG variable of its kind. */
function movers(own: OwnDirectory, env: NodeJS.ProcessEnv): string {
  const all = 'LINODE_BUILD_HOME=DIR moves all of them';
  if (env.LINODE_BUILD_HOME || own.kind === undefined) return all;
  return `${all}; ${xdgVariables[own.kind][0]} moves this one`;
}

/** The CliError for an errno error the user can fix, or undefined for anything else. */
export function accessError(error: unknown, env: NodeJS.ProcessEnv): CliError | undefined {
  const { code, path: file } = (error ?? {}) as { code?: unknown; path?: unknown };
  if (typeof code !== 'string' || typeof file !== 'string' || !(code in reasons)) return undefined;
  const reason = `${code}: ${reasons[code]}`;
  const own = ownDirectory(path.resolve(file), env);
  if (own) {
    return new CliError(
      `cannot use linode-build's files in ${own.directory}: ${file} (${reason}).`,
      `Make ${own.directory} writable, or put linode-build's files elsewhere: ${movers(own, env)}.`,
    );
  }
  return new CliError(`cannot use ${file} (${reason}).`, 'Check its permissions, or choose another path.');
}

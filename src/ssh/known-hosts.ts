/**
 * linode-build's own known_hosts file: in the state directory, created 0600 before ssh runs.
 * It decides which host keys ssh trusts, so it is never written through a symlink (another
 * local user could point it at a file of theirs) and its mode is tightened on the open file.
 */
import { createHmac } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import path from 'node:path';
import { CliError } from '../errors.js';
import { statePaths } from '../paths.js';
import {
  ensurePrivateDirectory,
  PRIVATE_FILE_MODE,
  readFileIfExists,
  writeFileAtomic,
} from '../state/atomic.js';

export function knownHostsPath(env: NodeJS.ProcessEnv): string {
  return statePaths.knownHosts(env);
}

/** Creates the file (0600) if missing and tightens its mode if it was loosened; returns its path. */
export async function ensureKnownHosts(env: NodeJS.ProcessEnv): Promise<string> {
  const file = knownHostsPath(env);
  await ensurePrivateDirectory(path.dirname(file));
  const refuse = () =>
    new CliError(
      `${file} is a symbolic link; linode-build pins host keys only in a file of its own.`,
      `Remove the link (rm ${file}); the next connection pins the host key again.`,
    );
  const stats = await lstat(file).catch(() => undefined);
  if (stats?.isSymbolicLink()) throw refuse();
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(
      file,
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
      PRIVATE_FILE_MODE,
    );
  } catch (error) {
    // ELOOP: a link appeared between the check and the open.
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw refuse();
    throw error;
  }
  try {
    await handle.chmod(PRIVATE_FILE_MODE);
  } finally {
    await handle.close();
  }
  return file;
}

/**
 * Whether a known_hosts line pins a key for `host`: its host field lists it (plain, or
 * `[host]:port`), or holds it hashed (`|1|salt|hash`, HMAC-SHA1 of the name under the salt, as
 * ssh writes with HashKnownHosts). Comments and `@marker` lines never match.
 */
export function pinsHost(line: string, host: string): boolean {
  const field = line.trim().split(/\s+/)[0] ?? '';
  if (field === '' || field.startsWith('#') || field.startsWith('@')) return false;
  if (field.startsWith('|1|')) {
    const [salt, hash] = field.slice(3).split('|');
    if (!salt || !hash) return false;
    const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(host).digest('base64');
    return digest === hash;
  }
  return field.split(',').some((name) => name === host || name.startsWith(`[${host}]:`));
}

/**
 * Drops the pinned keys of `host` (a host-key alias), when the machine behind it was replaced by
 * one linode-build made: the next connection pins the new machine's key. Returns how many lines
 * went. The file is rewritten atomically, 0600, never through a link.
 */
export async function forgetHostKey(env: NodeJS.ProcessEnv, host: string): Promise<number> {
  const file = knownHostsPath(env);
  const text = await readFileIfExists(file);
  if (text === undefined) return 0;
  const lines = text.split('\n');
  const kept = lines.filter((line) => !pinsHost(line, host));
  if (kept.length === lines.length) return 0;
  await writeFileAtomic(file, kept.join('\n'), { mode: PRIVATE_FILE_MODE });
  return lines.length - kept.length;
}

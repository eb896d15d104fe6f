/**
 * linode-build's own known_hosts file: in the state directory, created 0600 before ssh runs.
 * It decides which host keys ssh trusts, so it is never written through a symlink (another
 * local user could point it at a file of theirs) and its mode is tightened on the open file.
 */
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import path from 'node:path';
import { CliError } from '../errors.js';
import { statePaths } from '../paths.js';
import { ensurePrivateDirectory, PRIVATE_FILE_MODE } from '../state/atomic.js';

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

/** linode-build's own known_hosts file: in the state directory, created 0600 before ssh runs. */
import { chmod, open } from 'node:fs/promises';
import path from 'node:path';
import { stateDirectory } from '../paths.js';
import { ensurePrivateDirectory, PRIVATE_FILE_MODE } from '../state/atomic.js';

export function knownHostsPath(env: NodeJS.ProcessEnv): string {
  return path.join(stateDirectory(env), 'known_hosts');
}

/** Creates the file (0600) if missing and tightens its mode if it was loosened; returns its path. */
export async function ensureKnownHosts(env: NodeJS.ProcessEnv): Promise<string> {
  const file = knownHostsPath(env);
  await ensurePrivateDirectory(path.dirname(file));
  const handle = await open(file, 'a', PRIVATE_FILE_MODE);
  await handle.close();
  await chmod(file, PRIVATE_FILE_MODE);
  return file;
}

/**
 * Per-deployment secrets (root password, watcher token): one file each under
 * statePaths.secrets/<deploymentId>/<name>, directory 0700, file created 0600 from the first
 * byte (never chmod-ed afterwards). Ids and names are validated so they cannot escape the
 * secrets directory.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { CliError } from '../errors.js';
import { statePaths } from '../paths.js';
import { PRIVATE_DIRECTORY_MODE, PRIVATE_FILE_MODE, readFileIfExists, writeFileAtomic } from './atomic.js';

type Env = NodeJS.ProcessEnv;

const DEPLOYMENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function secretPath(env: Env, deploymentId: string, name: string): string {
  return path.join(deploymentSecretsDirectory(env, deploymentId), checkName(name));
}

export async function writeSecret(
  env: Env,
  deploymentId: string,
  name: string,
  value: string,
): Promise<void> {
  await writeFileAtomic(secretPath(env, deploymentId, name), value, {
    mode: PRIVATE_FILE_MODE,
    directoryMode: PRIVATE_DIRECTORY_MODE,
  });
}

export async function readSecret(env: Env, deploymentId: string, name: string): Promise<string | undefined> {
  return readFileIfExists(secretPath(env, deploymentId, name));
}

/** Removes every secret of a deployment; absent is fine (destroy is idempotent). */
export async function removeSecrets(env: Env, deploymentId: string): Promise<void> {
  await rm(deploymentSecretsDirectory(env, deploymentId), { recursive: true, force: true });
}

function deploymentSecretsDirectory(env: Env, deploymentId: string): string {
  if (!DEPLOYMENT_ID.test(deploymentId)) {
    throw new CliError(
      `Refusing to use ${JSON.stringify(deploymentId)} as a deployment id for secret storage.`,
      'Deployment ids are letters, digits, "-" and "_" (see `linode-build status`).',
    );
  }
  return path.join(statePaths.secrets(env), deploymentId);
}

function checkName(name: string): string {
  if (!SECRET_NAME.test(name) || name.includes('..')) {
    throw new CliError(
      `Refusing to use ${JSON.stringify(name)} as a secret name.`,
      'Secret names are letters, digits, ".", "-" and "_", and cannot contain "..".',
    );
  }
  return name;
}

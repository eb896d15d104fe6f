/**
 * The local registry of deployments (registry.json): versioned, locked across processes,
 * replaced atomically. A file we cannot understand is reported with its path and left exactly
 * as it is — the original silently replaced unreadable state and lost every other entry.
 */
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { CliError } from '../errors.js';
import { statePaths } from '../paths.js';
import {
  ensurePrivateDirectory,
  isErrnoCode,
  parseStateJson,
  readFileIfExists,
  removeStaleTemporaries,
  writeFileAtomic,
} from './atomic.js';
import type { DeploymentRecord, DestroyedRecord, RegistryFile } from './types.js';

export const REGISTRY_VERSION = 1;

type Env = NodeJS.ProcessEnv;

export function emptyRegistry(): RegistryFile {
  return { version: REGISTRY_VERSION, deployments: [] };
}

export async function readRegistry(env: Env = process.env): Promise<RegistryFile> {
  const file = statePaths.registry(env);
  const text = await readFileIfExists(file);
  if (text === undefined) return emptyRegistry();
  return parseRegistry(text, file);
}

/** Parses registry text; `file` is only used to name the file in errors. */
export function parseRegistry(text: string, file: string): RegistryFile {
  const untouched = `${file} was left untouched`;
  const repair = `Repair or move the file aside (e.g. mv ${file} ${file}.bak), then run the command again.`;
  const data = parseStateJson(text, file, 'deployment registry', repair);
  if (!isObject(data) || typeof data.version !== 'number') {
    throw new CliError(
      `The deployment registry ${file} is not in a format linode-build understands; ${untouched}.`,
      repair,
    );
  }
  if (data.version > REGISTRY_VERSION) {
    throw new CliError(
      `The deployment registry ${file} has format version ${data.version}, written by a newer linode-build; ${untouched}.`,
      'Upgrade linode-build (npm install -g . in an updated checkout) to read it.',
    );
  }
  if (data.version !== REGISTRY_VERSION || !Array.isArray(data.deployments)) {
    throw new CliError(
      `The deployment registry ${file} has an unknown layout (version ${data.version}); ${untouched}.`,
      repair,
    );
  }
  const deployments = data.deployments as unknown[];
  deployments.forEach((record, index) => {
    if (!isObject(record) || !isNonEmptyString(record.id) || typeof record.app !== 'string') {
      throw new CliError(
        `The deployment registry ${file} has a malformed entry at position ${index + 1}; ${untouched}.`,
        `Fix or remove that entry in ${file}, then run the command again.`,
      );
    }
  });
  // The destroyed list is only a memory: entries this version cannot read are dropped, never fatal.
  const destroyed = Array.isArray(data.destroyed) ? data.destroyed.filter(isDestroyedRecord) : [];
  return {
    version: REGISTRY_VERSION,
    deployments: deployments as DeploymentRecord[],
    ...(destroyed.length > 0 ? { destroyed } : {}),
  };
}

function isDestroyedRecord(value: unknown): value is DestroyedRecord {
  return (
    isObject(value) &&
    isNonEmptyString(value.id) &&
    typeof value.app === 'string' &&
    typeof value.env === 'string' &&
    typeof value.destroyedAt === 'string'
  );
}

export function serializeRegistry(registry: RegistryFile): string {
  return `${JSON.stringify(registry, null, 2)}\n`;
}

/** Read-modify-write of the whole file under an inter-process lock, so parallel commands never lose a record. */
async function updateRegistryFile(
  env: Env,
  mutate: (current: RegistryFile) => RegistryFile,
): Promise<RegistryFile> {
  const file = statePaths.registry(env);
  return withFileLock(file, async () => {
    await removeStaleTemporaries(file);
    const next = mutate(await readRegistry(env));
    await writeFileAtomic(file, serializeRegistry(next));
    return next;
  });
}

/**
 * Read-modify-write of the deployment records under an inter-process lock.
 * `mutate` receives a copy of the records and returns the new list.
 */
export function updateRegistry(
  env: Env,
  mutate: (records: DeploymentRecord[]) => DeploymentRecord[],
): Promise<RegistryFile> {
  return updateRegistryFile(env, (current) => ({
    ...current,
    deployments: mutate([...current.deployments]),
  }));
}

/** Inserts the record, or replaces the one with the same id. */
export function upsertDeployment(env: Env, record: DeploymentRecord): Promise<RegistryFile> {
  return updateRegistry(env, (records) => {
    const index = records.findIndex((existing) => existing.id === record.id);
    if (index === -1) records.push(record);
    else records[index] = record;
    return records;
  });
}

/** Removes the record with this exact id; removing an absent id is not an error (destroy is idempotent). */
export function removeDeployment(env: Env, id: string): Promise<RegistryFile> {
  return updateRegistry(env, (records) => records.filter((record) => record.id !== id));
}

/** How many destroyed deployments the registry remembers. */
export const DESTROYED_KEPT = 100;

/**
 * Removes the record of a deployment that was destroyed and remembers its id, app and env, so
 * `destroy ID` run again says it is already gone instead of "no deployment matches".
 */
export function forgetDestroyed(
  env: Env,
  destroyed: Omit<DestroyedRecord, 'destroyedAt'>,
  at: Date,
): Promise<RegistryFile> {
  const memory: DestroyedRecord = { ...destroyed, destroyedAt: at.toISOString() };
  return updateRegistryFile(env, (current) => ({
    version: REGISTRY_VERSION,
    deployments: current.deployments.filter((record) => record.id !== destroyed.id),
    destroyed: [...(current.destroyed ?? []).filter((record) => record.id !== destroyed.id), memory].slice(
      -DESTROYED_KEPT,
    ),
  }));
}

/** Exact id first, else a unique prefix. Never matches by app or template name. */
export function findDeployment<T extends Pick<DeploymentRecord, 'id' | 'app' | 'env'>>(
  records: readonly T[],
  idOrPrefix: string,
): T {
  const wanted = idOrPrefix.trim();
  if (wanted === '') {
    throw new CliError('No deployment id given.', 'Pass an id or prefix; `linode-build status` lists them.');
  }
  const exact = records.find((record) => record.id === wanted);
  if (exact) return exact;
  const matches = records.filter((record) => record.id.startsWith(wanted));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    throw new CliError(
      `No deployment matches "${wanted}".`,
      'Run `linode-build status` to list deployments and their ids.',
    );
  }
  const candidates = matches.map((record) => `${record.id} (${record.app}, ${record.env})`).join(', ');
  throw new CliError(
    `"${wanted}" matches ${matches.length} deployments: ${candidates}.`,
    'Use a longer prefix or the full id.',
  );
}

const LOCK_STALE_MS = 10_000;

/**
 * Holds `<file>.lock` (a directory created atomically by proper-lockfile, refreshed while held
 * and considered stale after 10 s without refresh, so a killed process cannot wedge everyone).
 */
async function withFileLock<T>(file: string, action: () => Promise<T>): Promise<T> {
  await ensurePrivateDirectory(path.dirname(file));
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(file, {
      realpath: false,
      stale: LOCK_STALE_MS,
      retries: { retries: 400, factor: 1.2, minTimeout: 5, maxTimeout: 100, randomize: true },
    });
  } catch (error) {
    if (isErrnoCode(error, 'ELOCKED')) {
      throw new CliError(
        `The deployment registry is locked by another linode-build process (${file}.lock).`,
        `Wait for it to finish and retry; if no linode-build is running, remove ${file}.lock.`,
      );
    }
    throw error;
  }
  try {
    return await action();
  } finally {
    await release().catch(() => undefined);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

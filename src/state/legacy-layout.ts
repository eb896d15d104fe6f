/**
 * The layout before the XDG split: every file in one directory (legacyDirectory), and where
 * each of them belongs now. Cheap on purpose: every command asks pendingMigration() before it
 * runs (one stat and, only while an old directory exists, one readdir); the moving itself is
 * in migrate.ts, loaded only when there is something to move.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { cacheDirectory, type LocationKind, legacyDirectory, statePaths } from '../paths.js';

type Env = NodeJS.ProcessEnv;

/** Left in the old directory once the move is done: says where everything went, and that it ran. */
export const MIGRATION_NOTE = 'MOVED.txt';
/** The lock two linode-build processes take before moving anything (a directory, proper-lockfile's). */
export const MIGRATION_LOCK = '.migrate.lock';

export interface LegacyItem {
  /** Its name relative to the old directory, e.g. `registry.json` or `cache/types-….json`. */
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly kind: LocationKind;
}

/** The old layout's top-level entries and where each goes; `cache` is moved entry by entry. */
const destinations: Readonly<Record<string, { kind: LocationKind; to: (env: Env) => string }>> = {
  'registry.json': { kind: 'state', to: statePaths.registry },
  secrets: { kind: 'state', to: statePaths.secrets },
  known_hosts: { kind: 'state', to: statePaths.knownHosts },
  templates: { kind: 'config', to: statePaths.userTemplates },
};

function readNames(directory: string): string[] {
  try {
    return readdirSync(directory);
  } catch {
    return [];
  }
}

/** The old cache directory, unless it already is the new one (LINODE_BUILD_HOME keeps DIR/cache). */
export function legacyCacheDirectory(env: Env): string | undefined {
  const old = path.join(legacyDirectory(env), 'cache');
  return old === cacheDirectory(env) ? undefined : old;
}

/** True when an old directory holds files to move and has not been migrated yet. */
export function pendingMigration(env: Env): boolean {
  const legacy = legacyDirectory(env);
  if (existsSync(path.join(legacy, MIGRATION_NOTE))) return false;
  return readNames(legacy).some(
    (name) =>
      Object.hasOwn(destinations, name) || (name === 'cache' && legacyCacheDirectory(env) !== undefined),
  );
}

/** Everything in the old directory that has a new place, in a fixed order. */
export function legacyItems(env: Env): LegacyItem[] {
  const legacy = legacyDirectory(env);
  const names = readNames(legacy).sort();
  const items: LegacyItem[] = [];
  for (const name of names) {
    const destination = Object.hasOwn(destinations, name) ? destinations[name] : undefined;
    if (destination) {
      items.push({ name, from: path.join(legacy, name), to: destination.to(env), kind: destination.kind });
    }
  }
  const oldCache = names.includes('cache') ? legacyCacheDirectory(env) : undefined;
  if (oldCache) {
    for (const name of readNames(oldCache).sort()) {
      items.push({
        name: `cache/${name}`,
        from: path.join(oldCache, name),
        to: path.join(cacheDirectory(env), name),
        kind: 'cache',
      });
    }
  }
  return items;
}

/**
 * The one-time move from the single pre-XDG directory to the config, cache and state
 * directories (src/paths.ts). Rules, each tested in test/e2e/migrate.test.ts:
 *
 *   - lossless: each item is moved whole, by one rename (a directory) or link + unlink (a
 *     file), so it is at its old place or its new one, never half-way; across filesystems
 *     (EXDEV) it is copied under a temporary name beside its new place, then renamed into
 *     place, and only then removed from the old one;
 *   - never overwrites: an item whose new place is already taken stays where it is, and the
 *     note says so;
 *   - keeps modes: rename and link keep the inode; the copy keeps every file's and
 *     directory's mode (0600 secrets, 0700 directories);
 *   - once: it ends by writing MOVED.txt into the old directory (what went where, what
 *     stayed), and never runs while that file is there;
 *   - concurrent-safe: two commands started together take a lock in the old directory; the
 *     second finds MOVED.txt and does nothing.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, link, lstat, mkdir, readdir, rename, rm, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { CliError } from '../errors.js';
import { type LocationKind, legacyDirectory, locationOf } from '../paths.js';
import { VERSION } from '../version.js';
import { isErrnoCode, PRIVATE_DIRECTORY_MODE, syncDirectory, writeFileAtomic } from './atomic.js';
import {
  type LegacyItem,
  legacyCacheDirectory,
  legacyItems,
  MIGRATION_LOCK,
  MIGRATION_NOTE,
} from './legacy-layout.js';

type Env = NodeJS.ProcessEnv;

export interface MigrationReport {
  readonly legacy: string;
  readonly locations: Readonly<Record<LocationKind, string>>;
  readonly moved: readonly LegacyItem[];
  /** Items whose new place was already taken: left in the old directory, untouched. */
  readonly kept: readonly LegacyItem[];
  /** Other entries of the old directory (not linode-build's files, or leftovers): untouched. */
  readonly unknown: readonly string[];
  readonly note: string;
}

function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    (error: unknown) => {
      if (isErrnoCode(error, 'ENOENT')) return false;
      throw error;
    },
  );
}

function taken(error: unknown): boolean {
  return isErrnoCode(error, 'EEXIST') || isErrnoCode(error, 'ENOTEMPTY');
}

/**
 * Across filesystems: copy to a temporary name beside `to` (modes and times kept), put it in
 * place without replacing anything, then remove the original.
 */
async function copyAcross(from: string, to: string, isDirectory: boolean): Promise<boolean> {
  const temporary = path.join(
    path.dirname(to),
    `.${path.basename(to)}.migrating-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  try {
    await cp(from, temporary, {
      recursive: true,
      errorOnExist: true,
      force: false,
      preserveTimestamps: true,
      verbatimSymlinks: true,
    });
    if (isDirectory) await rename(temporary, to);
    else await link(temporary, to);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    if (taken(error)) return false;
    throw error;
  }
  if (!isDirectory) await unlink(temporary);
  await rm(from, { recursive: true, force: true });
  return true;
}

/** Moves one item without ever replacing what is at `to`; false when `to` is taken. */
async function moveItem(item: LegacyItem): Promise<boolean> {
  const { from, to } = item;
  await mkdir(path.dirname(to), { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
  if (await exists(to)) return false;
  const isDirectory = (await lstat(from)).isDirectory();
  try {
    if (isDirectory) {
      // rename(2) refuses a non-empty directory at `to` (ENOTEMPTY/EEXIST); one created empty
      // since the check above would be replaced, losing nothing.
      await rename(from, to);
    } else {
      // link(2) never replaces: EEXIST if `to` appeared since the check.
      await link(from, to);
      await unlink(from);
    }
  } catch (error) {
    if (taken(error)) return false;
    if (isErrnoCode(error, 'EXDEV')) return copyAcross(from, to, isDirectory);
    if (!isDirectory && (isErrnoCode(error, 'EPERM') || isErrnoCode(error, 'ENOTSUP'))) {
      // A filesystem without hard links: rename, checked just above under the migration lock.
      await rename(from, to);
    } else {
      throw error;
    }
  }
  await syncDirectory(path.dirname(to));
  return true;
}

function noteText(report: Omit<MigrationReport, 'note'>, at: Date): string {
  const lines = [
    `linode-build ${VERSION} keeps its files in the XDG base directories. On ${at.toISOString()} it`,
    'moved them out of this directory:',
    '',
    `  config (installed templates):                ${report.locations.config}`,
    `  state (deployment registry, secrets, known_hosts): ${report.locations.state}`,
    `  cache (API catalogues, list and compile caches):   ${report.locations.cache}`,
    '',
  ];
  if (report.moved.length > 0) {
    lines.push('Moved:', ...report.moved.map((item) => `  ${item.name} -> ${item.to}`), '');
  }
  if (report.kept.length > 0) {
    lines.push(
      'Left here, because the new place already held a file of that name (nothing was overwritten;',
      'compare the two and keep the one you need):',
      ...report.kept.map((item) => `  ${item.name} (new place: ${item.to})`),
      '',
    );
  }
  if (report.unknown.length > 0) {
    lines.push(
      'Left here, not linode-build files it knows:',
      ...report.unknown.map((name) => `  ${name}`),
      '',
    );
  }
  lines.push(
    'While this file is here linode-build never moves anything out of this directory again.',
    'Once you have checked the above, this directory can be deleted.',
  );
  return `${lines.join('\n')}\n`;
}

const LOCK_STALE_MS = 10_000;

async function lockLegacy(legacy: string): Promise<() => Promise<void>> {
  try {
    return await lockfile.lock(legacy, {
      lockfilePath: path.join(legacy, MIGRATION_LOCK),
      realpath: false,
      stale: LOCK_STALE_MS,
      retries: { retries: 600, factor: 1.2, minTimeout: 10, maxTimeout: 100, randomize: true },
    });
  } catch (error) {
    if (isErrnoCode(error, 'ELOCKED')) {
      throw new CliError(
        `another linode-build is moving its files out of ${legacy} (${path.join(legacy, MIGRATION_LOCK)}).`,
        `Wait for it to finish and retry; if no linode-build is running, remove ${path.join(legacy, MIGRATION_LOCK)}.`,
      );
    }
    throw error;
  }
}

/**
 * Moves the old directory's files to their new places, once. Undefined when another process
 * did it first (or there was nothing to do).
 */
export async function migrateLegacyLayout(env: Env, now = new Date()): Promise<MigrationReport | undefined> {
  const legacy = legacyDirectory(env);
  const release = await lockLegacy(legacy);
  try {
    const note = path.join(legacy, MIGRATION_NOTE);
    if (existsSync(note)) return undefined;
    const items = legacyItems(env);
    const moved: LegacyItem[] = [];
    const kept: LegacyItem[] = [];
    for (const item of items) (await moveItem(item)) ? moved.push(item) : kept.push(item);
    const oldCache = legacyCacheDirectory(env);
    if (oldCache) await rmdir(oldCache).catch(() => undefined); // only when emptied
    const known = new Set([MIGRATION_LOCK, ...kept.map((item) => item.name.split('/')[0]!)]);
    // Under LINODE_BUILD_HOME the new directories sit beside the old files.
    if (env.LINODE_BUILD_HOME) for (const kind of ['config', 'cache', 'state']) known.add(kind);
    const unknown = (await readdir(legacy)).filter((name) => !known.has(name)).sort();
    const locations = {
      config: locationOf('config', env),
      cache: locationOf('cache', env),
      state: locationOf('state', env),
    };
    const partial = { legacy, locations, moved, kept, unknown };
    await writeFileAtomic(note, noteText(partial, now), { createOnly: true });
    await syncDirectory(legacy);
    return { ...partial, note };
  } finally {
    await release().catch(() => undefined);
  }
}

/** The one line a command prints after moving the files. */
export function migrationMessage(report: MigrationReport): string {
  const { config, state, cache } = report.locations;
  const kept =
    report.kept.length > 0
      ? `; ${report.kept.length} left in place because the new place already had one (see ${report.note})`
      : `; ${report.note} says what went where`;
  return `Moved linode-build's files from ${report.legacy} to ${config}, ${state} and ${cache}${kept}.`;
}

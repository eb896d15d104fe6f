/**
 * A small on-disk cache for slow-changing API offerings (types, regions) in the cache
 * directory (statePaths.cache), keyed by API origin so a test server's answers never leak into real use.
 * A cache that cannot be read or written is ignored: it only saves requests.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { statePaths } from '../paths.js';
import { writeFileAtomic } from '../state/atomic.js';

interface CacheEntry<T> {
  readonly fetchedAt: number;
  readonly data: T;
}

export const offeringsTtlMs = 24 * 3_600_000;

export function cacheFile(env: NodeJS.ProcessEnv, name: string, apiOrigin: string): string {
  const key = createHash('sha256').update(apiOrigin).digest('hex').slice(0, 12);
  return path.join(statePaths.cache(env), `${name}-${key}.json`);
}

/** The cached data when it is younger than `ttlMs`, else undefined (missing, stale or unreadable). */
export async function readFresh<T>(file: string, ttlMs: number, now: number): Promise<T | undefined> {
  try {
    const entry = JSON.parse(await readFile(file, 'utf8')) as CacheEntry<T>;
    if (typeof entry.fetchedAt === 'number' && now - entry.fetchedAt < ttlMs && entry.fetchedAt <= now) {
      return entry.data;
    }
  } catch {
    // Missing or unreadable.
  }
  return undefined;
}

export async function cached<T>(
  file: string,
  ttlMs: number,
  now: number,
  load: () => Promise<T>,
): Promise<T> {
  const fresh = await readFresh<T>(file, ttlMs, now);
  if (fresh !== undefined) return fresh;
  const data = await load();
  const entry: CacheEntry<T> = { fetchedAt: now, data };
  await writeFileAtomic(file, JSON.stringify(entry), { mode: 0o644 }).catch(() => undefined);
  return data;
}

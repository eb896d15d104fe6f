/**
 * `templates list` with a cache of validation results, so that listing does not parse YAML.
 *
 * Why: listing is on the start-up budget (docs/benchmarks.md), and parsing and validating every
 * template costs more than the whole budget even with Node's compile cache, which keeps only
 * the code compiled at load, not the YAML parser's functions compiled on first call (measured
 * on Node 24: 3.7x `node -e ''` without this cache, 1.8x with it). Results are keyed
 * by each template file's path, size, mtime and inode, and by the validator's identity (CLI
 * version, the bundle file's mtime, the capability names); anything changed is revalidated,
 * through a dynamic import so the parser loads only then. A cache that cannot be read or
 * written is ignored: it only ever saves time.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { capabilityKnowledge } from '../capability/knowledge.js';
import { statePaths } from '../paths.js';
import { VERSION } from '../version.js';
import { type CatalogEntry, type CatalogOptions, discoverTemplates } from './locations.js';

const CACHE_FORMAT = 1;

interface CacheFile {
  readonly format: number;
  readonly validator: string;
  readonly entries: Record<string, { readonly stamp: string; readonly entry: CatalogEntry }>;
}

function stampOf(file: string): string | undefined {
  try {
    const stats = statSync(file);
    return `${stats.size}:${stats.mtimeMs}:${stats.ino}`;
  } catch {
    return undefined;
  }
}

function validatorIdentity(options: CatalogOptions): string {
  const knowledge = options.knowledge ?? capabilityKnowledge();
  return JSON.stringify([
    VERSION,
    stampOf(fileURLToPath(import.meta.url)) ?? '',
    [...knowledge.knownCapabilities].sort(),
    [...knowledge.capabilityAliases],
  ]);
}

function readCache(file: string, validator: string): CacheFile['entries'] {
  try {
    const cache = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
    if (cache.format === CACHE_FORMAT && cache.validator === validator && typeof cache.entries === 'object') {
      return cache.entries;
    }
  } catch {
    // Missing or unreadable: start afresh.
  }
  return {};
}

function writeCache(file: string, cache: CacheFile): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(cache), { mode: 0o600 });
    renameSync(temporary, file);
  } catch {
    // A read-only state directory only costs speed.
  }
}

export function listCacheFile(options: CatalogOptions = {}): string {
  return path.join(statePaths.cache(options.env), 'templates-list.json');
}

/** Same result as listTemplates, from the cache where the files have not changed. */
export async function listTemplatesCached(options: CatalogOptions = {}): Promise<CatalogEntry[]> {
  const cacheFile = listCacheFile(options);
  const validator = validatorIdentity(options);
  const cached = readCache(cacheFile, validator);
  const candidates = discoverTemplates(options);
  const fresh: CacheFile['entries'] = {};
  let changed = Object.keys(cached).length !== candidates.length;
  const entries: CatalogEntry[] = [];
  for (const candidate of candidates) {
    const stamp = stampOf(candidate.file) ?? 'missing';
    const key = `${candidate.source}:${candidate.overridesBundled}:${candidate.file}`;
    const hit = cached[key];
    let entry: CatalogEntry;
    if (hit && hit.stamp === stamp) {
      entry = hit.entry;
    } else {
      const { entryFor } = await import('./index.js');
      entry = entryFor(candidate, options);
      changed = true;
    }
    fresh[key] = { stamp, entry };
    entries.push(entry);
  }
  if (changed) writeCache(cacheFile, { format: CACHE_FORMAT, validator, entries: fresh });
  return entries;
}

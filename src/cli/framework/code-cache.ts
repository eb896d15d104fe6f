/**
 * Runs a CommonJS bundle through vm.Script with a V8 code cache, the way Node 22's
 * module.enableCompileCache() does (Node 20 has no such switch for ES modules).
 *
 * Why: a short command spends most of its start-up compiling JavaScript, and every function
 * it calls is compiled on its first call. The cache holds the bytecode of everything the
 * previous run compiled, so the next run skips that work (measured on `plan`: ~50 ms of
 * ~250). V8 refuses a cache made by another V8 version or with other flags; the file name
 * carries the bundle's content hash (V8 itself only checks the source length), so a cache
 * can never be applied to other code. A cache holds compiled code of the bundle's own
 * source only: no runtime values, so no secrets.
 *
 * A cache that is missing or refused is written when the process exits, to the first of
 * `cacheDirectories` that accepts it (atomically: temporary file, then rename). Failing to
 * read or write one only costs time.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

export type CacheOutcome = 'used' | 'missing' | 'rejected';

export interface CachedModule {
  readonly exports: unknown;
  /** What happened to the cache on this load. */
  readonly cache: CacheOutcome;
  /** The last cache file tried, when one was found. */
  readonly cacheFile?: string;
}

/** `plan-ABC123.cjs` → `plan-ABC123.cjs.v20.20.2-x64.v8cache`: one per bundle, Node and CPU. */
export function cacheFileName(bundle: string): string {
  return `${path.basename(bundle)}.${process.version}-${process.arch}.v8cache`;
}

function readCache(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Writes the cache to the first directory that takes it; drops older caches of the same bundle. */
function writeFirst(directories: readonly string[], name: string, data: Buffer, stem: string): void {
  for (const directory of directories) {
    const file = path.join(directory, name);
    const temporary = `${file}.${process.pid}.tmp`;
    try {
      mkdirSync(directory, { recursive: true, mode: 0o700 });
      writeFileSync(temporary, data, { mode: 0o600 });
      renameSync(temporary, file);
    } catch {
      try {
        rmSync(temporary, { force: true });
      } catch {
        // The directory itself is unusable (e.g. a file in its place): nothing was written.
      }
      continue;
    }
    // Caches of earlier builds of this bundle (another content hash) are dead weight.
    try {
      for (const entry of readdirSync(directory)) {
        if (entry !== name && entry.startsWith(`${stem}-`) && entry.endsWith('.v8cache')) {
          rmSync(path.join(directory, entry), { force: true });
        }
      }
    } catch {
      // Pruning is housekeeping only.
    }
    return;
  }
}

/**
 * Loads `bundle` (a CommonJS file) with its code cache from `cacheDirectories`. `stem` is the
 * bundle's name without its content hash (`plan` for `plan-ABC123.cjs`), for pruning.
 */
export function requireWithCodeCache(
  bundle: string,
  cacheDirectories: readonly string[],
  stem: string,
): CachedModule {
  const source = readFileSync(bundle, 'utf8');
  const name = cacheFileName(bundle);
  // The CommonJS wrapper on the first line keeps line numbers in stack traces.
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  let script: vm.Script | undefined;
  let cache: CacheOutcome = 'missing';
  let cacheFile: string | undefined;
  for (const directory of cacheDirectories) {
    const file = path.join(directory, name);
    const data = readCache(file);
    if (!data) continue;
    // A refused cache still compiles the source, so the last attempt is usable either way.
    script = new vm.Script(wrapped, { filename: bundle, cachedData: data });
    cacheFile = file;
    cache = script.cachedDataRejected ? 'rejected' : 'used';
    if (cache === 'used') break;
  }
  script ??= new vm.Script(wrapped, { filename: bundle });
  if (cache !== 'used') {
    const compiled = script;
    // At exit the cache covers every function this run compiled, not just the top level.
    process.once('exit', () => {
      writeFirst(cacheDirectories, name, compiled.createCachedData(), stem);
    });
  }
  const module = { exports: {} as unknown };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(bundle), module, bundle, path.dirname(bundle));
  return { exports: module.exports, cache, ...(cacheFile ? { cacheFile } : {}) };
}

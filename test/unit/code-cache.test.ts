/**
 * The V8 code cache loader (src/cli/framework/code-cache.ts), in real Node processes: the
 * cache is written when the process exits, so each load is its own process.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/cli.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'lb-code-cache-'));
const runner = path.join(work, 'runner.mjs');

/** A CommonJS "handler bundle" with enough functions for a cache to matter. */
function writeBundle(name: string, answer: number): string {
  const file = path.join(work, name);
  const functions = Array.from({ length: 50 }, (_, i) => `function f${i}(x) { return x + ${i}; }`).join('\n');
  writeFileSync(
    file,
    `${functions}\nexports.answer = () => f0(${answer});\nexports.file = __filename;\nexports.hasRequire = typeof require('node:path').join === 'function';\n`,
  );
  return file;
}

/** Loads BUNDLE with the given cache directories in a fresh process; prints what happened. */
function load(bundle: string, directories: readonly string[]) {
  const result = spawnSync(process.execPath, [runner, bundle, JSON.stringify(directories)], {
    encoding: 'utf8',
  });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as {
    cache: string;
    cacheFile?: string;
    answer: number;
    file: string;
    hasRequire: boolean;
  };
}

beforeAll(async () => {
  const entry = path.join(work, 'runner-entry.ts');
  writeFileSync(
    entry,
    [
      `import { requireWithCodeCache } from ${JSON.stringify(path.join(repoRoot, 'src/cli/framework/code-cache.ts'))};`,
      'const [bundle, directories] = process.argv.slice(2);',
      "const loaded = requireWithCodeCache(bundle, JSON.parse(directories), 'handler');",
      'const exports = loaded.exports as { answer: () => number; file: string; hasRequire: boolean };',
      'console.log(JSON.stringify({ cache: loaded.cache, cacheFile: loaded.cacheFile, answer: exports.answer(), file: exports.file, hasRequire: exports.hasRequire }));',
    ].join('\n'),
  );
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: runner,
  });
});

describe('requireWithCodeCache', () => {
  it('writes the cache at exit (0600), uses it next time, and runs the bundle the same way', () => {
    const bundle = writeBundle('handler-AAAA.cjs', 41);
    const dir = path.join(work, 'first');
    const cold = load(bundle, [dir]);
    expect(cold).toMatchObject({ cache: 'missing', answer: 41, file: bundle, hasRequire: true });
    const [cacheName] = readdirSync(dir);
    expect(cacheName).toBe(`handler-AAAA.cjs.${process.version}-${process.arch}.v8cache`);
    expect(statSync(path.join(dir, cacheName!)).mode & 0o777).toBe(0o600);
    const warm = load(bundle, [dir]);
    expect(warm).toMatchObject({ cache: 'used', cacheFile: path.join(dir, cacheName!), answer: 41 });
  });

  it('survives a corrupt cache: V8 refuses it, the bundle still runs, and a good cache replaces it', () => {
    const bundle = writeBundle('handler-BBBB.cjs', 1);
    const dir = path.join(work, 'corrupt');
    load(bundle, [dir]);
    const cacheFile = path.join(dir, readdirSync(dir)[0]!);
    writeFileSync(cacheFile, Buffer.alloc(statSync(cacheFile).size, 7));
    expect(load(bundle, [dir])).toMatchObject({ cache: 'rejected', answer: 1 });
    expect(load(bundle, [dir])).toMatchObject({ cache: 'used', answer: 1 });
  });

  it('falls back to the next directory when the first cannot be written, and reads it from there', () => {
    const bundle = writeBundle('handler-CCCC.cjs', 2);
    const blocked = path.join(work, 'not-a-directory');
    writeFileSync(blocked, 'a file where a directory would go');
    const fallback = path.join(work, 'fallback');
    expect(load(bundle, [path.join(blocked, 'cache'), fallback]).cache).toBe('missing');
    expect(readdirSync(fallback)).toHaveLength(1);
    expect(load(bundle, [path.join(blocked, 'cache'), fallback])).toMatchObject({ cache: 'used', answer: 2 });
  });

  it("drops earlier builds' caches of the same bundle, and nothing else", () => {
    const dir = path.join(work, 'prune');
    mkdirSync(dir);
    const suffix = `${process.version}-${process.arch}.v8cache`;
    writeFileSync(path.join(dir, `handler-OLD1.cjs.${suffix}`), 'stale');
    writeFileSync(path.join(dir, `other-OLD1.cjs.${suffix}`), 'another bundle');
    const bundle = writeBundle('handler-DDDD.cjs', 3);
    load(bundle, [dir]);
    expect(readdirSync(dir).sort()).toEqual([`handler-DDDD.cjs.${suffix}`, `other-OLD1.cjs.${suffix}`]);
  });

  it('never applies a cache to a bundle of the same length but other code (the name carries the hash)', () => {
    const first = writeBundle('handler-EEEE.cjs', 5);
    const dir = path.join(work, 'same-length');
    load(first, [dir]);
    const second = writeBundle('handler-FFFF.cjs', 6);
    expect(readFileSync(second).length).toBe(readFileSync(first).length);
    expect(load(second, [dir])).toMatchObject({ cache: 'missing', answer: 6 });
  });
});

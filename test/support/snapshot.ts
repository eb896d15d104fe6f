/**
 * A private copy of the built package for long-running terminal tests: the lazy chunks of a
 * running dashboard must not change under it when another suite rebuilds dist/. The copy holds
 * what the package ships (the wizard reads templates and writes the schema path); it is retried
 * until every chunk it references is present.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './cli.js';

const SHIPPED = ['bin', 'dist', 'templates', 'capabilities', 'schema', 'watcher/dist', 'package.json'];

/** Chunk files referenced (statically or by import()) from dist/ but not present in it. */
export function missingChunks(dist: string): string[] {
  const files = [
    path.join(dist, 'cli.js'),
    ...readdirSync(path.join(dist, 'chunks')).map((n) => path.join(dist, 'chunks', n)),
  ];
  const missing: string[] = [];
  for (const file of files) {
    for (const match of readFileSync(file, 'utf8').matchAll(/"(\.{1,2}\/[^"]+\.js)"/g)) {
      const target = path.resolve(path.dirname(file), match[1]!);
      if (!existsSync(target)) missing.push(target);
    }
  }
  return missing;
}

/** The path of the copied bin/linode-build.js. */
export async function snapshotBuild(prefix = 'lb-build-'): Promise<string> {
  for (let attempt = 1; attempt <= 10; attempt++) {
    const root = mkdtempSync(path.join(os.tmpdir(), prefix));
    try {
      for (const part of SHIPPED)
        cpSync(path.join(repoRoot, part), path.join(root, part), { recursive: true });
      if (missingChunks(path.join(root, 'dist')).length === 0) return path.join(root, 'bin/linode-build.js');
    } catch {
      // Copied while a build replaced dist/: try again.
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error('could not take a complete copy of dist/ (is a build running?)');
}

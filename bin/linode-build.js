#!/usr/bin/env -S node --
// Launcher (CommonJS: bin/package.json). A command with its own bundle (dist/entries.json, e.g.
// `plan`) runs from that one file through a V8 code cache (src/cli/launcher.ts); every other
// command loads the ES module CLI, dist/cli.js. Both are built by `npm run build`.
// The `--` in the shebang ends Node's own options: Node scans the whole command line for
// `--env-file` and exits 9 when that file is missing, even after the script path, so without
// it `plan --env-file nope.env` never reaches the CLI. (`env -S`: GNU coreutils 8.30+, macOS,
// the BSDs and npm's cmd-shim.)
'use strict';
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist');
let launched = false;
try {
  launched = require(path.join(dist, 'launcher.cjs')).runEntryIfAny(dist, process.argv.slice(2));
} catch (error) {
  // Not built: the ES module path below says so.
  if (!(error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes('launcher.cjs')))
    throw error;
}
if (!launched) {
  import('../dist/cli.js').catch((error) => {
    if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli.js')) {
      process.stderr.write('linode-build is not built yet.\nRun `npm run build` in the package directory.\n');
      process.exit(1);
    }
    throw error;
  });
}

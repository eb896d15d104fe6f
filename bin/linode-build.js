#!/usr/bin/env -S node --
// Runs the bundled CLI, dist/cli.js (built by `npm run build`). CommonJS (bin/package.json) so
// that a checkout that was never built gets a sentence instead of a module-resolution stack.
// The `--` in the shebang ends Node's own options: Node scans the whole command line for
// `--env-file` and exits 9 when that file is missing, even after the script path, so without
// it `plan --env-file nope.env` never reaches the CLI. (`env -S`: GNU coreutils 8.30+, macOS,
// the BSDs and npm's cmd-shim.)
'use strict';
import('../dist/cli.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli.js')) {
    process.stderr.write('linode-build is not built yet.\nRun `npm run build` in the package directory.\n');
    process.exit(1);
  }
  throw error;
});

#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/ by `npm run build` so start-up reads one file.
import('../dist/cli.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli.js')) {
    process.stderr.write('linode-build is not built yet.\nRun `npm run build` in the package directory.\n');
    process.exit(1);
  }
  throw error;
});

#!/usr/bin/env node
// Launcher (CommonJS: bin/package.json). A command with its own bundle (dist/entries.json, e.g.
// `plan`) runs from that one file through a V8 code cache (src/cli/launcher.ts); every other
// command loads the ES module CLI, dist/cli.js. Both are built by `npm run build`.
'use strict';
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist');
const argv = process.argv.slice(2);
// The command is the longest run of leading non-flag words that names one (at most three), as
// the CLI's own dispatch reads it; '' is no command at all (help, --version).
const words = argv.filter((word) => !word.startsWith('-'));
let entries = {};
if (process.env.LINODE_BUILD_NO_HANDLER_BUNDLES !== '1') {
  try {
    entries = require(path.join(dist, 'entries.json'));
  } catch {
    // Not built (the ES module path below says so) or built without entry bundles.
  }
}
let command;
for (let length = Math.min(words.length, 3); length >= 0 && command === undefined; length--) {
  const name = words.slice(0, length).join(' ');
  // A bare first word that is not a command is an error the full CLI explains: no shortcut.
  if (Object.hasOwn(entries, name) && (length > 0 || words.length === 0)) command = name;
}
const entry = command === undefined ? undefined : entries[command];
if (entry !== undefined) {
  require(path.join(dist, 'launcher.cjs')).runEntry(command, path.join(dist, entry), argv);
} else {
  import('../dist/cli.js').catch((error) => {
    if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli.js')) {
      process.stderr.write('linode-build is not built yet.\nRun `npm run build` in the package directory.\n');
      process.exit(1);
    }
    throw error;
  });
}

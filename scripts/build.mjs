// Bundles the CLI and the watcher with esbuild.
// Why a bundle: start-up is a product requirement (`--help` within 1.3x of `node -e ''`),
// and resolving hundreds of node_modules files costs more than parsing one file.
// Heavy dependencies (ink/react, @linode/api-v4) are reached only through dynamic
// import(), so with code splitting they land in separate chunks that light commands never load.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { rawTextPlugin } from './bundle-ts.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

const shared = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  logLevel: 'warning',
  legalComments: 'none',
  plugins: [rawTextPlugin],
};

// The watcher first: the buildwatch capability embeds its bundle in user-data.
const watcherEntry = path.join(root, 'watcher/src/main.ts');
const watcherBundle = path.join(root, 'watcher/dist/buildwatch.js');
if (existsSync(watcherEntry)) {
  await esbuild.build({
    ...shared,
    entryPoints: [watcherEntry],
    outfile: watcherBundle,
    // The instance runs this file directly with `node`; keep it one self-contained file.
    // node12: Ubuntu 22.04's own nodejs package (24.04 has 18), so no Node download at boot.
    target: 'node12',
    splitting: false,
    minify: true,
    banner: { js: '// BuildWatch: on-instance watcher for linode-build deployments.' },
  });
  writeBundleDelivery(watcherBundle);
}

/**
 * The bundle as user-data carries it (gz+b64) and its sha256, computed once here so that
 * every `plan` does not gzip and hash the same 35 KB again (start-up is a product target).
 * The gzip header's OS byte is pinned to Unix so the bytes do not depend on the build host.
 */
function writeBundleDelivery(bundleFile) {
  const bundle = readFileSync(bundleFile);
  const packed = gzipSync(bundle, { level: 9 });
  packed[9] = 3;
  writeFileSync(`${bundleFile}.gz.b64`, packed.toString('base64'));
  writeFileSync(`${bundleFile}.sha256`, createHash('sha256').update(bundle).digest('hex'));
}

rmSync(path.join(root, 'dist'), { recursive: true, force: true });

/**
 * Commands on the start-up budget, each built a second time as one CommonJS bundle from
 * src/cli/entries/: bin/linode-build.js runs it through vm.Script with a V8 code cache
 * (src/cli/launcher.ts), which ES modules cannot use on Node 20, and the full CLI takes its
 * handler from it (src/cli/framework/handler-bundle.ts). The content hash in the name keys
 * the cache. dist/entries.json tells the launcher which commands have one.
 */
/** Command (as typed; '' is the bare `linode-build` / `--help`) → its entry, and the file stem. */
const ENTRY_BUNDLES = [
  { command: 'plan', stem: 'plan', file: 'src/cli/entries/plan.ts' },
  { command: 'status', stem: 'status', file: 'src/cli/entries/status.ts' },
  { command: 'templates list', stem: 'templates-list', file: 'src/cli/entries/templates-list.ts' },
  { command: '', stem: 'help', file: 'src/cli/entries/help.ts' },
];
const commonjs = {
  ...shared,
  format: 'cjs',
  // Less to read and hash at every start; identifiers stay, so stack traces stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  external: ['react-devtools-core', 'ajv'],
  define: { 'import.meta.url': '__lbImportMetaUrl' },
  banner: { js: "const __lbImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  outdir: path.join(root, 'dist/handlers'),
  entryNames: '[name]-[hash]',
  outExtension: { '.js': '.cjs' },
  metafile: true,
};
/**
 * The help entry holds the whole command table but runs no handler (bin sends it only argv
 * without a command), so the handlers' dynamic imports are left out of it.
 */
const handlersLeftOut = {
  name: 'handlers-left-out',
  setup(build) {
    build.onResolve({ filter: /\/handlers\/[^/]+\.js$/, namespace: 'file' }, (args) =>
      args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined,
    );
  },
};
const handlerFiles = {};
for (const entry of ENTRY_BUNDLES) {
  const result = await esbuild.build({
    ...commonjs,
    entryPoints: { [entry.stem]: path.join(root, entry.file) },
    plugins: entry.command === '' ? [...shared.plugins, handlersLeftOut] : shared.plugins,
  });
  const [output] = Object.keys(result.metafile.outputs).filter((file) => file.endsWith('.cjs'));
  handlerFiles[entry.command] = path.relative(path.join(root, 'dist'), path.resolve(output));
}
writeFileSync(path.join(root, 'dist/entries.json'), `${JSON.stringify(handlerFiles, null, 2)}\n`);
await esbuild.build({
  ...commonjs,
  entryPoints: { launcher: path.join(root, 'src/cli/launcher.ts') },
  outdir: path.join(root, 'dist'),
  entryNames: '[name]',
});

await esbuild.build({
  ...shared,
  entryPoints: { cli: path.join(root, 'src/cli/main.ts') },
  outdir: path.join(root, 'dist'),
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  jsx: 'automatic',
  // Ink imports react-devtools-core only when DEV=true; it is not installed, so leave it unresolved.
  // Ajv is require()d only when a capability config must be validated (rare): left external, it
  // loads from node_modules on that first use instead of making every `plan` parse ~200 KB.
  external: ['react-devtools-core', 'ajv'],
  define: { __LB_HANDLER_BUNDLES__: JSON.stringify(handlerFiles) },
  // CommonJS dependencies bundled into ESM need a require() for node built-ins.
  banner: {
    js: "import { createRequire as __lbCreateRequire } from 'node:module'; const require = __lbCreateRequire(import.meta.url);",
  },
  metafile: true,
});

/**
 * One representative run of each entry that needs no API (plan, help, templates list) compiles
 * what it needs and leaves its code cache next to the bundle, so the first run after a build is
 * as fast as the next (the CLI writes a missing cache itself too, e.g. status's; this only
 * saves first runs). A throwaway state directory keeps the user's own state out of it. Failing
 * here costs start-up time, not correctness.
 */
const warmHome = mkdtempSync(path.join(os.tmpdir(), 'lb-build-warm-'));
for (const argv of [['plan', '--template', 'ml-pipeline'], ['--help'], ['templates', 'list']]) {
  const warm = spawnSync(process.execPath, [path.join(root, 'bin/linode-build.js'), ...argv], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LINODE_BUILD_HOME: warmHome },
    encoding: 'utf8',
  });
  if (warm.status !== 0)
    console.warn(`warning: could not warm the code cache (${argv.join(' ')}): ${warm.stderr}`);
}
rmSync(warmHome, { recursive: true, force: true });

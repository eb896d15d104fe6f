// Bundles the CLI and the watcher with esbuild.
// Why a bundle: start-up is a product requirement (docs/benchmarks.md), resolving hundreds of
// node_modules files costs more than reading one file, and users install no runtime
// dependencies at all (docs/dependencies.md). Heavy dependencies (ink/react, @linode/api-v4)
// are reached only through dynamic import(), so with code splitting they land in separate
// chunks that light commands never load. Compiled code is cached by Node itself
// (module.enableCompileCache, src/cli/main.ts), not by this build.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { rawTextPlugin } from './bundle-ts.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const watcherNode = JSON.parse(readFileSync(path.join(root, 'capabilities/buildwatch/node.json'), 'utf8'));

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
    // The Node line the capability installs on every image (capabilities/buildwatch/node.json).
    target: `node${watcherNode.version.split('.')[0]}`,
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

// The capability config validators and the template schema validator are Ajv standalone code
// generated from the schemas and committed (scripts/gen-validators.mjs); a build never ships
// stale ones.
const validators = spawnSync(process.execPath, [path.join(root, 'scripts/gen-validators.mjs'), '--check'], {
  encoding: 'utf8',
});
if (validators.status !== 0) {
  console.error(validators.stderr.trim() || validators.stdout.trim());
  process.exit(1);
}

rmSync(path.join(root, 'dist'), { recursive: true, force: true });

await esbuild.build({
  ...shared,
  entryPoints: { cli: path.join(root, 'src/cli/main.ts') },
  outdir: path.join(root, 'dist'),
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  jsx: 'automatic',
  // Ink imports react-devtools-core only when DEV=true; it is not installed, so leave it unresolved.
  external: ['react-devtools-core'],
  // CommonJS dependencies bundled into ESM need a require() for node built-ins.
  banner: {
    js: "import { createRequire as __lbCreateRequire } from 'node:module'; const require = __lbCreateRequire(import.meta.url);",
  },
});

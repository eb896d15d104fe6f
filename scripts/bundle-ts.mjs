// Bundles a TypeScript entry (with `?raw` text imports, as scripts/build.mjs supports) in
// memory and imports it, for tools that need the capability set without a full build
// (docs generation, benchmarks).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

export const repoRoot = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** `import text from './file.sh?raw'` gives the file's content, as under Vitest. */
export const rawTextPlugin = {
  name: 'raw-text',
  setup(build) {
    build.onResolve({ filter: /\?raw$/ }, (args) => ({
      path: path.resolve(args.resolveDir, args.path.slice(0, -'?raw'.length)),
      namespace: 'raw-text',
    }));
    build.onLoad({ filter: /.*/, namespace: 'raw-text' }, (args) => ({
      contents: readFileSync(args.path, 'utf8'),
      loader: 'text',
      watchFiles: [args.path],
    }));
  },
};

/** The bundled JavaScript of `contents` (TypeScript, imports relative to the repository root). */
export async function bundleTs(contents) {
  const result = await esbuild.build({
    stdin: { contents, resolveDir: repoRoot, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    logLevel: 'warning',
    plugins: [rawTextPlugin],
    // CommonJS dependencies bundled into ESM call require() for node built-ins (as in
    // scripts/build.mjs); resolved from the repository, since a data: URL has no directory.
    banner: {
      js: `import { createRequire as __lbCreateRequire } from 'node:module'; const require = __lbCreateRequire(${JSON.stringify(path.join(repoRoot, 'package.json'))});`,
    },
  });
  return result.outputFiles[0].text;
}

/** Bundles `contents` to `file` (for running it as its own process). */
export async function bundleTsToFile(contents, file) {
  writeFileSync(file, await bundleTs(contents));
  return file;
}

/** Bundles `contents` and imports it in this process. */
export async function importTs(contents) {
  const code = await bundleTs(contents);
  return import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
}

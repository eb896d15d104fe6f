/**
 * Command handlers on the start-up budget (`plan`) also ship as one CommonJS file each,
 * `dist/handlers/<name>-<hash>.cjs` (built by scripts/build.mjs), and load through the V8
 * code cache (code-cache.ts). Anywhere else — tests on the sources, a build without that
 * file, or LINODE_BUILD_NO_HANDLER_BUNDLES=1 — the handler's ES module loads as usual.
 */
import path from 'node:path';
import { packageRoot, statePaths } from '../../paths.js';
import { requireWithCodeCache } from './code-cache.js';

/** Handler name → its bundle under dist/, injected by scripts/build.mjs. */
declare const __LB_HANDLER_BUNDLES__: Readonly<Record<string, string>> | undefined;

export async function loadHandler<M>(name: string, load: () => Promise<M>): Promise<M> {
  const bundles = typeof __LB_HANDLER_BUNDLES__ === 'undefined' ? undefined : __LB_HANDLER_BUNDLES__;
  const file = bundles?.[name];
  if (file === undefined || process.env.LINODE_BUILD_NO_HANDLER_BUNDLES === '1') return load();
  const bundle = path.join(packageRoot(), 'dist', file);
  // Next to the bundle when that is writable (a build, CI); else the user's state directory.
  const loaded = requireWithCodeCache(
    bundle,
    [path.dirname(bundle), path.join(statePaths.cache(), 'code')],
    name,
  );
  if (process.env.LINODE_BUILD_DEBUG_CODE_CACHE === '1') {
    process.stderr.write(
      `code cache for ${name}: ${loaded.cache}${loaded.cacheFile ? ` (${loaded.cacheFile})` : ''}\n`,
    );
  }
  return loaded.exports as M;
}

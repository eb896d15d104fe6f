/**
 * Commands on the start-up budget (plan, status, templates list and the bare CLI: ENTRY_BUNDLES
 * in scripts/build.mjs) also ship as one CommonJS bundle each,
 * `dist/handlers/<name>-<hash>.cjs` (built by scripts/build.mjs from src/cli/entries/), run
 * through the V8 code cache (code-cache.ts): straight from bin/linode-build.js when the
 * command is that one (src/cli/launcher.ts), or as a handler from the full CLI. Anywhere else —
 * tests on the sources, a build without the bundle, or LINODE_BUILD_NO_HANDLER_BUNDLES=1 — the
 * handler's ES module loads as usual.
 */
import path from 'node:path';
import { packageRoot, statePaths } from '../../paths.js';
import { requireWithCodeCache } from './code-cache.js';

/** Handler name → its bundle under dist/, injected by scripts/build.mjs. */
declare const __LB_HANDLER_BUNDLES__: Readonly<Record<string, string>> | undefined;

/**
 * Loads the entry bundle for COMMAND ('' is the bare CLI); its cache sits next to it, else in
 * the state directory.
 */
export function loadBundle(command: string, bundle: string): unknown {
  // plan-ABC123.cjs → plan: caches of other builds of the same bundle share the stem.
  const stem = path.basename(bundle).replace(/-[A-Z0-9]+\.cjs$/, '');
  const loaded = requireWithCodeCache(
    bundle,
    [path.dirname(bundle), path.join(statePaths.cache(), 'code')],
    stem,
  );
  if (process.env.LINODE_BUILD_DEBUG_CODE_CACHE === '1') {
    const where = loaded.cacheFile ? ` (${loaded.cacheFile})` : '';
    process.stderr.write(`code cache for ${command || 'help'}: ${loaded.cache}${where}\n`);
  }
  return loaded.exports;
}

export async function loadHandler<M>(name: string, load: () => Promise<M>): Promise<M> {
  const bundles = typeof __LB_HANDLER_BUNDLES__ === 'undefined' ? undefined : __LB_HANDLER_BUNDLES__;
  const file = bundles?.[name];
  if (file === undefined || process.env.LINODE_BUILD_NO_HANDLER_BUNDLES === '1') return load();
  return loadBundle(name, path.join(packageRoot(), 'dist', file)) as M;
}

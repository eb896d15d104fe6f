/**
 * Where local state lives. One function so tests (LINODE_BUILD_HOME) and users
 * (XDG_CONFIG_HOME) redirect everything consistently.
 *
 *   LINODE_BUILD_HOME            → that directory is the whole state directory
 *   XDG_CONFIG_HOME              → $XDG_CONFIG_HOME/linode-cli.d/build
 *   otherwise                    → ~/.config/linode-cli.d/build
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function stateDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LINODE_BUILD_HOME) return path.resolve(env.LINODE_BUILD_HOME);
  const configHome = env.XDG_CONFIG_HOME
    ? path.resolve(env.XDG_CONFIG_HOME)
    : path.join(homeDirectory(env), '.config');
  return path.join(configHome, 'linode-cli.d', 'build');
}

export function homeDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env.HOME ? path.resolve(env.HOME) : os.homedir();
}

export const statePaths = {
  registry: (env?: NodeJS.ProcessEnv) => path.join(stateDirectory(env), 'registry.json'),
  userTemplates: (env?: NodeJS.ProcessEnv) => path.join(stateDirectory(env), 'templates'),
  /** Per-deployment secrets (root password, watcher token), each file 0600. */
  secrets: (env?: NodeJS.ProcessEnv) => path.join(stateDirectory(env), 'secrets'),
  cache: (env?: NodeJS.ProcessEnv) => path.join(stateDirectory(env), 'cache'),
};

/**
 * Where Node's own compile cache (module.enableCompileCache) keeps the CLI's compiled code:
 * a cache, so under the user's cache directory rather than the state directory, except that
 * LINODE_BUILD_HOME still redirects everything (tests, throwaway homes).
 *
 *   LINODE_BUILD_HOME            → $LINODE_BUILD_HOME/cache/compile-cache
 *   XDG_CACHE_HOME               → $XDG_CACHE_HOME/linode-build/compile-cache
 *   otherwise                    → ~/.cache/linode-build/compile-cache
 */
export function compileCacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LINODE_BUILD_HOME) return path.join(statePaths.cache(env), 'compile-cache');
  const cacheHome = env.XDG_CACHE_HOME
    ? path.resolve(env.XDG_CACHE_HOME)
    : path.join(homeDirectory(env), '.cache');
  return path.join(cacheHome, 'linode-build', 'compile-cache');
}

let cachedPackageRoot: string | undefined;

/**
 * The package root (where templates/ and schema/ ship). Found by walking up from this
 * module, because bundling moves it (dist/cli.js, dist/chunks/*.js, or src/ under tests).
 */
export function packageRoot(): string {
  if (cachedPackageRoot) return cachedPackageRoot;
  let directory = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(directory, 'package.json');
    if (existsSync(candidate)) {
      try {
        if (JSON.parse(readFileSync(candidate, 'utf8')).name === 'linode-build') {
          cachedPackageRoot = directory;
          return directory;
        }
      } catch {
        // Not our package.json; keep walking up.
      }
    }
    const parent = path.dirname(directory);
    if (parent === directory) throw new Error('linode-build package root not found');
    directory = parent;
  }
}

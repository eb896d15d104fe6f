/**
 * Where linode-build's own files live: one function per kind, so tests (LINODE_BUILD_HOME) and
 * users (the XDG variables) redirect everything consistently.
 *
 *   kind     what                                               default (XDG variable)
 *   config   installed templates, preferences                   ~/.config/linode-build      (XDG_CONFIG_HOME)
 *   cache    API catalogues (types, regions), the templates-    ~/.cache/linode-build       (XDG_CACHE_HOME)
 *            list cache, Node's compile cache
 *   state    the deployment registry, secrets, known_hosts      ~/.local/state/linode-build (XDG_STATE_HOME)
 *
 * LINODE_BUILD_HOME=DIR replaces all three with DIR/config, DIR/cache and DIR/state (one
 * throwaway root for tests, the sandbox, or a second identity). Before the XDG split every file
 * lived in one directory (legacyDirectory); src/state/migrate.ts moves them out once.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

type Env = NodeJS.ProcessEnv;

export type LocationKind = 'config' | 'cache' | 'state';

/** The XDG variable that moves each kind, and its default under HOME. */
export const xdgVariables: Readonly<Record<LocationKind, readonly [variable: string, fallback: string]>> = {
  config: ['XDG_CONFIG_HOME', '.config'],
  cache: ['XDG_CACHE_HOME', '.cache'],
  state: ['XDG_STATE_HOME', path.join('.local', 'state')],
};

export function homeDirectory(env: Env = process.env): string {
  return env.HOME ? path.resolve(env.HOME) : os.homedir();
}

/** $XDG_<KIND>_HOME, or its default under HOME. The spec says a relative value is ignored. */
export function xdgBase(kind: LocationKind, env: Env = process.env): string {
  const [variable, fallback] = xdgVariables[kind];
  const value = env[variable];
  return value && path.isAbsolute(value) ? path.resolve(value) : path.join(homeDirectory(env), fallback);
}

/** linode-build's directory of this kind. */
export function locationOf(kind: LocationKind, env: Env = process.env): string {
  if (env.LINODE_BUILD_HOME) return path.join(path.resolve(env.LINODE_BUILD_HOME), kind);
  return path.join(xdgBase(kind, env), 'linode-build');
}

export const configDirectory = (env?: Env) => locationOf('config', env);
export const cacheDirectory = (env?: Env) => locationOf('cache', env);
export const stateDirectory = (env?: Env) => locationOf('state', env);

/**
 * The single directory every file lived in before the XDG split: LINODE_BUILD_HOME itself, or
 * $XDG_CONFIG_HOME/linode-cli.d/build (~/.config/linode-cli.d/build).
 */
export function legacyDirectory(env: Env = process.env): string {
  if (env.LINODE_BUILD_HOME) return path.resolve(env.LINODE_BUILD_HOME);
  return path.join(xdgBase('config', env), 'linode-cli.d', 'build');
}

export const statePaths = {
  registry: (env?: Env) => path.join(stateDirectory(env), 'registry.json'),
  /** Per-deployment secrets (root password, watcher token, digest key), each file 0600. */
  secrets: (env?: Env) => path.join(stateDirectory(env), 'secrets'),
  /** Host keys pinned per deployment. */
  knownHosts: (env?: Env) => path.join(stateDirectory(env), 'known_hosts'),
  userTemplates: (env?: Env) => path.join(configDirectory(env), 'templates'),
  cache: (env?: Env) => cacheDirectory(env),
};

/**
 * Where Node's own compile cache (module.enableCompileCache) keeps the CLI's compiled code.
 * main.ts calls this before anything else loads, so it stays in this small module.
 */
export function compileCacheDirectory(env: Env = process.env): string {
  return path.join(cacheDirectory(env), 'compile-cache');
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

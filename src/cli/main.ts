/**
 * Entry point of the bundled CLI (dist/cli.js). Most of a short command's start-up is
 * compiling JavaScript, so Node's own compile cache is turned on first (Node 22.1+; Node 20
 * has no such switch and compiles on every run): it keeps the compiled code of every module
 * loaded after this call, keyed by Node version and source, under the user's cache directory
 * (compileCacheDirectory). Failing to use it only costs time. The CLI is imported dynamically
 * so that it is compiled after the cache is on.
 */
import module from 'node:module';
import { compileCacheDirectory } from '../paths.js';

// @types/node follows the oldest Node we run on (20), which lacks this function.
const { enableCompileCache } = module as { enableCompileCache?: (directory: string) => unknown };
enableCompileCache?.(compileCacheDirectory());
await import('./start.js');

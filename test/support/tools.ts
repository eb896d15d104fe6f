/**
 * External tools the conformance tests use (cloud-init, shellcheck, systemd-analyze, dockerd,
 * tmux). Locally a missing tool skips the test with a printed reason; in CI (CI=true) it fails,
 * because .ci/run installs every one of them and a silent skip would hide a broken check.
 */
import { spawnSync } from 'node:child_process';

const cache = new Map<string, boolean>();

export function hasTool(name: string): boolean {
  let found = cache.get(name);
  if (found === undefined) {
    found = spawnSync('sh', ['-c', `command -v "$1"`, 'sh', name], { stdio: 'ignore' }).status === 0;
    cache.set(name, found);
  }
  return found;
}

export const inCI = process.env.CI === 'true' || process.env.CI === '1';

/**
 * Returns true when the tools are present. When one is missing: in CI, throws (the suite fails);
 * locally, prints why and returns false so the caller can `describe.skipIf(!ok)`.
 */
export function toolsAvailable(...names: string[]): boolean {
  const missing = names.filter((name) => !hasTool(name));
  if (missing.length === 0) return true;
  const reason = `missing tool(s): ${missing.join(', ')} (install them, e.g. with .ci/run's apt list)`;
  if (inCI) throw new Error(`CI must run every test, but ${reason}`);
  console.warn(`[skipped] ${reason}`);
  return false;
}

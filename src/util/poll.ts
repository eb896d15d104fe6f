/** How often to ask again for a state change (instance deleted, booted, healthy). */

/** Poll interval for state changes; LINODE_BUILD_POLL_MS shortens it in tests. */
export function pollInterval(env: NodeJS.ProcessEnv, fallbackMs = 2000): number {
  const value = Number(env.LINODE_BUILD_POLL_MS);
  return env.LINODE_BUILD_POLL_MS && Number.isFinite(value) && value >= 0 ? value : fallbackMs;
}

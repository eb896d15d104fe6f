/**
 * Reading the `build-expires:<UTC minute>` tag (written by the planner via expiryStamp). Kept
 * free of imports so the status merge can use it without an import cycle.
 */

const EXPIRES_PREFIX = 'build-expires:';
const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?Z$/;

/** The expiry recorded in an instance's tags, as an ISO string; undefined if absent or unreadable. */
export function expiryFromTags(tags: readonly string[]): string | undefined {
  const value = tags.find((tag) => tag.startsWith(EXPIRES_PREFIX))?.slice(EXPIRES_PREFIX.length);
  // Anything but our own stamp is not ours to act on: reap must never guess a date.
  if (!value || !STAMP.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/**
 * Names Linode sees: the instance label, the firewall label and the tags. Linode labels allow
 * letters, digits, `-`, `_` and `.`, must start and end with a letter or digit, and must not
 * contain `--`, `__` or `..`; instance labels are 3–64 characters, firewall labels 3–32,
 * tags 3–50. The deployment id makes every label unique, even for re-deploys in one minute.
 */

/** Lowercase letters, digits and single hyphens; `fallback` when nothing is left. */
export function slug(text: string, fallback: string): string {
  const result = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return result === '' ? fallback : result;
}

/** Cuts to `max` characters without leaving a separator at the end. */
function cut(text: string, max: number): string {
  return text.slice(0, max).replace(/[-_.]+$/, '');
}

/** `<app>-<env>-<id>`, at most 64 characters. */
export function instanceLabel(appName: string, envName: string, deploymentId: string): string {
  const env = cut(slug(envName, 'env'), 16);
  const app = cut(slug(appName, 'app'), 64 - deploymentId.length - env.length - 2);
  return `${app}-${env}-${deploymentId}`;
}

/** `lb-<id>-<app>`, at most 32 characters. */
export function firewallLabel(appName: string, deploymentId: string): string {
  const prefix = `lb-${deploymentId}`;
  const app = cut(slug(appName, 'app'), 32 - prefix.length - 1);
  return app === '' ? prefix : `${prefix}-${app}`;
}

/** A firewall rule label (3–32 characters). */
export function ruleLabel(text: string): string {
  const label = cut(slug(text, 'rule'), 32);
  return label.length >= 3 ? label : `${label}-rule`;
}

export const TAG_MAX = 50;

/** `prefix:value`, with the value cut so the tag fits in 50 characters. */
export function tag(prefix: string, value: string): string {
  return `${prefix}:${value}`.slice(0, TAG_MAX);
}

/** `2026-01-02T03:04Z`: minute precision, UTC, rounded up so a lifetime is never cut short. */
export function expiryStamp(date: Date): string {
  const minute = 60_000;
  return `${new Date(Math.ceil(date.getTime() / minute) * minute).toISOString().slice(0, 16)}Z`;
}

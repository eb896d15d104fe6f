/**
 * What a deployment was made from, kept so the next `deploy` can say what changed and how it
 * must be applied. Pure: a plan and a per-deployment key in, a fingerprint out.
 *
 * Every field holds an HMAC-SHA256 of its value under the deployment's own `digest-key` (a
 * 0600 secret file), never the value: an env value or a command line may be a secret, and a
 * plain hash of a short secret is easy to reverse by guessing. Fields that are not secret
 * (region, image, ports, health check …) also keep a short `shown` text so `plan` can say
 * "8080 → 9090" instead of "changed".
 *
 * Each field has a level, which decides how a change is applied:
 *   - `api`: the Cloud Firewall's rules and the instance's tags, changed through the API;
 *   - `app`: what the app unit reads (app.conf, app.env, the unit, hooks, setup.files),
 *     uploaded over SSH and restarted in place, health-gated;
 *   - `machine`: what cloud-init does once (capabilities, packages, image, region, type,
 *     setup.script): only a new instance can apply it (`deploy --replace`).
 */
import { createHmac } from 'node:crypto';
import { APP_PART, ENV_PART, SETUP_PART } from '../cloudinit/app.js';
import type { CloudFile } from '../cloudinit/types.js';
import type { DeployPlan } from './types.js';

export type ChangeLevel = 'api' | 'app' | 'machine';

export interface FieldPrint {
  readonly level: ChangeLevel;
  /** HMAC-SHA256 (hex) of the value under the deployment's digest key. */
  readonly digest: string;
  /** A summary safe to print (never set for values that may be secret). */
  readonly shown?: string;
  /**
   * A field that covers everything of its level not named by another field (e.g. run
   * arguments a capability adds): reported only when no named field of that level changed.
   */
  readonly catchAll?: true;
}

export interface PlanPrint {
  readonly version: 1;
  readonly fields: Readonly<Record<string, FieldPrint>>;
}

export type FieldChangeKind = 'added' | 'removed' | 'changed';

export interface FieldChange {
  readonly field: string;
  readonly level: ChangeLevel;
  readonly kind: FieldChangeKind;
  /** Printable old and new values, when the field is not secret. */
  readonly from?: string;
  readonly to?: string;
}

/** What converging to a plan takes, from the strongest change. */
export type ConvergeAction = 'unchanged' | 'api' | 'app' | 'replace';

const SHOWN_MAX = 120;

function shorten(text: string): string {
  return text.length <= SHOWN_MAX ? text : `${text.slice(0, SHOWN_MAX - 1)}…`;
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(
          Object.entries(item as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : item,
  );
}

function fileValue(files: readonly CloudFile[]): string {
  return canonical(
    [...files]
      .sort((a, b) => a.path.localeCompare(b.path))
      .map((file) => [file.path, file.permissions, file.owner, file.encoding ?? '', file.content]),
  );
}

export function fingerprintPlan(plan: DeployPlan, key: string): PlanPrint {
  const fields: Record<string, FieldPrint> = {};
  const add = (name: string, level: ChangeLevel, value: unknown, shown?: string, catchAll?: boolean) => {
    const digest = createHmac('sha256', key)
      .update(`${name}\0${canonical(value)}`)
      .digest('hex');
    fields[name] = {
      level,
      digest,
      ...(shown !== undefined ? { shown: shorten(shown) } : {}),
      ...(catchAll ? { catchAll: true as const } : {}),
    };
  };
  const { context, template } = plan;
  const container = template.deploy.linode.container;
  const setupFilePaths = new Set(template.setup.files.map((file) => file.path));

  // Machine: what cloud-init does once.
  add('region', 'machine', context.region, context.region);
  add('image', 'machine', context.image, context.image);
  add('type', 'machine', context.type, context.type);
  add('runtime', 'machine', template.capabilities.runtime, template.capabilities.runtime);
  add(
    'capabilities',
    'machine',
    plan.capabilities.map((capability) => [capability.name, capability.config]),
    plan.capabilities.map((capability) => capability.name).join(', '),
  );
  add('packages', 'machine', plan.packages, plan.packages.join(' ') || 'none');
  for (const capability of plan.capabilities) {
    add(
      `capability ${capability.name}`,
      'machine',
      fileValue(plan.writeFiles.filter((file) => file.part === capability.name)),
      undefined,
      true,
    );
  }
  if (template.setup.script !== undefined) add('setup.script', 'machine', template.setup.script);
  add(
    'boot files',
    'machine',
    fileValue(plan.writeFiles.filter((file) => file.part === SETUP_PART && !setupFilePaths.has(file.path))),
    undefined,
    true,
  );

  // App: what the app unit reads; uploaded and restarted in place.
  if (container) {
    add('container.image', 'app', container.image, container.image);
    add('container.command', 'app', container.command ?? null);
    add(
      'container.ports',
      'app',
      [container.external_port, container.internal_port],
      `${container.external_port}:${container.internal_port}`,
    );
    add(
      'container.health',
      'app',
      container.health ?? null,
      container.health ? healthSummary(container.health) : 'none',
    );
    add('container.volumes', 'app', container.volumes, container.volumes.join(' ') || 'none');
    if (container.post_start_script !== undefined) {
      add('container.post_start_script', 'app', container.post_start_script);
    }
  }
  for (const file of plan.writeFiles) {
    if (setupFilePaths.has(file.path)) add(`setup.files ${file.path}`, 'app', fileValue([file]));
  }
  for (const [name, value] of Object.entries(plan.envValues)) add(`env ${name}`, 'app', value);
  add(
    'app files',
    'app',
    fileValue(plan.writeFiles.filter((file) => file.part === APP_PART || file.part === ENV_PART)),
    undefined,
    true,
  );

  // API: changed on the live resources.
  add('firewall', 'api', plan.firewall.rules, firewallSummary(plan));
  const tags = plan.instance.tags.filter((tag) => !tag.startsWith('build-id:'));
  add('tags', 'api', tags, tags.join(' '));
  return { version: 1, fields };
}

function healthSummary(
  health: NonNullable<NonNullable<DeployPlan['template']['deploy']['linode']['container']>['health']>,
): string {
  const where = health.type === 'http' ? ` ${health.path ?? '/'}` : health.port ? ` :${health.port}` : '';
  return `${health.type}${where} every ${health.interval_seconds}s, ${health.max_retries} retries`;
}

function firewallSummary(plan: DeployPlan): string {
  return plan.firewall.rules.inbound
    .map((rule) => {
      const sources = [...(rule.addresses.ipv4 ?? []), ...(rule.addresses.ipv6 ?? [])];
      const everywhere = sources.every((source) => source === '0.0.0.0/0' || source === '::/0');
      return `${rule.protocol} ${rule.ports ?? 'all'}${everywhere ? '' : ` from ${sources.join(',')}`}`;
    })
    .join(', ');
}

/** Field-by-field differences, named fields first; catch-alls only when they add something. */
export function diffPrints(before: PlanPrint, after: PlanPrint): FieldChange[] {
  const names = [...new Set([...Object.keys(before.fields), ...Object.keys(after.fields)])];
  const changes: (FieldChange & { catchAll: boolean })[] = [];
  for (const field of names) {
    const old = before.fields[field];
    const next = after.fields[field];
    if (old && next && old.digest === next.digest) continue;
    const level = (next ?? old)!.level;
    const kind: FieldChangeKind = !old ? 'added' : !next ? 'removed' : 'changed';
    changes.push({
      field,
      level,
      kind,
      ...(old?.shown !== undefined ? { from: old.shown } : {}),
      ...(next?.shown !== undefined ? { to: next.shown } : {}),
      catchAll: Boolean((next ?? old)!.catchAll),
    });
  }
  const namedLevels = new Set(changes.filter((change) => !change.catchAll).map((change) => change.level));
  return changes
    .filter((change) => !change.catchAll || !namedLevels.has(change.level))
    .map(({ catchAll: _catchAll, ...change }) => change);
}

export function convergeAction(changes: readonly FieldChange[]): ConvergeAction {
  if (changes.some((change) => change.level === 'machine')) return 'replace';
  if (changes.some((change) => change.level === 'app')) return 'app';
  if (changes.some((change) => change.level === 'api')) return 'api';
  return 'unchanged';
}

/** Whether a parsed value is a fingerprint this version understands (records may predate it). */
export function isPlanPrint(value: unknown): value is PlanPrint {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { version?: unknown }).version === 1 &&
    typeof (value as { fields?: unknown }).fields === 'object'
  );
}

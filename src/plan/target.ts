/**
 * Where and as what a deployment runs: the template's defaults with command-line overrides
 * applied. One function so `plan` and `deploy` can never disagree about what they target.
 */
import { defaultUserDataEncoding, type UserDataEncoding } from '../cloudinit/payload.js';
import { CliError, UsageError } from '../errors.js';
import {
  APP_NAME_RULE,
  ENV_NAME_RULE,
  type FieldRule,
  followsRule,
  IMAGE_RULE,
  REGION_RULE,
  TYPE_RULE,
} from '../template/field-rules.js';
import { EXAMPLE_GPU_PLANS, isGpuPlan, MAX_REPLICAS, replicasProblem } from '../template/rules.js';
import type { Template } from '../template/types.js';
import { parseLifetime } from '../util/duration.js';

export interface TargetOverrides {
  readonly region?: string | undefined;
  readonly type?: string | undefined;
  readonly image?: string | undefined;
  readonly appName?: string | undefined;
  readonly envName?: string | undefined;
  /** `--ttl`; wins over the template's `lifetime`. */
  readonly ttl?: string | undefined;
  /** `--idle`; wins over the template's `lifetime.idle`. */
  readonly idle?: string | undefined;
  /** `--user-data-encoding`: gzip or plain; default by image. */
  readonly userDataEncoding?: string | undefined;
  /** `--replicas`; wins over the template's `deploy.linode.replicas`. */
  readonly replicas?: number | undefined;
}

/** Where a region, type or image came from, as `plan` shows it. */
export type ValueOrigin = 'flag' | 'deploy.yml' | 'template' | 'linode-cli default' | 'built-in default';

/** linode-cli's configured defaults (src/linode/cli-config.ts), used when the template has none. */
export interface TargetFallbacks {
  readonly region?: string | undefined;
  readonly type?: string | undefined;
  readonly image?: string | undefined;
  /** The config file, for errors. */
  readonly file?: string | undefined;
}

export interface DeploymentTarget {
  readonly region: string;
  readonly type: string;
  readonly image: string;
  readonly appName: string;
  readonly envName: string;
  readonly expiresAt?: Date;
  /** The idle limit `reap` applies (build-idle: tag), checked. */
  readonly idleLimit?: string;
  readonly userDataEncoding: UserDataEncoding;
  /** Instances behind the NodeBalancer; 1 is a single instance without one. */
  readonly replicas: number;
  /** Where region, type and image came from: flag > deploy.yml/template > linode-cli > built-in. */
  readonly origins: { readonly region: ValueOrigin; readonly type: ValueOrigin; readonly image: ValueOrigin };
}

/**
 * Refuses a flag value its template field would not accept. The value is shown JSON-quoted
 * (it may hold control characters) and cut short; these flags never carry secrets.
 */
function checkOverride(flag: string, value: string | undefined, fieldRule: FieldRule): void {
  if (value === undefined || followsRule(value, fieldRule)) return;
  const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  throw new UsageError(
    `${flag} ${shown} is not valid.`,
    `Use ${fieldRule.expected}: the rule for ${fieldRule.field} in a template.`,
  );
}

/** Every override that ends up in a label, tag, unit or API request is checked like its field. */
export function checkOverrides(overrides: TargetOverrides): void {
  checkOverride('--app-name', overrides.appName, APP_NAME_RULE);
  checkOverride('--env', overrides.envName, ENV_NAME_RULE);
  checkOverride('--region', overrides.region, REGION_RULE);
  checkOverride('--type', overrides.type, TYPE_RULE);
  checkOverride('--image', overrides.image, IMAGE_RULE);
}

/** A value linode-cli's config supplies is checked like the template field it stands for. */
function checkFallback(
  key: string,
  value: string | undefined,
  file: string | undefined,
  rule: FieldRule,
): void {
  if (value === undefined || followsRule(value, rule)) return;
  throw new CliError(
    `the default ${key} ${JSON.stringify(value.slice(0, 80))} in linode-cli's config${file ? ` (${file})` : ''} is not valid.`,
    `Fix it with 'linode-cli configure', or pass --${key}; it must be ${rule.expected}.`,
  );
}

/** The first of flag, template, linode-cli default, built-in default that is set, and which it was. */
function pick(
  candidates: readonly (readonly [string | undefined, ValueOrigin])[],
): [string | undefined, ValueOrigin] {
  const found = candidates.find(([value]) => value !== undefined);
  return found ? [found[0], found[1]] : [undefined, candidates[candidates.length - 1]![1]];
}

/**
 * Pure: `now` is an input. `source` names the file in errors (`deploy.yml`, `the template`).
 * `fallbacks` are linode-cli's configured defaults, used only where the template has no value.
 */
export function deploymentTarget(
  template: Template,
  overrides: TargetOverrides,
  now: Date,
  source = 'the template',
  fallbacks: TargetFallbacks = {},
): DeploymentTarget {
  checkOverrides(overrides);
  const linode = template.deploy.linode;
  const own: ValueOrigin = source === 'deploy.yml' ? 'deploy.yml' : 'template';
  const cli = 'linode-cli default';
  const [region, regionOrigin] = pick([
    [overrides.region, 'flag'],
    [linode.region_default, own],
    [fallbacks.region, cli],
  ]);
  const [type, typeOrigin] = pick([
    [overrides.type, 'flag'],
    [linode.type_default, own],
    [fallbacks.type, cli],
  ]);
  const [image, imageOrigin] = pick([
    [overrides.image, 'flag'],
    [linode.imageIsDefault ? undefined : linode.image, own],
    [fallbacks.image, cli],
    [linode.image, 'built-in default'],
  ]);
  if (regionOrigin === cli) checkFallback('region', region, fallbacks.file, REGION_RULE);
  if (typeOrigin === cli) checkFallback('type', type, fallbacks.file, TYPE_RULE);
  if (imageOrigin === cli) checkFallback('image', image, fallbacks.file, IMAGE_RULE);
  if (!region) {
    throw new UsageError(
      `no region: ${source} has no region_default.`,
      "Pass --region, e.g. --region us-ord (or set a default region with 'linode-cli configure').",
    );
  }
  if (!type) {
    throw new UsageError(
      `no Linode type: ${source} has no type_default.`,
      "Pass --type, e.g. --type g6-standard-2 (or set a default type with 'linode-cli configure').",
    );
  }
  // A GPU template on a --type without a GPU: the flag is at fault, not the template (the
  // capability rules would blame deploy.linode.type_default).
  const needsGpu = template.capabilities.features.some((feature) => feature.name === 'gpu-nvidia');
  if (typeOrigin === cli && needsGpu && !isGpuPlan(type)) {
    throw new CliError(
      `the default type '${type}' from linode-cli's config has no GPU, but the template needs one (gpu-nvidia).`,
      `Pass --type with a GPU plan (g1-gpu-* or g2-gpu-*), e.g. ${EXAMPLE_GPU_PLANS.join(', ')}, or set type_default in ${source}.`,
    );
  }
  if (overrides.type !== undefined && needsGpu && !isGpuPlan(overrides.type)) {
    throw new CliError(
      `--type '${overrides.type}' has no GPU, but the template needs one (gpu-nvidia).`,
      `Pass --type with a GPU plan (g1-gpu-* or g2-gpu-*), e.g. ${EXAMPLE_GPU_PLANS.join(', ')}${linode.type_default ? `, or leave --type out for type_default ${linode.type_default}` : ''}.`,
    );
  }
  const lifetime = overrides.ttl ?? template.lifetime;
  const expiresAt = lifetime
    ? new Date(now.getTime() + parseLifetime(lifetime, overrides.ttl ? '--ttl' : 'lifetime'))
    : undefined;
  const idleLimit = overrides.idle ?? template.idleLifetime;
  if (idleLimit) parseLifetime(idleLimit, overrides.idle ? '--idle' : 'lifetime.idle');
  const encoding = overrides.userDataEncoding;
  if (encoding !== undefined && encoding !== 'gzip' && encoding !== 'plain') {
    throw new UsageError(
      `--user-data-encoding must be gzip or plain, not '${encoding}'.`,
      'gzip needs cloud-init 24.4+ on the image (Linode Ubuntu 22.04+ images have it); plain works everywhere.',
    );
  }
  // linode.image always holds a value (the built-in default when the template names none).
  const chosenImage = image ?? linode.image;
  return {
    region,
    type,
    image: chosenImage,
    replicas: replicasOf(template, overrides.replicas),
    userDataEncoding: encoding ?? defaultUserDataEncoding(chosenImage),
    // `init --app-name` records the name in deploy.yml as app_name.
    appName: overrides.appName ?? template.app_name ?? template.name,
    envName: overrides.envName ?? 'default',
    ...(expiresAt ? { expiresAt } : {}),
    ...(idleLimit ? { idleLimit: idleLimit.trim() } : {}),
    origins: { region: regionOrigin, type: typeOrigin, image: imageOrigin },
  };
}

/** `--replicas` (checked: a whole number in bounds, on a template that can have several), else the template's. */
function replicasOf(template: Template, flag: number | undefined): number {
  if (flag === undefined) return template.deploy.linode.replicas ?? 1;
  if (!Number.isInteger(flag) || flag < 1 || flag > MAX_REPLICAS) {
    throw new UsageError(`--replicas ${flag} is not valid.`, `Use a whole number from 1 to ${MAX_REPLICAS}.`);
  }
  if (flag > 1) {
    const container = template.deploy.linode.container;
    const problem = replicasProblem({
      runtime: template.capabilities.runtime,
      hasContainer: container !== undefined,
      healthType: container?.health?.type,
    });
    if (problem) throw new CliError(`--replicas ${flag}: ${problem.message}.`, problem.hint);
  }
  return flag;
}

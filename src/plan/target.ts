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

/** Pure: `now` is an input. `source` names the file in errors (`deploy.yml`, `the template`). */
export function deploymentTarget(
  template: Template,
  overrides: TargetOverrides,
  now: Date,
  source = 'the template',
): DeploymentTarget {
  checkOverrides(overrides);
  const linode = template.deploy.linode;
  const region = overrides.region ?? linode.region_default;
  const type = overrides.type ?? linode.type_default;
  if (!region) {
    throw new UsageError(
      `no region: ${source} has no region_default.`,
      'Pass --region, e.g. --region us-ord.',
    );
  }
  if (!type) {
    throw new UsageError(
      `no Linode type: ${source} has no type_default.`,
      'Pass --type, e.g. --type g6-standard-2.',
    );
  }
  // A GPU template on a --type without a GPU: the flag is at fault, not the template (the
  // capability rules would blame deploy.linode.type_default).
  const needsGpu = template.capabilities.features.some((feature) => feature.name === 'gpu-nvidia');
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
  const image = overrides.image ?? linode.image;
  const encoding = overrides.userDataEncoding;
  if (encoding !== undefined && encoding !== 'gzip' && encoding !== 'plain') {
    throw new UsageError(
      `--user-data-encoding must be gzip or plain, not '${encoding}'.`,
      'gzip needs cloud-init 24.4+ on the image (Linode Ubuntu 22.04+ images have it); plain works everywhere.',
    );
  }
  return {
    region,
    type,
    image,
    replicas: replicasOf(template, overrides.replicas),
    userDataEncoding: encoding ?? defaultUserDataEncoding(image),
    // `init --app-name` records the name in deploy.yml as app_name.
    appName: overrides.appName ?? template.app_name ?? template.name,
    envName: overrides.envName ?? 'default',
    ...(expiresAt ? { expiresAt } : {}),
    ...(idleLimit ? { idleLimit: idleLimit.trim() } : {}),
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

/**
 * Where and as what a deployment runs: the template's defaults with command-line overrides
 * applied. One function so `plan` and `deploy` can never disagree about what they target.
 */
import { defaultUserDataEncoding, type UserDataEncoding } from '../cloudinit/payload.js';
import { UsageError } from '../errors.js';
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
  /** `--user-data-encoding`: gzip or plain; default by image. */
  readonly userDataEncoding?: string | undefined;
}

export interface DeploymentTarget {
  readonly region: string;
  readonly type: string;
  readonly image: string;
  readonly appName: string;
  readonly envName: string;
  readonly expiresAt?: Date;
  readonly userDataEncoding: UserDataEncoding;
}

/** Pure: `now` is an input. `source` names the file in errors (`deploy.yml`, `the template`). */
export function deploymentTarget(
  template: Template,
  overrides: TargetOverrides,
  now: Date,
  source = 'the template',
): DeploymentTarget {
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
  const lifetime = overrides.ttl ?? template.lifetime;
  const expiresAt = lifetime
    ? new Date(now.getTime() + parseLifetime(lifetime, overrides.ttl ? '--ttl' : 'lifetime'))
    : undefined;
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
    userDataEncoding: encoding ?? defaultUserDataEncoding(image),
    // `init --app-name` records the name in deploy.yml as app_name.
    appName: overrides.appName ?? template.app_name ?? template.name,
    envName: overrides.envName ?? 'default',
    ...(expiresAt ? { expiresAt } : {}),
  };
}

/**
 * Checks made before anything is created, so a deploy that cannot work fails without leaving
 * resources (or a bill) behind: user-data size, the region's Metadata capability, the image's
 * cloud-init capability, and that the plan type exists.
 */
import { CliError, UsageError } from '../errors.js';
import type { LinodeClient } from '../linode/client.js';
import type { DeployPlan } from '../plan/types.js';
import { priceOf } from '../status/merge.js';
import { didYouMean } from '../util/suggest.js';

export interface PreflightFacts {
  readonly hourlyPrice?: number;
  readonly typeLabel?: string;
  readonly regionLabel?: string;
}

export function checkUserDataSize(plan: DeployPlan): void {
  const { total, limit, parts } = plan.size;
  if (total <= limit) return;
  const largest = parts
    .slice(0, 3)
    .map((part) => `${part.name} ${part.bytes} B`)
    .join(', ');
  throw new CliError(
    `user-data is ${total} bytes, over Linode's limit of ${limit} (largest parts: ${largest}).`,
    "Remove capabilities or setup files you do not need; 'linode-build plan' shows every part's size.",
  );
}

export async function preflight(client: LinodeClient, plan: DeployPlan): Promise<PreflightFacts> {
  checkUserDataSize(plan);
  const { region, type, image } = plan.context;
  const [regions, types, imageInfo] = await Promise.all([
    client.listRegions(),
    client.listTypes(),
    client.getImage(image),
  ]);
  const regionInfo = findOrRefuse(
    regions,
    region,
    'region',
    `Pass --region with one of: ${regions.map((r) => r.id).join(', ')}.`,
  );
  if (!regionInfo.capabilities.includes('Metadata')) {
    const usable = regions.filter((r) => r.capabilities.includes('Metadata')).map((r) => r.id);
    throw new CliError(
      `region ${region} does not support cloud-init metadata, so the instance would boot unconfigured.`,
      `Pass --region with a region that has the Metadata capability: ${usable.join(', ')}.`,
    );
  }
  if (!imageInfo) {
    throw new CliError(
      `unknown image '${image}'.`,
      'Pass --image with a public image such as linode/ubuntu24.04.',
    );
  }
  if (!imageInfo.capabilities.includes('cloud-init')) {
    throw new CliError(
      `image ${image} does not support cloud-init, so the template's user-data would be ignored.`,
      'Pass --image with a cloud-init image such as linode/ubuntu24.04 or linode/ubuntu22.04.',
    );
  }
  const typeInfo = findOrRefuse(
    types,
    type,
    'Linode type',
    "Pass --type with a plan id; 'linode-cli linodes types' lists them (GPU plans start with g1-gpu or g2-gpu).",
  );
  const price = priceOf([typeInfo], type, region);
  return {
    ...(price ? { hourlyPrice: price.hourly } : {}),
    typeLabel: typeInfo.label,
    regionLabel: regionInfo.label,
  };
}

export interface FlagValues {
  readonly type?: string | undefined;
  readonly region?: string | undefined;
}

/**
 * `deploy --type/--region` checked against the API's offerings (cached for a day) before the
 * template is planned, so a typo is reported as what it is, blaming the flag, and not as a
 * consequence (e.g. "has no GPU" from the template's capabilities).
 */
export async function checkFlagValues(client: LinodeClient, flags: FlagValues): Promise<void> {
  const [types, regions] = await Promise.all([
    flags.type === undefined ? [] : client.listTypes(),
    flags.region === undefined ? [] : client.listRegions(),
  ]);
  checkFlagsAgainst({ types, regions }, flags);
}

/**
 * Pure: each given flag value must be an id in its list from the API; an unknown one is a usage error
 * (exit 2) naming the flag, with the closest id. A list that is absent is not checked.
 */
export function checkFlagsAgainst(
  offerings: { readonly types?: readonly { id: string }[]; readonly regions?: readonly { id: string }[] },
  flags: FlagValues,
): void {
  if (flags.region !== undefined && offerings.regions) {
    findOrRefuse(
      offerings.regions,
      flags.region,
      'region',
      "Check --region; 'linode-cli regions list' lists them.",
      '--region',
    );
  }
  if (flags.type !== undefined && offerings.types) {
    findOrRefuse(
      offerings.types,
      flags.type,
      'Linode type',
      "Check --type; 'linode-cli linodes types' lists them.",
      '--type',
    );
  }
}

/** The item with this id, or a CliError with the closest id as a suggestion (naming the flag it came from). */
function findOrRefuse<T extends { id: string }>(
  items: readonly T[],
  id: string,
  what: string,
  hint: string,
  flag?: string,
): T {
  const found = items.find((item) => item.id === id);
  if (found) return found;
  const suggestion = didYouMean(
    id,
    items.map((item) => item.id),
  );
  const message = `${flag ? `${flag}: ` : ''}unknown ${what} '${id}'${suggestion}.`;
  // A flag's value is the user's to fix (usage, exit 2); the template's is a failure (exit 1).
  throw flag ? new UsageError(message, hint) : new CliError(message, hint);
}

/**
 * Prices for a deployment's cost sheet, from the API's own price lists: the instance types
 * (`GET /linode/types`) and the NodeBalancer types (`GET /nodebalancers/types`), both cached
 * for a day. Both lists are public, so `plan` reads them without credentials.
 */
import { CliError } from '../errors.js';
import { groupedScaleUp } from '../linode/placement.js';
import type { PlacementLayout } from '../plan/placement.js';
import { type CostSheet, costSheet } from '../plan/scale-cost.js';
import { priceOf, type TypePrice } from '../status/merge.js';
import type { PreparedPlan } from './prepare.js';

export interface PriceLists {
  readonly listTypes: () => Promise<readonly TypePrice[]>;
  readonly listNodeBalancerTypes: () => Promise<readonly TypePrice[]>;
}

/** The id of the NodeBalancer price in GET /nodebalancers/types. */
export const NODEBALANCER_TYPE = 'nodebalancer';

export async function deploymentCost(
  lists: PriceLists,
  target: { readonly type: string; readonly region: string; readonly replicas: number },
): Promise<CostSheet> {
  const [types, nodeBalancerTypes] = await Promise.all([
    lists.listTypes(),
    target.replicas > 1 ? lists.listNodeBalancerTypes() : Promise.resolve([]),
  ]);
  const instancePrice = priceOf(types, target.type, target.region);
  const nodeBalancerPrice = priceOf(nodeBalancerTypes, NODEBALANCER_TYPE, target.region);
  return costSheet({
    type: target.type,
    replicas: target.replicas,
    ...(instancePrice ? { instancePrice } : {}),
    ...(nodeBalancerPrice ? { nodeBalancerPrice } : {}),
  });
}

export interface PlanCost {
  readonly sheet?: CostSheet;
  /** Why there is no sheet (the price lists could not be read). */
  readonly unavailable?: string;
  /**
   * Scaling up a deployment with a placement group: which replicas fit in it (the region's
   * limit, from the public regions list); absent otherwise.
   */
  readonly placement?: PlacementLayout;
}

/**
 * `plan`'s cost sheet: the public price lists read without credentials (a day-long cache, so
 * planning again reads nothing), with retries limited so an offline `plan` still answers fast.
 */
export async function planCost(prepared: PreparedPlan, env: NodeJS.ProcessEnv): Promise<PlanCost> {
  const { type, region } = prepared.plan.context;
  try {
    // Loaded only here: a plan of one replica never pays for the API client.
    const [{ LinodeClient }, { retryPolicyFromEnv }] = await Promise.all([
      import('../linode/client.js'),
      import('../linode/retry.js'),
    ]);
    const client = await LinodeClient.connect(env, {
      anonymous: true,
      policy: { ...retryPolicyFromEnv(env), maxAttempts: 2, maxTotalMs: 10_000 },
    });
    const sheet = await deploymentCost(
      { listTypes: () => client.listTypes(), listNodeBalancerTypes: () => client.nodeBalancers.types() },
      { type, region, replicas: prepared.replicas },
    );
    const existing = prepared.existing?.record.scale;
    // Only a scale-up of a grouped deployment can outgrow its group: only then is the region read.
    if (existing?.placementGroupId === undefined || prepared.replicas <= existing.replicas) return { sheet };
    const placement = groupedScaleUp(
      await client.listRegions(),
      prepared.existing?.record.region ?? region,
      prepared.replicas,
    );
    return { sheet, placement };
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    return { unavailable: `the API's price lists could not be read: ${error.message.replace(/\.$/, '')}` };
  }
}

/**
 * Which replicas join a deployment's anti-affinity placement group, given the region's limit
 * on members per group. Pure: `deploy` and `plan` decide the same way.
 *
 * - A new deployment gets a group only when the region has them and every replica fits: a
 *   group for some replicas only would promise a spread it does not give.
 * - Scaling up a deployment that has a group keeps it: replicas 1…limit are (or join) its
 *   members, replicas above the limit are created outside it (the API refuses a full group).
 *   Scale-down removes the highest replicas first, so members stay 1…k.
 * - A deployment made without a group never gets one later.
 */
export interface PlacementInput {
  readonly replicas: number;
  /** The region offers placement groups. */
  readonly available: boolean;
  /** The region's maximum_linodes_per_pg; undefined when unknown (then no limit is assumed). */
  readonly maxInstances?: number | undefined;
  /** For an existing deployment: whether it has a placement group. Undefined for a new one. */
  readonly existingGroup?: boolean | undefined;
}

export interface PlacementLayout {
  /** The deployment has (or gets) a group. */
  readonly group: boolean;
  /** Replicas numbered up to this join the group (0 when there is none). */
  readonly groupedUpTo: number;
  /** Replicas created outside the group because it is full (ascending). */
  readonly outside: readonly number[];
  readonly maxInstances?: number;
}

export function placementLayout(input: PlacementInput): PlacementLayout {
  const limit = input.maxInstances ?? Number.POSITIVE_INFINITY;
  const limitField = input.maxInstances !== undefined ? { maxInstances: input.maxInstances } : {};
  const group =
    input.existingGroup === undefined ? input.available && input.replicas <= limit : input.existingGroup;
  if (!group) return { group: false, groupedUpTo: 0, outside: [], ...limitField };
  const groupedUpTo = Math.min(input.replicas, limit);
  const outside = Array.from({ length: input.replicas - groupedUpTo }, (_, i) => groupedUpTo + i + 1);
  return { group: true, groupedUpTo, outside, ...limitField };
}

/** `replicas 6, 7` / `replica 6`. */
export function replicaList(indexes: readonly number[]): string {
  return `replica${indexes.length > 1 ? 's' : ''} ${indexes.join(', ')}`;
}

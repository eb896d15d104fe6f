/**
 * Placement groups through @linode/api-v4: an anti-affinity group spreads a deployment's
 * replicas over different hosts of a region, so one host failing takes one replica, not all.
 * Only regions with the "Placement Group" capability have them (`placementGroupsIn`), and a
 * region caps the members of a group (`maximum_linodes_per_pg`).
 *
 * An instance joins at create (`placement_group: { id }` in its body: no extra request) or with
 * `assign`; it must leave (`unassign`) before the group can be deleted — deleting the instance
 * also takes it out. A group is created at most once (found again by its label, unique per
 * account).
 */
import type { PlacementGroup, PlacementGroupPolicy, Region } from '@linode/api-v4';
import { type PlacementLayout, placementLayout } from '../plan/placement.js';
import { type ApiCalls, pageSize } from './calls.js';

export type { PlacementGroup };

export interface PlacementGroupCreate {
  /** 3–32 characters; starts and ends alphanumeric; `-`, `_`, `.` inside; unique per account. */
  readonly label: string;
  readonly region: string;
  /**
   * strict: the API refuses an instance that cannot be placed apart; flexible (default): it
   * places it anyway and reports the group non-compliant until Linode moves it.
   */
  readonly policy?: PlacementGroupPolicy;
}

/** Whether the region offers placement groups, and how many instances one group holds. */
export function placementGroupsIn(region: Pick<Region, 'capabilities' | 'placement_group_limits'>): {
  readonly available: boolean;
  readonly maxInstances: number;
} {
  return {
    available: region.capabilities.includes('Placement Group'),
    maxInstances: region.placement_group_limits.maximum_linodes_per_pg,
  };
}

/**
 * Scaling up a deployment that has a placement group in `regionId` to `replicas`: which of them
 * fit in the group (the region's limit; none assumed when the region is not listed).
 */
export function groupedScaleUp(
  regions: readonly Pick<Region, 'id' | 'capabilities' | 'placement_group_limits'>[],
  regionId: string,
  replicas: number,
): PlacementLayout {
  const region = regions.find((item) => item.id === regionId);
  const limits = region ? placementGroupsIn(region) : undefined;
  return placementLayout({
    replicas,
    available: limits?.available ?? true,
    maxInstances: limits?.maxInstances,
    existingGroup: true,
  });
}

export class PlacementGroups {
  constructor(private readonly calls: ApiCalls) {}

  private get api() {
    return this.calls.api;
  }

  /** Every group matching the X-Filter (`label`, `region`), with its members, all pages. */
  list(filter: Record<string, unknown> = {}): Promise<PlacementGroup[]> {
    return this.calls.allPages('listing placement groups', (page) =>
      this.api.getPlacementGroups({ page, page_size: pageSize }, filter),
    );
  }

  async byLabel(label: string): Promise<PlacementGroup | undefined> {
    return (await this.list({ label }))[0];
  }

  get(id: number): Promise<PlacementGroup | undefined> {
    return this.calls.call(`reading placement group ${id}`, () => this.api.getPlacementGroup(id), {
      notFound: undefined,
    });
  }

  /** Creates an anti-affinity group (replicas on different hosts) exactly once. */
  createAntiAffinity(body: PlacementGroupCreate): Promise<PlacementGroup> {
    return this.calls.createOnce(
      `creating placement group ${body.label}`,
      () =>
        this.api.createPlacementGroup({
          label: body.label,
          region: body.region,
          placement_group_type: 'anti_affinity:local',
          placement_group_policy: body.policy ?? 'flexible',
        }),
      () => this.byLabel(body.label),
    );
  }

  /** Adds an instance (idempotent: a member stays a member). */
  assign(groupId: number, linodeId: number): Promise<PlacementGroup> {
    return this.calls.call(`adding Linode ${linodeId} to placement group ${groupId}`, () =>
      this.api.assignLinodesToPlacementGroup(groupId, { linodes: [linodeId] }),
    );
  }

  /** Takes an instance out; 'absent' when the group is gone. */
  async unassign(groupId: number, linodeId: number): Promise<'removed' | 'absent'> {
    return this.calls.call(
      `removing Linode ${linodeId} from placement group ${groupId}`,
      async () => {
        await this.api.unassignLinodesFromPlacementGroup(groupId, { linodes: [linodeId] });
        return 'removed' as const;
      },
      { notFound: 'absent' as const },
    );
  }

  /** Deletes an empty group; 'absent' when it was already gone. */
  delete(id: number): Promise<'deleted' | 'absent'> {
    return this.calls.remove(`deleting placement group ${id}`, () => this.api.deletePlacementGroup(id));
  }
}

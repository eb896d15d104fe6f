/**
 * The fake API's placement groups: create (anti-affinity or affinity, strict or flexible),
 * list, get, rename, delete, and assigning instances (at instance create with
 * `placement_group: {id}`, or with /assign and /unassign).
 *
 * Bodies are validated with @linode/validation's schemas; beyond them the fake checks what the
 * API checks: the region has the Placement Group capability, labels are unique, an instance
 * joins a group of its own region, at most `maximum_linodes_per_pg` members (the region's
 * limit), one group per instance, and only an empty group can be deleted. Deleted instances
 * leave their group.
 *
 * Hosts: each region has `hostsPerRegion` hosts, and an instance is put on one when it joins a
 * group. Anti-affinity takes a host no other member is on; when there is none, a `strict` group
 * refuses the instance and a `flexible` one puts it with another member, and that member pair
 * is not compliant (`is_compliant` false on them and on the group) until one leaves. Affinity
 * puts every member on the first member's host. The fake never migrates anyone.
 */
import type { Linode, PlacementGroup } from '@linode/api-v4';
import { createPlacementGroupSchema, updatePlacementGroupSchema } from '@linode/validation';
import { fakeRegions } from './catalog.js';
import { filteredPage, found, HttpError, type RouteRequest, routeKey, validateWith } from './http.js';

type FieldError = { field?: string; reason: string };

export interface PlacementWorld {
  liveInstances(): Linode[];
  /** Hosts in each region that grouped instances can be placed on. */
  hostsPerRegion(): number;
}

const groupFilterable = new Set(['id', 'label', 'region', 'placement_group_type', 'placement_group_policy']);
const groupTypes = new Set(['anti_affinity:local', 'affinity:local']);
const groupPolicies = new Set(['strict', 'flexible']);

export class FakePlacementGroups {
  private readonly groups = new Map<number, PlacementGroup>();
  /** The host each grouped instance is on (by Linode id), 0 … hostsPerRegion − 1. */
  private readonly hosts = new Map<number, number>();
  private nextId = 20_001;

  constructor(private readonly world: PlacementWorld) {}

  /** Every group with its current members (no request logged). */
  list(): PlacementGroup[] {
    this.forgetDeleted();
    return [...this.groups.values()];
  }

  /** Errors that keep `linode` (of `region`) out of group `id`; empty when it may join. */
  checkJoin(id: number, region: string, linodeId?: number, field = 'placement_group.id'): FieldError[] {
    const group = this.groups.get(id);
    if (!group) return [{ field, reason: `Placement group ${id} not found` }];
    if (group.region !== region) {
      return [{ field, reason: `Placement group ${group.label} is in ${group.region}, not ${region}` }];
    }
    this.forgetDeleted();
    if (linodeId !== undefined && group.members.some((member) => member.linode_id === linodeId)) return [];
    const limit =
      fakeRegions.find((r) => r.id === region)?.placement_group_limits.maximum_linodes_per_pg ?? 5;
    if (group.members.length >= limit) {
      return [{ field, reason: `Placement group ${group.label} is full (${limit} Linodes in ${region})` }];
    }
    const elsewhere = [...this.groups.values()].find(
      (other) => other.id !== id && other.members.some((member) => member.linode_id === linodeId),
    );
    if (elsewhere)
      return [{ field, reason: `Linode ${linodeId} is already in placement group ${elsewhere.label}` }];
    if (
      group.placement_group_type === 'anti_affinity:local' &&
      group.placement_group_policy === 'strict' &&
      this.freeHost(group) === undefined
    ) {
      return [
        {
          field,
          reason: `Placement group ${group.label} is strict and no host in ${region} is free of its members`,
        },
      ];
    }
    return [];
  }

  /** A host of the region that no member of the group is on, if any. */
  private freeHost(group: PlacementGroup): number | undefined {
    const taken = new Set(group.members.map((member) => this.hosts.get(member.linode_id)));
    for (let host = 0; host < this.world.hostsPerRegion(); host++) if (!taken.has(host)) return host;
    return undefined;
  }

  /** Where a joining instance goes: apart from the members (anti-affinity) or with them (affinity). */
  private placeOn(group: PlacementGroup): number {
    const first = group.members[0] && this.hosts.get(group.members[0].linode_id);
    if (group.placement_group_type === 'affinity:local') return first ?? 0;
    // No free host (flexible): the least crowded one, so the fewest members share.
    const free = this.freeHost(group);
    if (free !== undefined) return free;
    const load = new Map<number, number>();
    for (const member of group.members) {
      const host = this.hosts.get(member.linode_id) ?? 0;
      load.set(host, (load.get(host) ?? 0) + 1);
    }
    return [...load.entries()].sort((a, b) => a[1] - b[1] || a[0] - b[0])[0]?.[0] ?? 0;
  }

  /** Compliance as the API reports it: members sharing a host (anti-affinity) or apart (affinity). */
  private judge(group: PlacementGroup): void {
    const hostOf = (linodeId: number) => this.hosts.get(linodeId);
    const first = group.members[0] ? hostOf(group.members[0].linode_id) : undefined;
    group.members = group.members.map((member) => ({
      ...member,
      is_compliant:
        group.placement_group_type === 'affinity:local'
          ? hostOf(member.linode_id) === first
          : !group.members.some(
              (other) =>
                other.linode_id !== member.linode_id && hostOf(other.linode_id) === hostOf(member.linode_id),
            ),
    }));
    group.is_compliant = group.members.every((member) => member.is_compliant);
  }

  /** Adds the instance to the group (after checkJoin passed) and shows it on the instance. */
  join(id: number, linode: Linode): void {
    const group = this.groups.get(id)!;
    if (!group.members.some((member) => member.linode_id === linode.id)) {
      this.hosts.set(linode.id, this.placeOn(group));
      group.members.push({ linode_id: linode.id, is_compliant: true });
      this.judge(group);
    }
    linode.placement_group = {
      id: group.id,
      label: group.label,
      placement_group_type: group.placement_group_type,
      placement_group_policy: group.placement_group_policy,
      migrating_to: null,
    };
  }

  async route(request: RouteRequest): Promise<unknown> {
    const { method, segments, url, body, filter } = request;
    if (segments[0] !== 'placement' || segments[1] !== 'groups') return undefined;
    const id = Number(segments[2]);
    switch (routeKey(method, segments)) {
      case 'GET /placement/groups':
        return filteredPage(this.list(), filter, groupFilterable, url);
      case 'POST /placement/groups':
        return this.create(body());
      case 'GET /placement/groups/:id':
        return this.group(id);
      case 'PUT /placement/groups/:id': {
        const sent = body();
        await validateWith(updatePlacementGroupSchema, sent);
        const group = this.group(id);
        this.checkLabel(String(sent.label), id);
        group.label = String(sent.label);
        return group;
      }
      case 'DELETE /placement/groups/:id': {
        const group = this.group(id);
        if (group.members.length > 0) {
          throw new HttpError(400, [
            { reason: `Placement group ${group.label} still has Linodes; unassign them first` },
          ]);
        }
        this.groups.delete(id);
        return {};
      }
      case 'POST /placement/groups/:id/assign':
        return this.assign(id, body());
      case 'POST /placement/groups/:id/unassign': {
        const group = this.group(id);
        const linodes = this.linodeIds(body());
        const live = new Map(this.world.liveInstances().map((linode) => [linode.id, linode]));
        const strangers = linodes.filter((linodeId) => !group.members.some((m) => m.linode_id === linodeId));
        if (strangers.length > 0) {
          throw new HttpError(400, [
            { field: 'linodes', reason: `Linode ${strangers.join(', ')} is not in this group` },
          ]);
        }
        group.members = group.members.filter((member) => !linodes.includes(member.linode_id));
        this.judge(group);
        for (const linodeId of linodes) {
          const linode = live.get(linodeId);
          if (linode) linode.placement_group = null;
        }
        return group;
      }
      default:
        return undefined;
    }
  }

  private group(id: number): PlacementGroup {
    this.forgetDeleted();
    return found(this.groups.get(id));
  }

  private checkLabel(label: string, except?: number): void {
    if ([...this.groups.values()].some((group) => group.label === label && group.id !== except)) {
      throw new HttpError(400, [
        { field: 'label', reason: 'Label must be unique among your placement groups' },
      ]);
    }
  }

  private linodeIds(sent: Record<string, unknown>): number[] {
    const linodes = sent.linodes;
    if (!Array.isArray(linodes) || linodes.length === 0 || !linodes.every((item) => Number.isInteger(item))) {
      throw new HttpError(400, [
        { field: 'linodes', reason: 'linodes must be a non-empty list of Linode IDs' },
      ]);
    }
    return linodes as number[];
  }

  private async create(sent: Record<string, unknown>): Promise<PlacementGroup> {
    await validateWith(createPlacementGroupSchema, sent);
    const errors: FieldError[] = [];
    const region = fakeRegions.find((r) => r.id === sent.region);
    if (!region) errors.push({ field: 'region', reason: 'region is not valid' });
    else if (!region.capabilities.includes('Placement Group')) {
      errors.push({ field: 'region', reason: `Placement groups are not available in region ${region.id}` });
    }
    if (!groupTypes.has(String(sent.placement_group_type))) {
      errors.push({ field: 'placement_group_type', reason: 'Must be anti_affinity:local or affinity:local' });
    }
    if (!groupPolicies.has(String(sent.placement_group_policy))) {
      errors.push({ field: 'placement_group_policy', reason: 'Must be strict or flexible' });
    }
    if (errors.length > 0) throw new HttpError(400, errors);
    this.checkLabel(String(sent.label));
    const group: PlacementGroup = {
      id: this.nextId++,
      label: String(sent.label),
      region: region!.id,
      placement_group_type: sent.placement_group_type as PlacementGroup['placement_group_type'],
      placement_group_policy: sent.placement_group_policy as PlacementGroup['placement_group_policy'],
      is_compliant: true,
      members: [],
      migrations: null,
    };
    this.groups.set(group.id, group);
    return group;
  }

  private assign(id: number, sent: Record<string, unknown>): PlacementGroup {
    const group = this.group(id);
    const linodes = this.linodeIds(sent);
    const live = new Map(this.world.liveInstances().map((linode) => [linode.id, linode]));
    const errors: FieldError[] = [];
    for (const [index, linodeId] of linodes.entries()) {
      const linode = live.get(linodeId);
      if (!linode) errors.push({ field: `linodes[${index}]`, reason: `Linode ${linodeId} not found` });
      else errors.push(...this.checkJoin(id, linode.region, linodeId, `linodes[${index}]`));
    }
    if (errors.length > 0) throw new HttpError(400, errors);
    for (const linodeId of linodes) this.join(id, live.get(linodeId)!);
    return group;
  }

  private forgetDeleted(): void {
    const live = new Set(this.world.liveInstances().map((linode) => linode.id));
    for (const group of this.groups.values()) {
      group.members = group.members.filter((member) => live.has(member.linode_id));
      this.judge(group);
    }
  }
}

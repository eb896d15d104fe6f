/**
 * The fake API's VPCs: VPCs and their subnets, VPC interfaces given to instances at create
 * (legacy config-profile interfaces, `purpose: vpc`), the private address each interface gets,
 * and the account's VPC address list.
 *
 * Bodies are validated with @linode/validation's VPC schemas; beyond them the fake checks what
 * the API checks: the region has the VPCs capability, VPC labels are unique, a subnet's IPv4
 * range is RFC 1918, /1–/29, outside Linode's 192.168.128.0/17 and overlapping no other subnet of
 * its VPC, subnet labels are unique in their VPC, and a subnet (or VPC) with attached interfaces
 * cannot be deleted. Deleting an instance removes its interfaces. Addresses are handed out from
 * the third address of the range (the first two and the last are the network's, as on Linode).
 */
import type { Linode, Subnet, VPC, VPCIP } from '@linode/api-v4';
import {
  createSubnetSchemaIPv4,
  createVPCSchema,
  modifySubnetSchema,
  updateVPCSchema,
} from '@linode/validation';
import { fakeRegions } from './catalog.js';
import {
  apiTimestamp,
  filteredPage,
  found,
  HttpError,
  page,
  type RouteRequest,
  routeKey,
  validateWith,
} from './http.js';

type FieldError = { field?: string; reason: string };

interface InterfaceRecord {
  readonly id: number;
  readonly linodeId: number;
  readonly subnetId: number;
  readonly vpcId: number;
  readonly address: string;
  readonly nat11: string | null;
}

/** What the VPC routes need from the rest of the fake. */
export interface VpcWorld {
  liveInstances(): Linode[];
}

const vpcFilterable = new Set(['id', 'label', 'region']);
const vpcIpFilterable = new Set(['vpc_id', 'subnet_id', 'linode_id', 'region', 'active', 'address']);

function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  const numbers = parts.map(Number);
  if (numbers.some((n, i) => !Number.isInteger(n) || n < 0 || n > 255 || parts[i] === '')) return undefined;
  return ((numbers[0]! << 24) >>> 0) + (numbers[1]! << 16) + (numbers[2]! << 8) + numbers[3]!;
}

function intToIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}

/** A CIDR's first and last address, or undefined when it is not `a.b.c.d/n`. */
export function cidrRange(cidr: string): { first: number; last: number; prefix: number } | undefined {
  const [ip, prefixText] = cidr.split('/');
  const base = ip === undefined ? undefined : ipToInt(ip);
  const prefix = Number(prefixText);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  const first = base - (base % size);
  return { first, last: first + size - 1, prefix };
}

const rfc1918 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((cidr) => cidrRange(cidr)!);
const linodePrivate = cidrRange('192.168.128.0/17')!;

const overlaps = (a: { first: number; last: number }, b: { first: number; last: number }) =>
  a.first <= b.last && b.first <= a.last;

export class FakeVpcs {
  private readonly vpcs = new Map<number, VPC>();
  private readonly interfaces = new Map<number, InterfaceRecord>();
  private nextVpcId = 30_001;
  private nextSubnetId = 40_001;
  private nextInterfaceId = 50_001;

  constructor(private readonly world: VpcWorld) {}

  /** Every VPC with its subnets and attached instances (no request logged). */
  list(): VPC[] {
    this.forgetDeleted();
    return [...this.vpcs.values()].map((vpc) => this.view(vpc));
  }

  /** The instance holding `address` on a VPC interface in this subnet. */
  instanceAt(subnetId: number, address: string): Linode | undefined {
    const found = [...this.interfaces.values()].find(
      (item) => item.subnetId === subnetId && item.address === address,
    );
    return found ? this.world.liveInstances().find((linode) => linode.id === found.linodeId) : undefined;
  }

  /** The VPC addresses of an instance, for tests. */
  addressesOf(linodeId: number): string[] {
    return [...this.interfaces.values()]
      .filter((item) => item.linodeId === linodeId)
      .map((item) => item.address);
  }

  /**
   * Checks an instance create's `interfaces` (already schema-valid) against the VPCs: each `vpc`
   * interface names an existing subnet of that VPC in the instance's region, with a free
   * address if it asks for one.
   */
  checkInterfaces(interfaces: unknown, region: string): FieldError[] {
    if (!Array.isArray(interfaces)) return [];
    const errors: FieldError[] = [];
    interfaces.forEach((item: Record<string, unknown>, index) => {
      if (item.purpose !== 'vpc') return;
      const vpc = this.vpcs.get(Number(item.vpc_id));
      const subnet = vpc?.subnets.find((s) => s.id === Number(item.subnet_id));
      if (!vpc || !subnet) {
        errors.push({
          field: `interfaces[${index}].subnet_id`,
          reason: `Subnet ${String(item.subnet_id)} not found in VPC ${String(item.vpc_id)}`,
        });
        return;
      }
      if (vpc.region !== region) {
        errors.push({
          field: `interfaces[${index}].subnet_id`,
          reason: `VPC ${vpc.id} is in ${vpc.region}, not ${region}`,
        });
        return;
      }
      const wanted = (item.ipv4 as { vpc?: string } | undefined)?.vpc;
      if (wanted !== undefined) {
        const range = cidrRange(subnet.ipv4 ?? '')!;
        const at = ipToInt(wanted);
        if (at === undefined || at < range.first + 2 || at >= range.last) {
          errors.push({
            field: `interfaces[${index}].ipv4.vpc`,
            reason: `${wanted} is not a usable address of ${subnet.ipv4}`,
          });
        } else if (this.taken(subnet.id).has(wanted)) {
          errors.push({ field: `interfaces[${index}].ipv4.vpc`, reason: `${wanted} is already assigned` });
        }
      } else if (this.freeAddress(subnet) === undefined) {
        errors.push({
          field: `interfaces[${index}].subnet_id`,
          reason: `Subnet ${subnet.id} has no free addresses`,
        });
      }
    });
    return errors;
  }

  /** Gives the new instance its VPC interfaces (after checkInterfaces passed). */
  attach(linode: Linode, interfaces: unknown): void {
    if (!Array.isArray(interfaces)) return;
    for (const item of interfaces as Record<string, unknown>[]) {
      if (item.purpose !== 'vpc') continue;
      const vpc = this.vpcs.get(Number(item.vpc_id))!;
      const subnet = vpc.subnets.find((s) => s.id === Number(item.subnet_id))!;
      const ipv4 = item.ipv4 as { vpc?: string; nat_1_1?: string } | undefined;
      const record: InterfaceRecord = {
        id: this.nextInterfaceId++,
        linodeId: linode.id,
        subnetId: subnet.id,
        vpcId: vpc.id,
        address: ipv4?.vpc ?? this.freeAddress(subnet)!,
        // "any" asks for the instance's public address to be mapped 1:1.
        nat11: ipv4?.nat_1_1 === 'any' ? (linode.ipv4[0] ?? null) : (ipv4?.nat_1_1 ?? null),
      };
      this.interfaces.set(record.id, record);
    }
  }

  async route(request: RouteRequest): Promise<unknown> {
    const { method, segments, url, body, filter } = request;
    if (segments[0] !== 'vpcs') return undefined;
    this.forgetDeleted();
    const vpcId = Number(segments[1]);
    const subnetId = Number(segments[3]);
    switch (routeKey(method, segments)) {
      case 'GET /vpcs':
        return filteredPage(this.list(), filter, vpcFilterable, url);
      case 'POST /vpcs':
        return this.create(body());
      case 'GET /vpcs/ips':
        return filteredPage(this.ips(), filter, vpcIpFilterable, url);
      case 'GET /vpcs/:id':
        return this.view(this.vpc(vpcId));
      case 'PUT /vpcs/:id': {
        const sent = body();
        await validateWith(updateVPCSchema, sent);
        const vpc = this.vpc(vpcId);
        if (typeof sent.label === 'string') {
          this.checkLabel(sent.label, vpcId);
          vpc.label = sent.label;
        }
        if (typeof sent.description === 'string') vpc.description = sent.description;
        vpc.updated = apiTimestamp(Date.now());
        return this.view(vpc);
      }
      case 'DELETE /vpcs/:id': {
        const vpc = this.vpc(vpcId);
        const busy = vpc.subnets.filter((subnet) => this.attachedTo(subnet.id).length > 0);
        if (busy.length > 0) {
          throw new HttpError(400, [
            {
              reason: `VPC ${vpcId} cannot be deleted: subnet ${busy.map((s) => s.label).join(', ')} has interfaces attached`,
            },
          ]);
        }
        this.vpcs.delete(vpcId);
        return {};
      }
      case 'GET /vpcs/:id/ips':
        this.vpc(vpcId);
        return filteredPage(
          this.ips().filter((ip) => ip.vpc_id === vpcId),
          filter,
          vpcIpFilterable,
          url,
        );
      case 'GET /vpcs/:id/subnets':
        return page(this.view(this.vpc(vpcId)).subnets, url);
      case 'POST /vpcs/:id/subnets': {
        const sent = body();
        await validateWith(createSubnetSchemaIPv4, sent);
        const vpc = this.vpc(vpcId);
        const subnet = this.subnet(vpc, sent, '');
        vpc.subnets.push(subnet);
        return this.subnetView(subnet);
      }
      case 'GET /vpcs/:id/subnets/:id':
        return this.subnetView(this.subnetOf(vpcId, subnetId));
      case 'PUT /vpcs/:id/subnets/:id': {
        const sent = body();
        await validateWith(modifySubnetSchema, sent);
        const subnet = this.subnetOf(vpcId, subnetId);
        subnet.label = String(sent.label);
        subnet.updated = apiTimestamp(Date.now());
        return this.subnetView(subnet);
      }
      case 'DELETE /vpcs/:id/subnets/:id': {
        const vpc = this.vpc(vpcId);
        const subnet = this.subnetOf(vpcId, subnetId);
        if (this.attachedTo(subnet.id).length > 0) {
          throw new HttpError(400, [
            { reason: `Subnet ${subnet.label} cannot be deleted: it has interfaces attached` },
          ]);
        }
        vpc.subnets = vpc.subnets.filter((s) => s.id !== subnetId);
        return {};
      }
      default:
        return undefined;
    }
  }

  private vpc(id: number): VPC {
    return found(this.vpcs.get(id));
  }

  private subnetOf(vpcId: number, subnetId: number): Subnet {
    return found(this.vpc(vpcId).subnets.find((s) => s.id === subnetId));
  }

  private checkLabel(label: string, except?: number): void {
    if ([...this.vpcs.values()].some((vpc) => vpc.label === label && vpc.id !== except)) {
      throw new HttpError(400, [{ field: 'label', reason: 'Label must be unique among your VPCs' }]);
    }
  }

  private async create(sent: Record<string, unknown>): Promise<VPC> {
    await validateWith(createVPCSchema, sent);
    const region = fakeRegions.find((r) => r.id === sent.region);
    if (!region) throw new HttpError(400, [{ field: 'region', reason: 'region is not valid' }]);
    if (!region.capabilities.includes('VPCs')) {
      throw new HttpError(400, [
        { field: 'region', reason: `VPCs are not available in region ${region.id}` },
      ]);
    }
    this.checkLabel(String(sent.label));
    const now = apiTimestamp(Date.now());
    const vpc: VPC = {
      id: this.nextVpcId++,
      label: String(sent.label),
      region: region.id,
      description: typeof sent.description === 'string' ? sent.description : '',
      subnets: [],
      created: now,
      updated: now,
    };
    const subnets = Array.isArray(sent.subnets) ? (sent.subnets as Record<string, unknown>[]) : [];
    subnets.forEach((subnet, index) => {
      vpc.subnets.push(this.subnet(vpc, subnet, `subnets[${index}].`));
    });
    this.vpcs.set(vpc.id, vpc);
    return this.view(vpc);
  }

  /** A new subnet of `vpc` (not yet added), after the API's range and label rules. */
  private subnet(vpc: VPC, sent: Record<string, unknown>, field: string): Subnet {
    const cidr = String(sent.ipv4);
    const range = cidrRange(cidr);
    const errors: FieldError[] = [];
    if (!range) errors.push({ field: `${field}ipv4`, reason: 'Must be an IPv4 range in CIDR form' });
    else {
      if (range.prefix < 1 || range.prefix > 29)
        errors.push({ field: `${field}ipv4`, reason: 'Prefix length must be 1–29' });
      if (!rfc1918.some((block) => range.first >= block.first && range.last <= block.last)) {
        errors.push({ field: `${field}ipv4`, reason: 'Must be a private (RFC 1918) range' });
      }
      if (overlaps(range, linodePrivate)) {
        errors.push({ field: `${field}ipv4`, reason: 'Must not overlap 192.168.128.0/17' });
      }
      if (vpc.subnets.some((other) => overlaps(range, cidrRange(other.ipv4 ?? '')!))) {
        errors.push({ field: `${field}ipv4`, reason: `Overlaps another subnet of VPC ${vpc.label}` });
      }
    }
    if (vpc.subnets.some((other) => other.label === sent.label)) {
      errors.push({ field: `${field}label`, reason: 'Label must be unique among the subnets of this VPC' });
    }
    if (errors.length > 0) throw new HttpError(400, errors);
    const now = apiTimestamp(Date.now());
    return {
      id: this.nextSubnetId++,
      label: String(sent.label),
      ipv4: `${intToIp(range!.first)}/${range!.prefix}`,
      linodes: [],
      nodebalancers: [],
      created: now,
      updated: now,
    };
  }

  /** Interfaces of instances that are gone go with them. */
  private forgetDeleted(): void {
    const live = new Set(this.world.liveInstances().map((linode) => linode.id));
    for (const [id, item] of this.interfaces) if (!live.has(item.linodeId)) this.interfaces.delete(id);
  }

  private attachedTo(subnetId: number): InterfaceRecord[] {
    this.forgetDeleted();
    return [...this.interfaces.values()].filter((item) => item.subnetId === subnetId);
  }

  private taken(subnetId: number): Set<string> {
    return new Set(this.attachedTo(subnetId).map((item) => item.address));
  }

  private freeAddress(subnet: Subnet): string | undefined {
    const range = cidrRange(subnet.ipv4 ?? '')!;
    const taken = this.taken(subnet.id);
    for (let at = range.first + 2; at < range.last; at++) {
      if (!taken.has(intToIp(at))) return intToIp(at);
    }
    return undefined;
  }

  private subnetView(subnet: Subnet): Subnet {
    const byLinode = new Map<number, InterfaceRecord[]>();
    for (const item of this.attachedTo(subnet.id))
      byLinode.set(item.linodeId, [...(byLinode.get(item.linodeId) ?? []), item]);
    const running = new Map(
      this.world.liveInstances().map((linode) => [linode.id, linode.status === 'running']),
    );
    return {
      ...subnet,
      linodes: [...byLinode].map(([id, items]) => ({
        id,
        interfaces: items.map((item) => ({ id: item.id, active: running.get(id) ?? false, config_id: null })),
      })),
    };
  }

  private view(vpc: VPC): VPC {
    return { ...vpc, subnets: vpc.subnets.map((subnet) => this.subnetView(subnet)) };
  }

  private ips(): VPCIP[] {
    this.forgetDeleted();
    const running = new Map(
      this.world.liveInstances().map((linode) => [linode.id, linode.status === 'running']),
    );
    return [...this.interfaces.values()].map((item) => {
      const vpc = this.vpcs.get(item.vpcId)!;
      const subnet = vpc.subnets.find((s) => s.id === item.subnetId)!;
      const range = cidrRange(subnet.ipv4 ?? '')!;
      return {
        active: running.get(item.linodeId) ?? false,
        address: item.address,
        address_range: null,
        config_id: null,
        gateway: intToIp(range.first + 1),
        interface_id: item.id,
        ipv6_addresses: [],
        ipv6_is_public: null,
        ipv6_range: null,
        linode_id: item.linodeId,
        nat_1_1: item.nat11 ?? '',
        nodebalancer_id: null,
        prefix: range.prefix,
        region: vpc.region,
        subnet_id: subnet.id,
        subnet_mask: intToIp((0xffffffff << (32 - range.prefix)) >>> 0),
        vpc_id: vpc.id,
      };
    });
  }
}

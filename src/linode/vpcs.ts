/**
 * VPCs and their subnets through @linode/api-v4 (which calls them on /v4beta), and the VPC
 * addresses of the account's instances.
 *
 * linode-build's replicas use private IPv4 rather than a VPC (docs/scaling.md says why); this
 * module is what a VPC-based layout needs: a VPC with a subnet, the instance interfaces that
 * join it (`vpcInterfaces`), every VPC address in one listing (`ips`), and deletes that say
 * when attached interfaces still hold a subnet.
 *
 * Creates are at most once (ApiCalls.createOnce): a VPC is found again by its label (unique per
 * account), a subnet by its label (unique in its VPC).
 */
import type { InterfacePayload, Subnet, VPC, VPCIP } from '@linode/api-v4';
import { type ApiCalls, pageSize } from './calls.js';

export type { Subnet, VPC, VPCIP };

export interface SubnetCreate {
  /** 1–64 of letters, digits and single hyphens; unique in its VPC. */
  readonly label: string;
  /** An RFC 1918 range, /1–/29, outside 192.168.128.0/17 and other subnets of the VPC. */
  readonly ipv4: string;
}

export interface VpcCreate {
  /** 1–64 of letters, digits and single hyphens; unique per account. */
  readonly label: string;
  readonly region: string;
  readonly description?: string;
  readonly subnets?: readonly SubnetCreate[];
}

/**
 * The interfaces of an instance that joins a subnet and stays on the internet: eth0 public (the
 * primary, default route), eth1 in the VPC with an address picked by the API.
 */
export function vpcInterfaces(vpcId: number, subnetId: number): InterfacePayload[] {
  return [
    { purpose: 'public', primary: true },
    { purpose: 'vpc', subnet_id: subnetId, vpc_id: vpcId } as InterfacePayload,
  ];
}

export class Vpcs {
  constructor(private readonly calls: ApiCalls) {}

  private get api() {
    return this.calls.api;
  }

  /** Every VPC matching the X-Filter (`label`, `region`), with its subnets, all pages. */
  list(filter: Record<string, unknown> = {}): Promise<VPC[]> {
    return this.calls.allPages('listing VPCs', (page) =>
      this.api.getVPCs({ page, page_size: pageSize }, filter),
    );
  }

  async byLabel(label: string): Promise<VPC | undefined> {
    return (await this.list({ label }))[0];
  }

  get(id: number): Promise<VPC | undefined> {
    return this.calls.call(`reading VPC ${id}`, () => this.api.getVPC(id), { notFound: undefined });
  }

  /** Creates the VPC (and its subnets) exactly once. */
  create(body: VpcCreate): Promise<VPC> {
    return this.calls.createOnce(
      `creating VPC ${body.label}`,
      () =>
        this.api.createVPC({
          label: body.label,
          region: body.region,
          ...(body.description !== undefined ? { description: body.description } : {}),
          ...(body.subnets ? { subnets: body.subnets.map((subnet) => ({ ...subnet })) } : {}),
        }),
      () => this.byLabel(body.label),
    );
  }

  /** Deletes the VPC and its subnets; the API refuses while instances' interfaces use them. */
  delete(id: number): Promise<'deleted' | 'absent'> {
    return this.calls.remove(`deleting VPC ${id}`, () => this.api.deleteVPC(id));
  }

  subnets(vpcId: number): Promise<Subnet[]> {
    return this.calls.allPages(`listing the subnets of VPC ${vpcId}`, (page) =>
      this.api.getSubnets(vpcId, { page, page_size: pageSize }),
    );
  }

  /** Adds a subnet exactly once (found again by its label). */
  createSubnet(vpcId: number, subnet: SubnetCreate): Promise<Subnet> {
    return this.calls.createOnce(
      `creating subnet ${subnet.label} in VPC ${vpcId}`,
      () => this.api.createSubnet(vpcId, { ...subnet }),
      async () => (await this.subnets(vpcId)).find((existing) => existing.label === subnet.label),
    );
  }

  /** Deletes the subnet; the API refuses while instances' interfaces use it. */
  deleteSubnet(vpcId: number, subnetId: number): Promise<'deleted' | 'absent'> {
    return this.calls.remove(`deleting subnet ${subnetId} of VPC ${vpcId}`, () =>
      this.api.deleteSubnet(vpcId, subnetId),
    );
  }

  /**
   * VPC addresses of the account's instances (X-Filter on `vpc_id`, `subnet_id`, `linode_id`):
   * every replica's private address in one request for up to 500.
   */
  ips(filter: Record<string, unknown> = {}): Promise<VPCIP[]> {
    return this.calls.allPages('listing VPC addresses', (page) =>
      this.api.getVPCsIPs({ page, page_size: pageSize }, filter),
    );
  }
}

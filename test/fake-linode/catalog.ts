/**
 * The fake API's fixed catalogue: types (with hourly prices, GPU plans included), regions (some
 * without the Metadata capability) and images (some without cloud-init). Shaped like the
 * @linode/api-v4 types so a drift in the library's types fails the typecheck here.
 */
import type { Capabilities, Image, LinodeType, Region } from '@linode/api-v4';

function linodeType(
  id: string,
  label: string,
  klass: LinodeType['class'],
  specs: { vcpus: number; memory: number; disk: number; gpus?: number },
  hourly: number,
  regionPrices: { id: string; hourly: number }[] = [],
): LinodeType {
  return {
    id,
    label,
    class: klass,
    vcpus: specs.vcpus,
    memory: specs.memory,
    disk: specs.disk,
    gpus: specs.gpus ?? 0,
    accelerated_devices: 0,
    network_out: 1000,
    transfer: 1000,
    successor: null,
    price: { hourly, monthly: Math.round(hourly * 730 * 100) / 100 },
    region_prices: regionPrices.map((price) => ({
      id: price.id,
      hourly: price.hourly,
      monthly: Math.round(price.hourly * 730 * 100) / 100,
    })),
    addons: { backups: { price: { hourly: 0.003, monthly: 2 }, region_prices: [] } },
  };
}

export const fakeTypes: readonly LinodeType[] = [
  linodeType('g6-nanode-1', 'Nanode 1GB', 'nanode', { vcpus: 1, memory: 1024, disk: 25600 }, 0.0075),
  linodeType('g6-standard-1', 'Linode 2GB', 'standard', { vcpus: 1, memory: 2048, disk: 51200 }, 0.018),
  linodeType('g6-standard-2', 'Linode 4GB', 'standard', { vcpus: 2, memory: 4096, disk: 81920 }, 0.036, [
    { id: 'br-gru', hourly: 0.05 },
  ]),
  linodeType('g6-standard-4', 'Linode 8GB', 'standard', { vcpus: 4, memory: 8192, disk: 163840 }, 0.072),
  linodeType('g6-standard-8', 'Linode 16GB', 'standard', { vcpus: 6, memory: 16384, disk: 327680 }, 0.144),
  linodeType('g6-dedicated-4', 'Dedicated 8GB', 'dedicated', { vcpus: 4, memory: 8192, disk: 163840 }, 0.108),
  linodeType(
    'g1-gpu-rtx6000-1',
    'Dedicated 32GB + RTX6000 GPU x1',
    'gpu',
    { vcpus: 8, memory: 32768, disk: 655360, gpus: 1 },
    1.5,
  ),
  linodeType(
    'g2-gpu-rtx4000a1-s',
    'RTX4000 Ada x1 Small',
    'gpu',
    { vcpus: 4, memory: 16384, disk: 512000, gpus: 1 },
    0.52,
  ),
  linodeType(
    'g2-gpu-rtx4000a1-m',
    'RTX4000 Ada x1 Medium',
    'gpu',
    { vcpus: 8, memory: 32768, disk: 512000, gpus: 1 },
    0.67,
  ),
];

function region(id: string, label: string, country: Region['country'], capabilities: Capabilities[]): Region {
  return {
    id,
    label,
    country,
    capabilities,
    placement_group_limits: { maximum_linodes_per_pg: 5, maximum_pgs_per_customer: null },
    resolvers: { ipv4: '192.0.2.53', ipv6: '2001:db8::53' },
    site_type: 'core',
    status: 'ok',
  };
}

const core: Capabilities[] = ['Linodes', 'Cloud Firewall', 'Block Storage', 'Vlans', 'VPCs', 'NodeBalancers'];
const placement: Capabilities = 'Placement Group';

export const fakeRegions: readonly Region[] = [
  region('us-east', 'Newark, NJ', 'us', [...core, 'Metadata', placement]),
  region('us-ord', 'Chicago, IL', 'us', [...core, 'Metadata', 'GPU Linodes', placement]),
  region('us-sea', 'Seattle, WA', 'us', [...core, 'Metadata', 'GPU Linodes', placement]),
  region('de-fra-2', 'Frankfurt 2, DE', 'de', [...core, 'Metadata', 'GPU Linodes', placement]),
  // No placement groups here: replicas spread only where the region offers it.
  region('br-gru', 'Sao Paulo, BR', 'br', [...core, 'Metadata']),
  // Older sites without cloud-init metadata: a deploy there must be refused up front.
  region('eu-west', 'London, UK', 'gb', core),
  // Nor NodeBalancers, VPCs or placement groups: a replicated deploy there must be refused.
  region('ap-south', 'Singapore, SG', 'sg', ['Linodes', 'Cloud Firewall', 'Block Storage']),
];

function image(id: string, label: string, capabilities: Image['capabilities']): Image {
  return {
    id,
    label,
    capabilities,
    created: '2024-04-25T00:00:00',
    created_by: 'linode',
    deprecated: false,
    description: null,
    eol: null,
    expiry: null,
    is_public: true,
    regions: [],
    size: 2500,
    status: 'available',
    tags: [],
    total_size: 2500,
    type: 'manual',
    updated: '2024-04-25T00:00:00',
    vendor: 'Ubuntu',
  };
}

export const fakeImages: readonly Image[] = [
  image('linode/ubuntu26.04', 'Ubuntu 26.04 LTS', ['cloud-init']),
  image('linode/ubuntu24.04', 'Ubuntu 24.04 LTS', ['cloud-init']),
  image('linode/ubuntu22.04', 'Ubuntu 22.04 LTS', ['cloud-init']),
  image('linode/debian12', 'Debian 12', ['cloud-init']),
  // An image without cloud-init: user-data would be silently ignored there.
  image('linode/centos7', 'CentOS 7', []),
];

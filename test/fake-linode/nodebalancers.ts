/**
 * The fake API's NodeBalancers: NodeBalancers, their port configs and backend nodes, node status
 * from the backends' simulated health, NodeBalancer types with prices, and the NodeBalancer's
 * firewalls.
 *
 * Bodies arrive in the wire shape (a node's `address` is `ip:port`). @linode/validation's
 * schemas describe the shape api-v4 takes before it joins address and port, so the fake splits
 * them again and validates with those schemas. Where the schema is stricter than the API (a
 * config needs at least one node) the fake follows the schema: api-v4 refuses such a body
 * before sending it, so linode-build can never rely on the looser rule.
 *
 * Beyond the schemas, the fake checks what the API checks: the region has the NodeBalancers
 * capability, labels are unique, a port is used by one config per NodeBalancer, check_interval
 * exceeds check_timeout, a node's address is a private IPv4 (Linode's 192.168.0.0/16, or a VPC
 * subnet's address with `subnet_id` on v4beta), a firewall protects at most one NodeBalancer.
 *
 * A check passes when the backend is a live, running instance holding that private address (or
 * VPC address) and its app answers the health check. The app's answer comes from
 * `backendHealth` (the simulated machines, test/fake-linode/machines.ts, set it) and defaults to
 * "answers" for a running instance; `setNodeHealth` overrides it per instance.
 *
 * Node status follows the checks as a NodeBalancer's does: a new node is `unknown`; every
 * `check_interval` seconds (from the node's creation) it is checked; one passing check makes it
 * UP, `check_attempts` failures in a row make it DOWN, fewer leave its status as it was. Seconds
 * are the fake's seconds (`secondMs`, derived from its boot timing in server.ts), so a test's
 * NodeBalancer notices a stopped app after interval × attempts of scaled time, as Linode's
 * would, and tests stay fast. With `secondMs` 0 (fakes whose instances boot instantly) status is
 * the check's answer at read time. Not modelled: check_timeout (a failing check fails at once)
 * and passive checks (failed requests do not count).
 */
import type {
  Linode,
  NodeBalancer,
  NodeBalancerConfig,
  NodeBalancerConfigNode,
  NodeBalancerConfigNodeMode,
  PriceType,
} from '@linode/api-v4';
import {
  createNodeBalancerConfigSchema,
  NodeBalancerSchema,
  nodeBalancerConfigNodeSchema,
  UpdateNodeBalancerConfigSchema,
  UpdateNodeBalancerSchema,
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
import { NodeBalancerTraffic } from './nodebalancer-traffic.js';

/** A config as the API returns it: without `nodes` (api-v4's type adds them for Cloud Manager). */
export type FakeNodeBalancerConfig = Omit<NodeBalancerConfig, 'nodes'>;

/**
 * Whether a backend's app answers `GET checkPath` on `port` (the simulated machine's health);
 * `checkPath` undefined: a `connection` check, which only opens a TCP connection to the port.
 */
export type BackendHealth = (instance: Linode, port: number, checkPath: string | undefined) => boolean;

/** What the NodeBalancer routes need from the rest of the fake. */
export interface NodeBalancerWorld {
  /** Live instances (deleted ones are gone), with current status. */
  liveInstances(): Linode[];
  /** The VPC address an instance holds in this subnet, if any (v4beta VPC backends). */
  vpcAddressIn(subnetId: number, address: string): Linode | undefined;
  /** Throws 404/400 when the firewall does not exist or already protects another NodeBalancer. */
  attachFirewall(firewallId: number, nodeBalancer: NodeBalancer): void;
  /** Removes the NodeBalancer from every firewall's devices. */
  detachFirewalls(nodeBalancerId: number): void;
  /** Firewalls whose devices include the NodeBalancer. */
  firewallsOf(nodeBalancerId: number): unknown[];
  /** How many ms one second of Linode's time lasts in this fake (0: checks are instant). */
  secondMs(): number;
}

type NodeStatus = NodeBalancerConfigNode['status'];

/** A node as the fake keeps it: what the API shows, plus where its checks stand. */
type NodeRecord = NodeBalancerConfigNode & {
  subnet_id?: number;
  /** The status its checks so far give (`unknown` until the first pass or check_attempts failures). */
  checked: NodeStatus;
  /** Failed checks in a row. */
  failures: number;
};

interface ConfigRecord {
  config: FakeNodeBalancerConfig;
  readonly nodes: Map<number, NodeRecord>;
}

interface NodeBalancerRecord {
  readonly nodeBalancer: NodeBalancer;
  readonly configs: Map<number, ConfigRecord>;
}

const nodeBalancerFilterable = new Set(['id', 'label', 'tags', 'region', 'ipv4']);

/** GET /nodebalancers/types: Linode's NodeBalancer price, with region-specific rates. */
export const fakeNodeBalancerTypes: readonly PriceType[] = [
  {
    id: 'nodebalancer',
    label: 'NodeBalancer',
    price: { hourly: 0.015, monthly: 10 },
    region_prices: [{ id: 'br-gru', hourly: 0.021, monthly: 14 }],
    transfer: 0,
  },
];

const wireAddress = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/;
const linodePrivate = /^192\.168\./;

function splitAddress(address: unknown, field: string): { address: string; port: number } {
  const parts = typeof address === 'string' ? wireAddress.exec(address) : null;
  if (!parts) {
    throw new HttpError(400, [{ field, reason: 'address must be a private IPv4 address and port, ip:port' }]);
  }
  return { address: parts[1]!, port: Number(parts[2]) };
}

/** The node as @linode/validation's schema expects it (address and port apart). */
function schemaNode(node: Record<string, unknown>, field: string): Record<string, unknown> {
  return { ...node, ...splitAddress(node.address, `${field}address`) };
}

function schemaConfig(config: Record<string, unknown>, field: string): Record<string, unknown> {
  const nodes = Array.isArray(config.nodes)
    ? (config.nodes as Record<string, unknown>[]).map((node, index) =>
        schemaNode(node, `${field}nodes[${index}].`),
      )
    : config.nodes;
  return { ...config, nodes };
}

function checkTiming(
  config: Pick<FakeNodeBalancerConfig, 'check_interval' | 'check_timeout'>,
  field: string,
) {
  if (config.check_interval <= config.check_timeout) {
    throw new HttpError(400, [
      { field: `${field}check_interval`, reason: 'check_interval must be greater than check_timeout' },
    ]);
  }
}

export class FakeNodeBalancers {
  private readonly records = new Map<number, NodeBalancerRecord>();
  private readonly nodeHealth = new Map<number, boolean>();
  private backendHealth: BackendHealth | undefined;
  private nextId = 70_001;
  private nextConfigId = 81_001;
  private nextNodeId = 92_001;
  private traffic: NodeBalancerTraffic | undefined;
  private readonly turns = new Map<number, number>();
  /** Each node's next check (node id → timer), cleared when the node goes or the fake closes. */
  private readonly checks = new Map<number, NodeJS.Timeout>();

  constructor(
    private readonly world: NodeBalancerWorld,
    private readonly loopbackBlock: () => number,
  ) {}

  /** Every NodeBalancer (no request logged), for assertions. */
  list(): NodeBalancer[] {
    return [...this.records.values()].map((record) => record.nodeBalancer);
  }

  /** The configs of a NodeBalancer, with their nodes and each node's current status. */
  configsOf(nodeBalancerId: number): (FakeNodeBalancerConfig & { nodes: NodeBalancerConfigNode[] })[] {
    const record = this.records.get(nodeBalancerId);
    if (!record) return [];
    return [...record.configs.values()].map((entry) => ({
      ...this.configView(record, entry),
      nodes: this.nodesView(record, entry),
    }));
  }

  /**
   * Creates a NodeBalancer as POST /nodebalancers would (same checks, wire-shape body) without a
   * request in the log, e.g. to seed 50 deployments for a request count.
   */
  async seed(body: Record<string, unknown>): Promise<NodeBalancer> {
    const nodeBalancer = await this.create(body, 'v4');
    await this.syncTraffic();
    return nodeBalancer;
  }

  /**
   * Makes every config listen on its NodeBalancer's address and port and pass connections to its
   * UP `accept` nodes (nodebalancer-traffic.ts); off by default, so tests never bind ports they
   * did not ask for. The sandbox turns it on with its simulated machines.
   */
  async serveTraffic(on: boolean): Promise<void> {
    if (on && !this.traffic) this.traffic = new NodeBalancerTraffic((configId) => this.pickBackend(configId));
    if (!on && this.traffic) {
      await this.traffic.close();
      this.traffic = undefined;
    }
    await this.syncTraffic();
  }

  /** Listeners that could not start (e.g. a port below 1024 without root). */
  trafficProblems(): readonly string[] {
    return this.traffic?.problems ?? [];
  }

  /** Stops every node's checks (the fake is closing). */
  stopChecks(): void {
    for (const timer of this.checks.values()) clearTimeout(timer);
    this.checks.clear();
  }

  private async syncTraffic(): Promise<void> {
    await this.traffic?.sync(
      [...this.records.values()].flatMap((record) =>
        [...record.configs.values()].map((entry) => ({
          key: entry.config.id,
          host: record.nodeBalancer.ipv4,
          port: entry.config.port,
        })),
      ),
    );
  }

  /** Round robin over the UP accept nodes, else the UP backup nodes (the NodeBalancer's rule). */
  private pickBackend(configId: number): { host: string; port: number } | undefined {
    for (const record of this.records.values()) {
      const entry = record.configs.get(configId);
      if (!entry) continue;
      // A config that checks nothing ('unknown') sends to every node, as a NodeBalancer does.
      const up = [...entry.nodes.values()].filter((node) => this.statusOf(record, entry, node) !== 'DOWN');
      const accepting = up.filter((node) => node.mode === 'accept');
      const pool = accepting.length > 0 ? accepting : up.filter((node) => node.mode === 'backup');
      if (pool.length === 0) return undefined;
      const turn = this.turns.get(configId) ?? 0;
      this.turns.set(configId, turn + 1);
      const node = pool[turn % pool.length]!;
      const backend = this.backendOf(record, node);
      const port = Number(/:(\d+)$/.exec(node.address)?.[1]);
      return backend?.ipv4[0] ? { host: backend.ipv4[0], port } : undefined;
    }
    return undefined;
  }

  setBackendHealth(health: BackendHealth | undefined): void {
    this.backendHealth = health;
  }

  /** Forces every node on this instance UP (true) or DOWN (false); undefined: back to derived. */
  setNodeHealth(instanceId: number, up: boolean | undefined): void {
    if (up === undefined) this.nodeHealth.delete(instanceId);
    else this.nodeHealth.set(instanceId, up);
  }

  /** Handles a NodeBalancer route, or returns `undefined` when the path is not one of them. */
  async route(request: RouteRequest): Promise<unknown> {
    const answer = await this.answer(request);
    if (answer !== undefined && request.method !== 'GET') await this.syncTraffic();
    return answer;
  }

  private async answer(request: RouteRequest): Promise<unknown> {
    const { method, segments, url, body, filter, apiVersion } = request;
    if (segments[0] !== 'nodebalancers') return undefined;
    if (segments[1] === 'types' && segments.length === 2 && method === 'GET') {
      return page([...fakeNodeBalancerTypes], url);
    }
    const [nbId, configId, nodeId] = [segments[1], segments[3], segments[5]].map(Number) as [
      number,
      number,
      number,
    ];
    switch (routeKey(method, segments)) {
      case 'GET /nodebalancers':
        return filteredPage(this.list(), filter, nodeBalancerFilterable, url);
      case 'POST /nodebalancers':
        return this.create(body(), apiVersion);
      case 'GET /nodebalancers/:id':
        return this.record(nbId).nodeBalancer;
      case 'PUT /nodebalancers/:id':
        return this.update(nbId, body());
      case 'DELETE /nodebalancers/:id':
        this.record(nbId);
        this.records.delete(nbId);
        this.world.detachFirewalls(nbId);
        return {};
      case 'GET /nodebalancers/:id/firewalls':
        this.record(nbId);
        return page(this.world.firewallsOf(nbId), url);
      case 'GET /nodebalancers/:id/configs': {
        const record = this.record(nbId);
        return page(
          [...record.configs.values()].map((entry) => this.configView(record, entry)),
          url,
        );
      }
      case 'POST /nodebalancers/:id/configs': {
        const record = this.record(nbId);
        const sent = body();
        await validateWith(createNodeBalancerConfigSchema, schemaConfig(sent, ''));
        const entry = this.addConfig(record, sent, '', apiVersion);
        return this.configView(record, entry);
      }
      case 'GET /nodebalancers/:id/configs/:id': {
        const record = this.record(nbId);
        return this.configView(record, this.config(record, configId));
      }
      case 'PUT /nodebalancers/:id/configs/:id':
        return this.updateConfig(nbId, configId, body());
      case 'DELETE /nodebalancers/:id/configs/:id': {
        const record = this.record(nbId);
        this.config(record, configId);
        record.configs.delete(configId);
        return {};
      }
      case 'GET /nodebalancers/:id/configs/:id/nodes': {
        const record = this.record(nbId);
        return page(this.nodesView(record, this.config(record, configId)), url);
      }
      case 'POST /nodebalancers/:id/configs/:id/nodes': {
        const record = this.record(nbId);
        const entry = this.config(record, configId);
        const sent = body();
        await validateWith(nodeBalancerConfigNodeSchema, schemaNode(sent, ''));
        const node = this.addNode(record, entry, sent, '', apiVersion);
        return this.nodeView(record, entry, node);
      }
      case 'GET /nodebalancers/:id/configs/:id/nodes/:id': {
        const record = this.record(nbId);
        const entry = this.config(record, configId);
        return this.nodeView(record, entry, this.node(entry, nodeId));
      }
      case 'PUT /nodebalancers/:id/configs/:id/nodes/:id': {
        const record = this.record(nbId);
        const entry = this.config(record, configId);
        const node = this.node(entry, nodeId);
        const sent = body();
        // A partial update is allowed by the API; validate what the node becomes.
        const merged = {
          label: node.label,
          address: node.address,
          mode: node.mode,
          weight: node.weight,
          ...sent,
        };
        await validateWith(nodeBalancerConfigNodeSchema, schemaNode(merged, ''));
        const { address } = this.checkNodeAddress(record, merged, '', apiVersion);
        // Another backend: what was known of the old one's health no longer says anything.
        if (address !== node.address) Object.assign(node, { checked: 'unknown', failures: 0 });
        node.address = address;
        node.label = String(merged.label);
        node.mode = merged.mode as NodeBalancerConfigNodeMode;
        node.weight = Number(merged.weight);
        return this.nodeView(record, entry, node);
      }
      case 'DELETE /nodebalancers/:id/configs/:id/nodes/:id': {
        const record = this.record(nbId);
        const entry = this.config(record, configId);
        this.node(entry, nodeId);
        entry.nodes.delete(nodeId);
        return {};
      }
      default:
        return undefined;
    }
  }

  private record(id: number): NodeBalancerRecord {
    return found(this.records.get(id));
  }

  private config(record: NodeBalancerRecord, id: number): ConfigRecord {
    return found(record.configs.get(id));
  }

  private node(entry: ConfigRecord, id: number): NodeRecord {
    return found(entry.nodes.get(id));
  }

  private async create(body: Record<string, unknown>, apiVersion: string): Promise<NodeBalancer> {
    const configs = Array.isArray(body.configs) ? (body.configs as Record<string, unknown>[]) : [];
    await validateWith(NodeBalancerSchema, {
      ...body,
      ...(Array.isArray(body.configs)
        ? { configs: configs.map((config, index) => schemaConfig(config, `configs[${index}].`)) }
        : {}),
    });
    const errors: { field?: string; reason: string }[] = [];
    const region = fakeRegions.find((r) => r.id === body.region);
    if (!region) errors.push({ field: 'region', reason: 'region is not valid' });
    else if (!region.capabilities.includes('NodeBalancers')) {
      errors.push({ field: 'region', reason: `NodeBalancers are not available in region ${region.id}` });
    }
    if (this.list().some((nb) => nb.label === body.label)) {
      errors.push({ field: 'label', reason: 'Label must be unique among your NodeBalancers' });
    }
    if (errors.length > 0) throw new HttpError(400, errors);
    const id = this.nextId++;
    const n = id - 70_000;
    const ipv4 = `127.${this.loopbackBlock()}.251.${(n % 250) + 2}`;
    const now = apiTimestamp(Date.now());
    const nodeBalancer: NodeBalancer = {
      id,
      label: String(body.label),
      region: region!.id,
      tags: ((body.tags as string[] | undefined) ?? []).map(String),
      client_conn_throttle: typeof body.client_conn_throttle === 'number' ? body.client_conn_throttle : 0,
      created: now,
      updated: now,
      hostname: `${ipv4.replaceAll('.', '-')}.ip.linodeusercontent.com`,
      ipv4,
      ipv6: `2001:db8:ffff::${n.toString(16)}`,
      frontend_address_type: 'public',
      frontend_vpc_subnet_id: null,
      lke_cluster: null,
      transfer: { in: 0, out: 0, total: 0 },
      type: 'common',
    };
    const record: NodeBalancerRecord = { nodeBalancer, configs: new Map() };
    // Check everything that can fail before anything is kept: a refused create leaves nothing.
    const staged = { ...record, configs: new Map<number, ConfigRecord>() };
    configs.forEach((config, index) => {
      this.addConfig(staged, config, `configs[${index}].`, apiVersion);
    });
    if (typeof body.firewall_id === 'number') this.world.attachFirewall(body.firewall_id, nodeBalancer);
    for (const [configId, entry] of staged.configs) record.configs.set(configId, entry);
    this.records.set(id, record);
    return nodeBalancer;
  }

  private async update(id: number, body: Record<string, unknown>): Promise<NodeBalancer> {
    await validateWith(UpdateNodeBalancerSchema, body);
    const { nodeBalancer } = this.record(id);
    if (typeof body.label === 'string') {
      if (this.list().some((nb) => nb.label === body.label && nb.id !== id)) {
        throw new HttpError(400, [
          { field: 'label', reason: 'Label must be unique among your NodeBalancers' },
        ]);
      }
      nodeBalancer.label = body.label;
    }
    if (Array.isArray(body.tags)) nodeBalancer.tags = body.tags.map(String);
    if (typeof body.client_conn_throttle === 'number')
      nodeBalancer.client_conn_throttle = body.client_conn_throttle;
    nodeBalancer.updated = apiTimestamp(Date.now());
    return nodeBalancer;
  }

  private addConfig(
    record: NodeBalancerRecord,
    sent: Record<string, unknown>,
    field: string,
    apiVersion: string,
  ): ConfigRecord {
    const port = Number(sent.port);
    if ([...record.configs.values()].some((entry) => entry.config.port === port)) {
      throw new HttpError(400, [
        { field: `${field}port`, reason: `Port ${port} is already configured on this NodeBalancer` },
      ]);
    }
    const protocol = (sent.protocol as FakeNodeBalancerConfig['protocol'] | undefined) ?? 'http';
    const config: FakeNodeBalancerConfig = {
      id: this.nextConfigId++,
      nodebalancer_id: record.nodeBalancer.id,
      port,
      protocol,
      algorithm: (sent.algorithm as FakeNodeBalancerConfig['algorithm'] | undefined) ?? 'roundrobin',
      stickiness: (sent.stickiness as FakeNodeBalancerConfig['stickiness'] | undefined) ?? 'none',
      check: (sent.check as FakeNodeBalancerConfig['check'] | undefined) ?? 'none',
      check_interval: typeof sent.check_interval === 'number' ? sent.check_interval : 31,
      check_timeout: typeof sent.check_timeout === 'number' ? sent.check_timeout : 30,
      check_attempts: typeof sent.check_attempts === 'number' ? sent.check_attempts : 3,
      check_path: typeof sent.check_path === 'string' ? sent.check_path : '',
      check_body: typeof sent.check_body === 'string' ? sent.check_body : '',
      check_passive: typeof sent.check_passive === 'boolean' ? sent.check_passive : true,
      cipher_suite:
        (sent.cipher_suite as FakeNodeBalancerConfig['cipher_suite'] | undefined) ?? 'recommended',
      proxy_protocol: (sent.proxy_protocol as FakeNodeBalancerConfig['proxy_protocol'] | undefined) ?? 'none',
      nodes_status: { up: 0, down: 0 },
      ssl_cert: protocol === 'https' ? '<REDACTED>' : '',
      ssl_key: protocol === 'https' ? '<REDACTED>' : '',
      ssl_commonname: '',
      ssl_fingerprint: '',
    };
    checkTiming(config, field);
    const entry: ConfigRecord = { config, nodes: new Map() };
    const nodes = Array.isArray(sent.nodes) ? (sent.nodes as Record<string, unknown>[]) : [];
    nodes.forEach((node, index) => {
      this.addNode(record, entry, node, `${field}nodes[${index}].`, apiVersion);
    });
    record.configs.set(config.id, entry);
    return entry;
  }

  private checkNodeAddress(
    record: NodeBalancerRecord,
    node: Record<string, unknown>,
    field: string,
    apiVersion: string,
  ): { address: string; subnetId?: number } {
    const { address } = splitAddress(node.address, `${field}address`);
    if (typeof node.subnet_id === 'number') {
      if (apiVersion !== 'v4beta') {
        throw new HttpError(400, [
          { field: `${field}subnet_id`, reason: 'VPC backends are only available on /v4beta' },
        ]);
      }
      const owner = this.world.vpcAddressIn(node.subnet_id, address);
      if (!owner || owner.region !== record.nodeBalancer.region) {
        throw new HttpError(400, [
          { field: `${field}address`, reason: `${address} is not an address in subnet ${node.subnet_id}` },
        ]);
      }
      return { address: String(node.address), subnetId: node.subnet_id };
    }
    if (!linodePrivate.test(address)) {
      throw new HttpError(400, [
        {
          field: `${field}address`,
          reason: 'Must be a private IPv4 address (192.168.0.0/16) or a VPC address with subnet_id',
        },
      ]);
    }
    return { address: String(node.address) };
  }

  private addNode(
    record: NodeBalancerRecord,
    entry: ConfigRecord,
    sent: Record<string, unknown>,
    field: string,
    apiVersion: string,
  ): NodeRecord {
    const { address, subnetId } = this.checkNodeAddress(record, sent, field, apiVersion);
    const node: NodeRecord = {
      id: this.nextNodeId++,
      config_id: entry.config.id,
      nodebalancer_id: record.nodeBalancer.id,
      address,
      label: String(sent.label),
      mode: (sent.mode as NodeBalancerConfigNodeMode | undefined) ?? 'accept',
      weight: typeof sent.weight === 'number' ? sent.weight : 100,
      status: 'unknown',
      checked: 'unknown',
      failures: 0,
      ...(subnetId !== undefined ? { subnet_id: subnetId } : {}),
    };
    entry.nodes.set(node.id, node);
    this.scheduleCheck(record, entry, node);
    return node;
  }

  /**
   * The node's next check, one check_interval (in the fake's seconds) from now. A node whose
   * NodeBalancer, config or self is gone by then (deleted, or a refused create that never kept
   * it) is checked no more.
   */
  private scheduleCheck(record: NodeBalancerRecord, entry: ConfigRecord, node: NodeRecord): void {
    const secondMs = this.world.secondMs();
    // Instant checks (secondMs 0) need no timer; look again later in case the timing changes.
    const delay = secondMs > 0 ? Math.max(1, entry.config.check_interval * secondMs) : 100;
    const timer = setTimeout(() => {
      this.checks.delete(node.id);
      // By id: a create's nodes are scheduled on its staged copy, before the record is kept.
      const kept = this.records.get(record.nodeBalancer.id);
      if (kept?.configs.get(entry.config.id) !== entry || entry.nodes.get(node.id) !== node) return;
      if (entry.config.check !== 'none') {
        if (this.checkPasses(kept, entry, node)) {
          node.checked = 'UP';
          node.failures = 0;
        } else {
          node.failures += 1;
          if (node.failures >= entry.config.check_attempts) node.checked = 'DOWN';
        }
      }
      this.scheduleCheck(kept, entry, node);
    }, delay);
    timer.unref();
    this.checks.set(node.id, timer);
  }

  private async updateConfig(nbId: number, configId: number, body: Record<string, unknown>) {
    await validateWith(UpdateNodeBalancerConfigSchema, body);
    const record = this.record(nbId);
    const entry = this.config(record, configId);
    const next = { ...entry.config } as Record<string, unknown>;
    for (const [key, value] of Object.entries(body)) {
      if (key === 'nodes' || key === 'id' || key === 'nodebalancer_id' || key === 'nodes_status') continue;
      next[key] = value;
    }
    const config = next as unknown as FakeNodeBalancerConfig;
    if (
      config.port !== entry.config.port &&
      [...record.configs.values()].some((other) => other.config.port === config.port)
    ) {
      throw new HttpError(400, [
        { field: 'port', reason: `Port ${config.port} is already configured on this NodeBalancer` },
      ]);
    }
    checkTiming(config, '');
    if (config.check === 'http' && !config.check_path) {
      throw new HttpError(400, [{ field: 'check_path', reason: 'An HTTP path is required.' }]);
    }
    entry.config = config;
    return this.configView(record, entry);
  }

  /** The live instance a node points at: by its private IPv4, or its VPC address (v4beta). */
  private backendOf(record: NodeBalancerRecord, node: NodeRecord) {
    const ip = node.address.replace(/:\d+$/, '');
    return node.subnet_id !== undefined
      ? this.world.vpcAddressIn(node.subnet_id, ip)
      : this.world
          .liveInstances()
          .find((linode) => linode.region === record.nodeBalancer.region && linode.ipv4.includes(ip));
  }

  /** What one health check of the node gets now: its backend runs and its app answers. */
  private checkPasses(record: NodeBalancerRecord, entry: ConfigRecord, node: NodeRecord): boolean {
    const port = Number(/:(\d+)$/.exec(node.address)?.[1]);
    const backend = this.backendOf(record, node);
    if (backend?.status !== 'running') return false;
    const forced = this.nodeHealth.get(backend.id);
    if (forced !== undefined) return forced;
    const path = entry.config.check === 'connection' ? undefined : entry.config.check_path || '/';
    return this.backendHealth ? this.backendHealth(backend, port, path) : true;
  }

  private statusOf(record: NodeBalancerRecord, entry: ConfigRecord, node: NodeRecord): NodeStatus {
    if (entry.config.check === 'none') return 'unknown';
    if (this.world.secondMs() > 0) return node.checked;
    return this.checkPasses(record, entry, node) ? 'UP' : 'DOWN';
  }

  private nodesView(record: NodeBalancerRecord, entry: ConfigRecord): NodeBalancerConfigNode[] {
    return [...entry.nodes.values()].map((node) => this.nodeView(record, entry, node));
  }

  private nodeView(
    record: NodeBalancerRecord,
    entry: ConfigRecord,
    node: NodeRecord,
  ): NodeBalancerConfigNode {
    const { subnet_id: _subnet, checked: _checked, failures: _failures, ...shown } = node;
    return { ...shown, status: this.statusOf(record, entry, node) };
  }

  private configView(record: NodeBalancerRecord, entry: ConfigRecord): FakeNodeBalancerConfig {
    const statuses = this.nodesView(record, entry).map((node) => node.status);
    return {
      ...entry.config,
      nodes_status: {
        up: statuses.filter((status) => status === 'UP').length,
        down: statuses.filter((status) => status === 'DOWN').length,
      },
    };
  }
}

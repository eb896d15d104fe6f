/**
 * NodeBalancers through @linode/api-v4: the NodeBalancer, its port configs (with an HTTP health
 * check on a path), its backend nodes (accept / drain / reject) and its price.
 *
 * api-v4 quirks this module absorbs, so callers never meet them:
 * - api-v4 takes a node's address and port apart and joins them (`ip:port`) before sending;
 *   its type omits `port`, so the bodies are built here.
 * - api-v4 validates a config with at least one node, on create and inside a NodeBalancer
 *   create: a NodeBalancer whose backends are not ready yet is created with no configs, and
 *   its config is created with the first healthy backend.
 * - api-v4 validates a node update as a whole node (label, address, port): changing the mode
 *   resends the node as listed.
 * - api-v4's node listing takes no paging parameters: one request answers up to 100 nodes
 *   (the API's default page), which `nodes` checks.
 *
 * Creates are at most once (ApiCalls.createOnce): a NodeBalancer is found again by its label
 * (unique per account), a config by its port (unique per NodeBalancer), a node by its address.
 */
import type {
  NodeBalancerConfig as ApiNodeBalancerConfig,
  Firewall,
  NodeBalancer,
  NodeBalancerConfigNode,
  PriceType,
} from '@linode/api-v4';
import { CliError } from '../errors.js';
import { type ApiCalls, pageSize } from './calls.js';

export type { NodeBalancer, NodeBalancerConfigNode as NodeBalancerNode, PriceType };

/** A config as the API returns it: `nodes_status` counts, no `nodes` (list those with `nodes`). */
export type NodeBalancerConfig = Omit<ApiNodeBalancerConfig, 'nodes'>;

/** accept: in rotation; drain: no new connections; reject: no traffic; backup: only if all are down. */
export type NodeMode = 'accept' | 'drain' | 'reject' | 'backup';

/** A backend: a replica's private IPv4 (192.168.x.x) and the app's port on it. */
export interface Backend {
  /** 3–32 of letters, digits, `.`, `-`, `_` (shown in Cloud Manager). */
  readonly label: string;
  readonly address: string;
  readonly port: number;
  /** Default accept. */
  readonly mode?: NodeMode;
  /** 1–255; default 100. */
  readonly weight?: number;
}

/**
 * The NodeBalancer's health check: GET `path` on each backend (`http`, the default), or only a
 * TCP connection to its port (`connection`: no path).
 */
export interface HealthCheck {
  readonly type?: 'http' | 'connection';
  readonly path?: string;
  /** Seconds between checks, 2–3600; must exceed the timeout. Default 10. */
  readonly intervalSeconds?: number;
  /** Seconds to wait for an answer, 1–30. Default 5. */
  readonly timeoutSeconds?: number;
  /** Failed checks before a backend is DOWN, 1–30. Default 3. */
  readonly attempts?: number;
}

/** One listening port of the NodeBalancer and where it sends traffic. */
export interface PortConfig {
  readonly port: number;
  /** Default http (the NodeBalancer speaks HTTP to the client and the backend). */
  readonly protocol?: 'http' | 'tcp';
  /** Default roundrobin. */
  readonly algorithm?: 'roundrobin' | 'leastconn' | 'source';
  readonly check: HealthCheck;
  /** At least one: api-v4 refuses a config without backends. */
  readonly backends: readonly Backend[];
}

export interface NodeBalancerCreate {
  /** 3–32 of letters, digits, `-`, `_`; unique per account (it finds a lost create again). */
  readonly label: string;
  readonly region: string;
  readonly tags: readonly string[];
  /** The Cloud Firewall protecting the NodeBalancer (one NodeBalancer per firewall). */
  readonly firewallId?: number;
  /** Empty when no backend is ready yet: create the config later with `createConfig`. */
  readonly configs: readonly PortConfig[];
}

/** A config with its nodes and their status, as `backends` returns it. */
export interface ConfigBackends {
  readonly config: NodeBalancerConfig;
  readonly nodes: readonly NodeBalancerConfigNode[];
}

/** Splits a node's `ip:port` address. */
export function splitNodeAddress(address: string): { address: string; port: number } {
  const match = /^(.*):(\d+)$/.exec(address);
  if (!match) return { address, port: 0 };
  return { address: match[1]!, port: Number(match[2]) };
}

/** An instance's private IPv4 (Linode's 192.168.128.0/17), which NodeBalancer nodes use. */
export function privateIpv4Of(instance: { readonly ipv4: readonly string[] }): string | undefined {
  return instance.ipv4.find((address) => {
    const [a, b, c] = address.split('.').map(Number);
    return a === 192 && b === 168 && c !== undefined && c >= 128 && c <= 255;
  });
}

/** api-v4's node input: address and port apart (it joins them); its type lacks `port`. */
type ApiNodeInput = { address: string; port: number; label: string; mode?: NodeMode; weight?: number };
type CreateNodeBalancerPayload = Parameters<ApiCalls['api']['createNodeBalancer']>[0];
type CreateConfigPayload = Parameters<ApiCalls['api']['createNodeBalancerConfig']>[1];
type CreateNodePayload = Parameters<ApiCalls['api']['createNodeBalancerConfigNode']>[2];

function nodeInput(backend: Backend): ApiNodeInput {
  return {
    address: backend.address,
    port: backend.port,
    label: backend.label,
    mode: backend.mode ?? 'accept',
    weight: backend.weight ?? 100,
  };
}

function checkFields(check: HealthCheck) {
  return {
    ...(check.type === 'connection'
      ? { check: 'connection' as const }
      : { check: 'http' as const, check_path: check.path ?? '/' }),
    check_interval: check.intervalSeconds ?? 10,
    check_timeout: check.timeoutSeconds ?? 5,
    check_attempts: check.attempts ?? 3,
    check_passive: true,
  };
}

function configInput(config: PortConfig) {
  return {
    port: config.port,
    protocol: config.protocol ?? 'http',
    algorithm: config.algorithm ?? 'roundrobin',
    stickiness: 'none' as const,
    ...checkFields(config.check),
    // api-v4's node type lacks `port`, which its own transform reads (see the header).
    nodes: config.backends.map(nodeInput) as unknown as CreateConfigPayload['nodes'],
  };
}

export class NodeBalancers {
  constructor(private readonly calls: ApiCalls) {}

  private get api() {
    return this.calls.api;
  }

  /** Every NodeBalancer matching the X-Filter (`tags`, `label`, `region`, `ipv4`), all pages. */
  list(filter: Record<string, unknown> = {}): Promise<NodeBalancer[]> {
    return this.calls.allPages('listing NodeBalancers', (page) =>
      this.api.getNodeBalancers({ page, page_size: pageSize }, filter),
    );
  }

  /** NodeBalancers carrying `tag`: one request for up to 500. */
  withTag(tag: string): Promise<NodeBalancer[]> {
    return this.list({ tags: tag });
  }

  async byLabel(label: string): Promise<NodeBalancer | undefined> {
    return (await this.list({ label }))[0];
  }

  /** The NodeBalancer, or undefined when the API says 404. */
  get(id: number): Promise<NodeBalancer | undefined> {
    return this.calls.call(`reading NodeBalancer ${id}`, () => this.api.getNodeBalancer(id), {
      notFound: undefined,
    });
  }

  /** Creates the NodeBalancer (with its configs and nodes) exactly once. */
  create(body: NodeBalancerCreate): Promise<NodeBalancer> {
    const payload = {
      label: body.label,
      region: body.region,
      tags: [...body.tags],
      ...(body.firewallId !== undefined ? { firewall_id: body.firewallId } : {}),
      configs: body.configs.map(configInput),
    } as CreateNodeBalancerPayload;
    return this.calls.createOnce(
      `creating NodeBalancer ${body.label}`,
      () => this.api.createNodeBalancer(payload),
      () => this.byLabel(body.label),
    );
  }

  /** Replaces the NodeBalancer's tags. */
  updateTags(id: number, tags: readonly string[]): Promise<NodeBalancer> {
    return this.calls.call(`updating the tags of NodeBalancer ${id}`, () =>
      this.api.updateNodeBalancer(id, { tags: [...tags] }),
    );
  }

  /** Deletes it with its configs and nodes; 'absent' when already gone. */
  delete(id: number): Promise<'deleted' | 'absent'> {
    return this.calls.remove(`deleting NodeBalancer ${id}`, () => this.api.deleteNodeBalancer(id));
  }

  /** The NodeBalancer's port configs, with `nodes_status` (how many backends are UP / DOWN). */
  configs(nodeBalancerId: number): Promise<NodeBalancerConfig[]> {
    return this.calls.allPages(`listing the configs of NodeBalancer ${nodeBalancerId}`, (page) =>
      this.api.getNodeBalancerConfigs(nodeBalancerId, { page, page_size: pageSize }),
    );
  }

  /** Adds a listening port with its first backends, exactly once (found again by its port). */
  createConfig(nodeBalancerId: number, config: PortConfig): Promise<NodeBalancerConfig> {
    return this.calls.createOnce(
      `adding port ${config.port} to NodeBalancer ${nodeBalancerId}`,
      () => this.api.createNodeBalancerConfig(nodeBalancerId, configInput(config)),
      async () => (await this.configs(nodeBalancerId)).find((existing) => existing.port === config.port),
    );
  }

  /** Changes a config's port, protocol, algorithm or health check (its nodes stay). */
  updateConfig(
    nodeBalancerId: number,
    configId: number,
    change: Partial<Pick<PortConfig, 'port' | 'protocol' | 'algorithm' | 'check'>>,
  ): Promise<NodeBalancerConfig> {
    const payload = {
      ...(change.port !== undefined ? { port: change.port } : {}),
      ...(change.protocol !== undefined ? { protocol: change.protocol } : {}),
      ...(change.algorithm !== undefined ? { algorithm: change.algorithm } : {}),
      ...(change.check !== undefined ? checkFields(change.check) : {}),
    };
    return this.calls.call(`updating config ${configId} of NodeBalancer ${nodeBalancerId}`, () =>
      this.api.updateNodeBalancerConfig(nodeBalancerId, configId, payload),
    );
  }

  deleteConfig(nodeBalancerId: number, configId: number): Promise<'deleted' | 'absent'> {
    return this.calls.remove(`removing config ${configId} from NodeBalancer ${nodeBalancerId}`, () =>
      this.api.deleteNodeBalancerConfig(nodeBalancerId, configId),
    );
  }

  /** The config's backends with their mode and `status` (UP / DOWN / unknown): one request. */
  async nodes(nodeBalancerId: number, configId: number): Promise<NodeBalancerConfigNode[]> {
    const action = `listing the backends of NodeBalancer ${nodeBalancerId}`;
    const page = await this.calls.call(action, () =>
      this.api.getNodeBalancerConfigNodes(nodeBalancerId, configId),
    );
    if (page.pages > 1) {
      throw new CliError(
        `NodeBalancer ${nodeBalancerId} has ${page.results} backends on one port; linode-build reads at most ${page.data.length}.`,
        'Use at most 100 replicas per deployment.',
      );
    }
    return page.data;
  }

  /** Every config of the NodeBalancer with its nodes: 1 + (number of configs) requests. */
  async backends(nodeBalancerId: number): Promise<ConfigBackends[]> {
    const configs = await this.configs(nodeBalancerId);
    return Promise.all(
      configs.map(async (config) => ({ config, nodes: await this.nodes(nodeBalancerId, config.id) })),
    );
  }

  /** Registers a backend, exactly once (found again by its address). */
  addNode(nodeBalancerId: number, configId: number, backend: Backend): Promise<NodeBalancerConfigNode> {
    const wire = `${backend.address}:${backend.port}`;
    return this.calls.createOnce(
      `registering ${wire} on NodeBalancer ${nodeBalancerId}`,
      () =>
        this.api.createNodeBalancerConfigNode(
          nodeBalancerId,
          configId,
          nodeInput(backend) as unknown as CreateNodePayload,
        ),
      async () => (await this.nodes(nodeBalancerId, configId)).find((node) => node.address === wire),
    );
  }

  /** Changes what a backend is sent (accept / drain / reject / backup); `node` as listed. */
  setNodeMode(
    nodeBalancerId: number,
    configId: number,
    node: Pick<NodeBalancerConfigNode, 'id' | 'label' | 'address' | 'weight'>,
    mode: NodeMode,
  ): Promise<NodeBalancerConfigNode> {
    const { address, port } = splitNodeAddress(node.address);
    return this.updateNode(nodeBalancerId, configId, node.id, {
      label: node.label,
      address,
      port,
      mode,
      weight: node.weight,
    });
  }

  /** Replaces a backend's address, port, label, mode and weight. */
  updateNode(
    nodeBalancerId: number,
    configId: number,
    nodeId: number,
    backend: Backend,
  ): Promise<NodeBalancerConfigNode> {
    return this.calls.call(`updating backend ${nodeId} of NodeBalancer ${nodeBalancerId}`, () =>
      this.api.updateNodeBalancerConfigNode(
        nodeBalancerId,
        configId,
        nodeId,
        nodeInput(backend) as unknown as CreateNodePayload,
      ),
    );
  }

  /** Removes a backend (the instance stays); 'absent' when already gone. */
  deleteNode(nodeBalancerId: number, configId: number, nodeId: number): Promise<'deleted' | 'absent'> {
    return this.calls.remove(`removing backend ${nodeId} from NodeBalancer ${nodeBalancerId}`, () =>
      this.api.deleteNodeBalancerConfigNode(nodeBalancerId, configId, nodeId),
    );
  }

  /** The Cloud Firewalls protecting the NodeBalancer. */
  firewalls(nodeBalancerId: number): Promise<Firewall[]> {
    return this.calls.allPages(`listing the firewalls of NodeBalancer ${nodeBalancerId}`, (page) =>
      this.api.getNodeBalancerFirewalls(nodeBalancerId, { page, page_size: pageSize }),
    );
  }

  /**
   * NodeBalancer prices (GET /nodebalancers/types), cached on disk for a day. The price of one
   * in a region: `priceOf(types, 'nodebalancer', region)` (src/status/merge.ts).
   */
  types(): Promise<PriceType[]> {
    return this.calls.cachedCatalog('nodebalancer-types', () =>
      this.calls.allPages('listing NodeBalancer prices', (page) =>
        this.api.getNodeBalancerTypes({ page, page_size: pageSize }),
      ),
    );
  }
}

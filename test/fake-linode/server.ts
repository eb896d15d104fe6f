/**
 * A stateful fake of the Linode API v4 on 127.0.0.1:<random port>, for tests and benchmarks.
 *
 * - Implements what linode-build uses: instances (create/get/list/delete, with status moving
 *   provisioning → booting → running over time and deleting → gone; `private_ip` adds a
 *   192.168.128.0/17 address), firewalls and their devices, NodeBalancers with configs, nodes
 *   and prices (nodebalancers.ts), types, regions, images and the profile, under both /v4 and
 *   /v4beta.
 * - Validates every request body with @linode/validation, Linode's own schemas, and answers
 *   Linode-style `{errors: [{field, reason}]}`; also checks what the real API checks beyond the
 *   schema (known region/type/image, Metadata and cloud-init support, unique labels, the
 *   user-data size limit).
 * - Pages lists (`page`, `page_size` 25–500) and evaluates X-Filter.
 * - Injects faults: 429 with Retry-After, 500, 503, a dropped connection before handling, or a
 *   dropped response AFTER handling (the instance exists, the client sees a hang-up); at a
 *   random rate (seeded) or one-shot; plus latency. Every request is logged for counting.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { Firewall, FirewallDevice, FirewallDeviceEntity, Linode, LinodeStatus } from '@linode/api-v4';
import {
  assignAddressesSchema,
  CreateFirewallSchema,
  CreateLinodeSchema,
  FirewallDeviceSchema,
  FirewallRuleSchema,
  UpdateLinodeSchema,
} from '@linode/validation';
import { fakeImages, fakeRegions, fakeTypes } from './catalog.js';
import { FilterError, parseFilterHeader } from './filter.js';
import {
  apiTimestamp,
  filteredPage,
  findOr404,
  found,
  HttpError,
  page,
  parseJson,
  validateWith,
} from './http.js';
import { FakeNodeBalancers } from './nodebalancers.js';
import { FakePlacementGroups } from './placement.js';
import { FakeVpcs } from './vpcs.js';

/**
 * How long a Linode's boot (the `booting` status) takes, in seconds: `bootMs` plays it, so one of
 * Linode's seconds lasts bootMs / LINODE_BOOT_SECONDS in the fake. Timings given in seconds
 * (a NodeBalancer's check_interval) are scaled by it, so they keep their proportion to a boot
 * and a fast fake stays fast.
 */
export const LINODE_BOOT_SECONDS = 30;

/**
 * GET paths the real API answers without a token: its public catalogues (the OpenAPI spec
 * gives these operations no `security`): prices, and regions with their placement-group limits.
 */
const PUBLIC_LISTS = new Set(['/linode/types', '/nodebalancers/types', '/regions']);

export type FaultKind = 'rate-limit' | 'server-error' | 'unavailable' | 'drop-before' | 'drop-after';

export const allFaultKinds: readonly FaultKind[] = [
  'rate-limit',
  'server-error',
  'unavailable',
  'drop-before',
  'drop-after',
];

export interface RandomFaults {
  /** Fraction of requests (0–1) that fail. */
  readonly rate: number;
  readonly kinds?: readonly FaultKind[];
  /** Never fail more than this many requests in a row on one route (keeps tests bounded). */
  readonly maxConsecutive?: number;
  readonly retryAfterSeconds?: number;
}

export interface FakeLinodeOptions {
  /** The bearer token the fake accepts; any other gets 401. */
  readonly token?: string;
  readonly provisionMs?: number;
  readonly bootMs?: number;
  /** How long a deleted instance stays in `deleting` before GET returns 404. */
  readonly deleteMs?: number;
  readonly latencyMs?: number;
  readonly faults?: RandomFaults;
  readonly seed?: number;
  /**
   * Hosts per region that placement group members are put on (default 100: every group can be
   * compliant). Fewer hosts than an anti-affinity group's members make a flexible group
   * non-compliant and a strict one refuse the next member.
   */
  readonly placementHosts?: number;
  /** Account instance limit: creates beyond it fail like the real quota error. */
  readonly instanceLimit?: number;
  /**
   * The second octet of the loopback addresses instances get (127.B.x.y; default 0). The
   * sandbox uses its own block, so the servers it runs on those addresses never meet a test's.
   */
  readonly loopbackBlock?: number;
}

/** A request body as sent (parsed JSON, else the text), for tests that check what was asked. */
function loggedBody(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

export interface LoggedRequest {
  readonly method: string;
  /** Path without the /v4 or /v4beta prefix, e.g. `/linode/instances`. */
  readonly path: string;
  readonly apiVersion: string;
  readonly query: string;
  readonly filter?: string;
  readonly authorization?: string;
  status: number | 'dropped';
  fault?: FaultKind;
  readonly body?: unknown;
}

interface InstanceRecord {
  linode: Linode;
  readonly createdAt: number;
  deletedAt?: number;
  statusOverride?: LinodeStatus;
  /** When the last reboot began: `rebooting` for bootMs, then running. */
  rebootedAt?: number;
  readonly userData?: string;
  readonly firewallId?: number;
}

interface HeldResponse {
  readonly method: string;
  readonly path: RegExp;
  /** Matching requests still to answer normally before the one held. */
  skip: number;
  readonly handled: () => void;
}

interface OneShotFault {
  readonly kind: FaultKind;
  readonly method?: string;
  readonly path?: RegExp;
}

const instanceFilterable = new Set(['id', 'label', 'tags', 'region', 'type', 'image', 'status', 'group']);
const firewallFilterable = new Set(['id', 'label', 'tags', 'status']);
const userDataLimit = 65_535;

/** What cloud-init on the instance reads: gzip user-data is unpacked first (its decomp_gzip). */
function userDataDocument(sent: Buffer): string {
  const gzipped = sent.length > 2 && sent[0] === 0x1f && sent[1] === 0x8b;
  return (gzipped ? gunzipSync(sent) : sent).toString('utf8');
}

/** Small seeded PRNG (mulberry32): reproducible fault sequences for a given request order. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FakeLinode {
  readonly requests: LoggedRequest[] = [];
  private readonly server: http.Server;
  private readonly instances = new Map<number, InstanceRecord>();
  private readonly firewalls = new Map<number, Firewall>();
  /** Each firewall's devices (what it protects), by firewall ID. */
  private readonly devices = new Map<number, FirewallDevice[]>();
  /** NodeBalancers, their configs and nodes (test/fake-linode/nodebalancers.ts). */
  readonly nodeBalancers: FakeNodeBalancers;
  /** VPCs, subnets and instances' VPC interfaces (test/fake-linode/vpcs.ts). */
  readonly vpcs: FakeVpcs;
  /** Placement groups and their members (test/fake-linode/placement.ts). */
  readonly placementGroups: FakePlacementGroups;
  private readonly oneShotFaults: OneShotFault[] = [];
  private readonly holds: HeldResponse[] = [];
  private readonly consecutiveFaults = new Map<string, number>();
  private readonly random: () => number;
  private options: FakeLinodeOptions;
  private nextInstanceId = 41_000_001;
  private nextFirewallId = 900_001;
  private nextDeviceId = 600_001;
  private origin = '';

  constructor(options: FakeLinodeOptions = {}) {
    this.options = options;
    this.random = seededRandom(options.seed ?? 1);
    this.vpcs = new FakeVpcs({ liveInstances: () => this.listInstances() });
    this.placementGroups = new FakePlacementGroups({
      liveInstances: () => this.listInstances(),
      hostsPerRegion: () => this.options.placementHosts ?? 100,
    });
    this.nodeBalancers = new FakeNodeBalancers(
      {
        liveInstances: () => this.listInstances(),
        vpcAddressIn: (subnetId, address) => this.vpcs.instanceAt(subnetId, address),
        attachFirewall: (firewallId, nodeBalancer) =>
          this.attachDevice(firewallId, {
            id: nodeBalancer.id,
            label: nodeBalancer.label,
            type: 'nodebalancer',
            url: `/v4/nodebalancers/${nodeBalancer.id}`,
            parent_entity: null,
          }),
        detachFirewalls: (nodeBalancerId) => this.detachDevices('nodebalancer', nodeBalancerId),
        secondMs: () => (this.options.bootMs ?? 100) / LINODE_BOOT_SECONDS,
        firewallsOf: (nodeBalancerId) =>
          this.listFirewalls().filter((firewall) =>
            (this.devices.get(firewall.id) ?? []).some(
              (device) => device.entity.type === 'nodebalancer' && device.entity.id === nodeBalancerId,
            ),
          ),
      },
      () => this.options.loopbackBlock ?? 0,
    );
    this.server = http.createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) {
          this.send(response, 500, { errors: [{ reason: `fake server bug: ${String(error)}` }] });
        }
      });
    });
  }

  /** The origin to put in LINODE_API_URL, e.g. `http://127.0.0.1:40123`. */
  get url(): string {
    return this.origin;
  }

  /** Listens on 127.0.0.1:`port` (default: any free port); rejects when it cannot. */
  async start(port = 0): Promise<this> {
    this.server.listen(port, '127.0.0.1');
    await Promise.race([
      once(this.server, 'listening'),
      once(this.server, 'error').then(([error]) => Promise.reject(error)),
    ]);
    const address = this.server.address() as AddressInfo;
    this.origin = `http://127.0.0.1:${address.port}`;
    return this;
  }

  async close(): Promise<void> {
    await this.nodeBalancers.serveTraffic(false);
    this.nodeBalancers.stopChecks();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Changes fault injection, latency or timing for the following requests. */
  configure(options: Partial<FakeLinodeOptions>): void {
    this.options = { ...this.options, ...options };
  }

  /** The next request matching method/path fails with `kind` (once). */
  injectOnce(kind: FaultKind, match: { method?: string; path?: RegExp } = {}): void {
    this.oneShotFaults.push({ kind, ...match });
  }

  /**
   * The next request matching method/path is handled (its change is made) but never answered:
   * the promise resolves once it was handled, so a test can kill the client at exactly that
   * step, the worst moment (the change happened and the client never learned it).
   */
  holdResponse(match: { method: string; path: RegExp; skip?: number }): Promise<void> {
    return new Promise((resolve) => this.holds.push({ ...match, skip: match.skip ?? 0, handled: resolve }));
  }

  /** Requests that change something (not GET), for "no mutating request" checks. */
  mutatingRequests(): LoggedRequest[] {
    return this.requests.filter((entry) => entry.method !== 'GET');
  }

  clearLog(): void {
    this.requests.length = 0;
  }

  countRequests(match: { method?: string; path?: RegExp } = {}): number {
    return this.requests.filter(
      (entry) =>
        (match.method === undefined || entry.method === match.method) &&
        (match.path === undefined || match.path.test(entry.path)),
    ).length;
  }

  /** Live (not deleted) instances, with their current status. */
  listInstances(): Linode[] {
    return [...this.instances.values()].filter((record) => this.refresh(record)).map((r) => r.linode);
  }

  listFirewalls(): Firewall[] {
    return [...this.firewalls.values()];
  }

  userDataOf(instanceId: number): string | undefined {
    return this.instances.get(instanceId)?.userData;
  }

  setInstanceStatus(instanceId: number, status: LinodeStatus): void {
    const record = this.instances.get(instanceId);
    if (record) record.statusOverride = status;
  }

  /** Removes an instance behind the client's back (as if deleted in Cloud Manager). */
  removeInstance(instanceId: number): void {
    this.instances.delete(instanceId);
  }

  /** Adds a running instance directly (no request logged), e.g. to seed 200 deployments. */
  seedInstance(fields: { label: string; region: string; type: string; tags: readonly string[] }): Linode {
    const record = this.createInstanceRecord(
      { ...fields, image: 'linode/ubuntu24.04' },
      Date.now() - 3_600_000,
      undefined,
    );
    return record.linode;
  }

  private refresh(record: InstanceRecord): boolean {
    const now = Date.now();
    if (record.deletedAt !== undefined) {
      if (now - record.deletedAt >= (this.options.deleteMs ?? 50)) {
        this.instances.delete(record.linode.id);
        this.detachDevices('linode', record.linode.id);
        return false;
      }
      record.linode.status = 'deleting';
      return true;
    }
    const age = now - record.createdAt;
    const provisionMs = this.options.provisionMs ?? 100;
    const bootMs = this.options.bootMs ?? 100;
    const rebooting = record.rebootedAt !== undefined && now - record.rebootedAt < bootMs;
    record.linode.status =
      record.statusOverride ??
      (age < provisionMs
        ? 'provisioning'
        : age < provisionMs + bootMs
          ? 'booting'
          : rebooting
            ? 'rebooting'
            : 'running');
    return true;
  }

  private chooseFault(method: string, path: string): FaultKind | undefined {
    const index = this.oneShotFaults.findIndex(
      (fault) => (!fault.method || fault.method === method) && (!fault.path || fault.path.test(path)),
    );
    if (index >= 0) return this.oneShotFaults.splice(index, 1)[0]!.kind;
    const faults = this.options.faults;
    if (!faults || faults.rate <= 0) return undefined;
    const route = `${method} ${path.replace(/\/\d+$/, '/:id')}`;
    const streak = this.consecutiveFaults.get(route) ?? 0;
    if (streak >= (faults.maxConsecutive ?? 3) || this.random() >= faults.rate) {
      this.consecutiveFaults.set(route, 0);
      return undefined;
    }
    this.consecutiveFaults.set(route, streak + 1);
    const kinds = faults.kinds ?? allFaultKinds;
    return kinds[Math.floor(this.random() * kinds.length)]!;
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake');
    const match = /^\/(v4|v4beta)(\/.*)$/.exec(url.pathname);
    const rawBody = await readBody(request);
    const entry: LoggedRequest = {
      method: request.method ?? 'GET',
      path: match ? match[2]!.replace(/\/$/, '') : url.pathname,
      apiVersion: match ? match[1]! : '',
      query: url.search,
      status: 0,
      ...(typeof request.headers['x-filter'] === 'string' ? { filter: request.headers['x-filter'] } : {}),
      ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
      ...(rawBody ? { body: loggedBody(rawBody) } : {}),
    };
    this.requests.push(entry);
    if (this.options.latencyMs) await new Promise((resolve) => setTimeout(resolve, this.options.latencyMs));

    const fault = this.chooseFault(entry.method, entry.path);
    if (fault) entry.fault = fault;
    if (fault === 'drop-before') {
      entry.status = 'dropped';
      request.socket.destroy();
      return;
    }
    if (fault === 'rate-limit' || fault === 'server-error' || fault === 'unavailable') {
      const status = fault === 'rate-limit' ? 429 : fault === 'server-error' ? 500 : 503;
      entry.status = status;
      const headers: Record<string, string> =
        fault === 'rate-limit' ? { 'Retry-After': String(this.options.faults?.retryAfterSeconds ?? 1) } : {};
      const reason = { 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };
      this.send(response, status, { errors: [{ reason: reason[status] }] }, headers);
      return;
    }

    let status: number;
    let payload: unknown;
    try {
      if (!match) throw new HttpError(404, [{ reason: 'Not found' }]);
      // The price lists are public in the real API: no token needed (plan reads them so).
      const publicList =
        entry.method === 'GET' && PUBLIC_LISTS.has(entry.path) && !request.headers.authorization;
      if (
        !publicList &&
        this.options.token &&
        request.headers.authorization !== `Bearer ${this.options.token}`
      ) {
        throw new HttpError(401, [{ reason: 'Invalid Token' }]);
      }
      payload = await this.route(
        entry.method,
        entry.path,
        url,
        rawBody,
        request.headers['x-filter'],
        entry.apiVersion,
      );
      status = 200;
    } catch (error) {
      if (error instanceof HttpError) {
        status = error.status;
        payload = { errors: error.errors };
      } else if (error instanceof FilterError) {
        status = 400;
        payload = { errors: [{ field: 'X-Filter', reason: error.message }] };
      } else throw error;
    }
    if (fault === 'drop-after') {
      entry.status = 'dropped';
      request.socket.destroy();
      return;
    }
    const hold = this.holds.findIndex((held) => held.method === entry.method && held.path.test(entry.path));
    if (hold >= 0 && this.holds[hold]!.skip > 0) this.holds[hold]!.skip -= 1;
    else if (hold >= 0) {
      entry.status = 'dropped';
      this.holds.splice(hold, 1)[0]!.handled();
      return; // the response never comes; the client is expected to die waiting
    }
    entry.status = status;
    this.send(response, status, payload);
  }

  private async route(
    method: string,
    path: string,
    url: URL,
    rawBody: string,
    filterHeader: string | string[] | undefined,
    apiVersion: string,
  ): Promise<unknown> {
    const filter = parseFilterHeader(typeof filterHeader === 'string' ? filterHeader : undefined);
    const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
    const key = `${method} /${segments.map((s, i) => (i >= 2 && /^\d+$/.test(s) ? ':id' : s)).join('/')}`;
    const id = Number(segments[2]);

    switch (key) {
      case 'GET /linode/instances':
        return filteredPage(this.listInstances(), filter, instanceFilterable, url);
      case 'POST /linode/instances':
        return this.createInstance(parseJson(rawBody));
      case 'GET /linode/instances/:id':
        return this.liveInstance(id).linode;
      case 'PUT /linode/instances/:id': {
        const body = parseJson(rawBody);
        await validateWith(UpdateLinodeSchema, body);
        const record = this.liveInstance(id);
        if (Array.isArray(body.tags)) record.linode.tags = (body.tags as unknown[]).map(String);
        if (typeof body.label === 'string') record.linode.label = body.label;
        record.linode.updated = apiTimestamp(Date.now());
        return record.linode;
      }
      case 'POST /linode/instances/:id/reboot': {
        const record = this.liveInstance(id);
        if (record.linode.status !== 'running') {
          throw new HttpError(400, [
            { reason: `Linode ${id} is ${record.linode.status}; it cannot be rebooted now` },
          ]);
        }
        record.rebootedAt = Date.now();
        return {};
      }
      case 'POST /networking/ips/assign':
        return this.assignAddresses(parseJson(rawBody));
      case 'PUT /networking/firewalls/:id/rules': {
        const body = parseJson(rawBody);
        await validateWith(FirewallRuleSchema, body);
        const firewall = this.firewall(id);
        firewall.rules = {
          ...(body as unknown as Firewall['rules']),
          fingerprint: firewall.rules.fingerprint,
          version: (firewall.rules.version ?? 1) + 1,
        };
        firewall.updated = apiTimestamp(Date.now());
        return firewall.rules;
      }
      case 'DELETE /linode/instances/:id': {
        const record = this.liveInstance(id);
        if (record.deletedAt === undefined) record.deletedAt = Date.now();
        return {};
      }
      case 'GET /networking/firewalls':
        return filteredPage(this.listFirewalls(), filter, firewallFilterable, url);
      case 'POST /networking/firewalls':
        return this.createFirewall(parseJson(rawBody));
      case 'GET /networking/firewalls/:id':
        return this.firewall(id);
      case 'DELETE /networking/firewalls/:id':
        this.firewall(id);
        this.firewalls.delete(id);
        this.devices.delete(id);
        return {};
      case 'GET /networking/firewalls/:id/devices':
        this.firewall(id);
        return page(this.devices.get(id) ?? [], url);
      case 'POST /networking/firewalls/:id/devices':
        return this.addDevice(id, parseJson(rawBody));
      case 'GET /networking/firewalls/:id/devices/:id':
        return this.device(id, Number(segments[4]));
      case 'DELETE /networking/firewalls/:id/devices/:id': {
        const device = this.device(id, Number(segments[4]));
        this.detachDevices(device.entity.type, device.entity.id);
        return {};
      }
      case 'GET /linode/types':
        return page([...fakeTypes], url);
      case 'GET /regions':
        return page([...fakeRegions], url);
      case 'GET /images':
        return page([...fakeImages], url);
      case 'GET /profile':
        return {
          username: 'fake-user',
          email: 'fake-user@example.com',
          uid: 1234,
          restricted: false,
          authorized_keys: null,
          timezone: 'UTC',
        };
      default: {
        const request = { method, segments, url, body: () => parseJson(rawBody), filter, apiVersion };
        const handled =
          (await this.nodeBalancers.route(request)) ??
          (await this.vpcs.route(request)) ??
          (await this.placementGroups.route(request));
        if (handled !== undefined) return handled;
      }
    }
    if (method === 'GET' && segments[0] === 'linode' && segments[1] === 'types' && segments.length === 3) {
      return findOr404(fakeTypes, segments[2]!, 'Type');
    }
    if (method === 'GET' && segments[0] === 'regions' && segments.length === 2) {
      return findOr404(fakeRegions, segments[1]!, 'Region');
    }
    if (method === 'GET' && segments[0] === 'images' && segments.length >= 2) {
      return findOr404(fakeImages, segments.slice(1).join('/'), 'Image');
    }
    throw new HttpError(404, [{ reason: 'Not found' }]);
  }

  private liveInstance(id: number): InstanceRecord {
    const record = this.instances.get(id);
    if (!record || !this.refresh(record)) throw new HttpError(404, [{ reason: 'Not found' }]);
    return record;
  }

  private firewall(id: number): Firewall {
    return found(this.firewalls.get(id));
  }

  private async createInstance(body: Record<string, unknown>): Promise<Linode> {
    await validateWith(CreateLinodeSchema, body);
    const errors: { field?: string; reason: string }[] = [];
    const region = fakeRegions.find((r) => r.id === body.region);
    const type = fakeTypes.find((t) => t.id === body.type);
    const image = fakeImages.find((i) => i.id === body.image);
    if (!region) errors.push({ field: 'region', reason: 'region is not valid' });
    if (!type) errors.push({ field: 'type', reason: 'A valid plan type by that ID was not found' });
    if (body.image !== undefined && !image) errors.push({ field: 'image', reason: 'image is not valid' });
    const metadata = body.metadata as { user_data?: string } | undefined;
    let userData: string | undefined;
    if (metadata?.user_data !== undefined) {
      const sent = Buffer.from(metadata.user_data, 'base64');
      userData = userDataDocument(sent);
      if (region && !region.capabilities.includes('Metadata')) {
        errors.push({ field: 'metadata', reason: `Metadata is not available in region ${region.id}` });
      }
      if (image && !image.capabilities.includes('cloud-init')) {
        errors.push({ field: 'metadata', reason: `Image ${image.id} does not support cloud-init` });
      }
      // The limit is on the bytes sent (before base64), compressed or not.
      if (sent.length > userDataLimit) {
        errors.push({
          field: 'metadata.user_data',
          reason: `user_data must be ${userDataLimit} bytes or less`,
        });
      }
    }
    if (typeof body.label === 'string' && this.listInstances().some((l) => l.label === body.label)) {
      errors.push({ field: 'label', reason: 'Label must be unique among your Linodes' });
    }
    const firewallId = typeof body.firewall_id === 'number' ? body.firewall_id : undefined;
    if (firewallId !== undefined && !this.firewalls.has(firewallId)) {
      errors.push({ field: 'firewall_id', reason: `Firewall ${firewallId} not found` });
    }
    const placementGroupId = (body.placement_group as { id?: number } | undefined)?.id;
    if (region) {
      errors.push(...this.vpcs.checkInterfaces(body.interfaces, region.id));
      if (placementGroupId !== undefined)
        errors.push(...this.placementGroups.checkJoin(placementGroupId, region.id));
    }
    if (errors.length > 0) throw new HttpError(400, errors);
    const limit = this.options.instanceLimit;
    if (limit !== undefined && this.listInstances().length >= limit) {
      throw new HttpError(400, [
        { reason: 'Account limit reached for Linodes. Please open a support ticket to raise it.' },
      ]);
    }
    const record = this.createInstanceRecord(
      {
        label: String(body.label ?? `linode${this.nextInstanceId}`),
        region: region!.id,
        type: type!.id,
        image: image?.id ?? null,
        tags: (body.tags as string[] | undefined) ?? [],
      },
      Date.now(),
      userData,
      firewallId,
    );
    if (body.private_ip === true) record.linode.ipv4.push(this.privateAddress(record.linode.id));
    this.vpcs.attach(record.linode, body.interfaces);
    if (placementGroupId !== undefined) this.placementGroups.join(placementGroupId, record.linode);
    if (firewallId !== undefined) {
      this.attachDevice(firewallId, {
        id: record.linode.id,
        label: record.linode.label,
        type: 'linode',
        url: `/v4/linode/instances/${record.linode.id}`,
        parent_entity: null,
      });
    }
    return record.linode;
  }

  private createInstanceRecord(
    fields: { label: string; region: string; type: string; image: string | null; tags: readonly string[] },
    createdAt: number,
    userData: string | undefined,
    firewallId?: number,
  ): InstanceRecord {
    const id = this.nextInstanceId++;
    const n = id - 41_000_000;
    const type = fakeTypes.find((t) => t.id === fields.type);
    const linode: Linode = {
      id,
      label: fields.label,
      region: fields.region,
      type: fields.type,
      image: fields.image,
      status: 'provisioning',
      // Loopback addresses: a test may probe them, and nothing outside this machine is reached.
      ipv4: [`127.${this.options.loopbackBlock ?? 0}.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`],
      ipv6: `2001:db8::${n.toString(16)}/128`,
      tags: [...fields.tags],
      created: apiTimestamp(createdAt),
      updated: apiTimestamp(createdAt),
      group: '',
      hypervisor: 'kvm',
      specs: {
        vcpus: type?.vcpus ?? 1,
        memory: type?.memory ?? 1024,
        disk: type?.disk ?? 25600,
        gpus: type?.gpus ?? 0,
        transfer: type?.transfer ?? 1000,
        accelerated_devices: 0,
      },
      alerts: { cpu: 180, io: 10000, network_in: 10, network_out: 10, transfer_quota: 80 },
      backups: { enabled: false, last_successful: null, schedule: { day: null, window: null } },
      capabilities: [],
      has_user_data: userData !== undefined,
      lke_cluster_id: null,
      locks: [],
      maintenance_policy: null,
      placement_group: null,
      site_type: 'core',
      watchdog_enabled: true,
      disk_encryption: 'disabled',
    };
    const record: InstanceRecord = {
      linode,
      createdAt,
      ...(userData !== undefined ? { userData } : {}),
      ...(firewallId !== undefined ? { firewallId } : {}),
    };
    this.instances.set(id, record);
    this.refresh(record);
    return record;
  }

  /**
   * POST /networking/ips/assign: every address and instance in the region; afterwards every
   * instance involved keeps at least one public IPv4 (the API's own rule), else nothing moves.
   */
  private async assignAddresses(body: Record<string, unknown>): Promise<unknown> {
    await validateWith(assignAddressesSchema, body);
    const region = String(body.region);
    const assignments = body.assignments as { address: string; linode_id: number }[];
    const live = this.listInstances();
    const next = new Map(live.map((linode) => [linode.id, [...linode.ipv4]]));
    const errors: { field?: string; reason: string }[] = [];
    for (const [index, { address, linode_id: target }] of assignments.entries()) {
      const owner = live.find((linode) => linode.ipv4.includes(address));
      const destination = live.find((linode) => linode.id === target);
      if (!owner || owner.region !== region) {
        errors.push({
          field: `assignments[${index}].address`,
          reason: `${address} is not an address in ${region}`,
        });
        continue;
      }
      if (!destination || destination.region !== region) {
        errors.push({
          field: `assignments[${index}].linode_id`,
          reason: `Linode ${target} is not in ${region}`,
        });
        continue;
      }
      next.set(
        owner.id,
        next.get(owner.id)!.filter((item) => item !== address),
      );
      next.set(target, [...next.get(target)!, address]);
    }
    for (const [linodeId, addresses] of next) {
      if (addresses.every((address) => address.startsWith('192.168.')))
        errors.push({ reason: `Linode ${linodeId} would have no public IPv4 address` });
    }
    if (errors.length > 0) throw new HttpError(400, errors);
    for (const linode of live) linode.ipv4 = next.get(linode.id) ?? linode.ipv4;
    return {};
  }

  /**
   * Linode's private IPv4 for an instance: in 192.168.128.0/17, listed after the public address
   * in `ipv4` as the API lists it. Nothing listens there; NodeBalancer nodes name it.
   */
  private privateAddress(instanceId: number): string {
    const n = instanceId - 41_000_000;
    return `192.168.${128 + (Math.floor(n / 250) % 128)}.${(n % 250) + 2}`;
  }

  /**
   * Puts a service behind a firewall. A service has at most one firewall; a NodeBalancer's
   * firewall protects no other NodeBalancer (the API's rules for devices).
   */
  private attachDevice(firewallId: number, entity: FirewallDeviceEntity): FirewallDevice {
    const firewall = this.firewall(firewallId);
    for (const [otherId, devices] of this.devices) {
      if (devices.some((device) => device.entity.type === entity.type && device.entity.id === entity.id)) {
        throw new HttpError(400, [
          { reason: `${entity.type} ${entity.id} is already assigned to firewall ${otherId}` },
        ]);
      }
    }
    const current = this.devices.get(firewallId) ?? [];
    if (entity.type === 'nodebalancer' && current.some((device) => device.entity.type === 'nodebalancer')) {
      throw new HttpError(400, [
        { field: 'firewall_id', reason: `Firewall ${firewallId} already protects a NodeBalancer` },
      ]);
    }
    const now = apiTimestamp(Date.now());
    const device: FirewallDevice = { id: this.nextDeviceId++, created: now, updated: now, entity };
    this.devices.set(firewallId, [...current, device]);
    firewall.entities.push(entity);
    return device;
  }

  private detachDevices(type: FirewallDeviceEntity['type'], id: number): void {
    for (const [firewallId, devices] of this.devices) {
      const kept = devices.filter((device) => !(device.entity.type === type && device.entity.id === id));
      this.devices.set(firewallId, kept);
      const firewall = this.firewalls.get(firewallId);
      if (firewall) firewall.entities = kept.map((device) => device.entity);
    }
  }

  private device(firewallId: number, deviceId: number): FirewallDevice {
    this.firewall(firewallId);
    return found((this.devices.get(firewallId) ?? []).find((item) => item.id === deviceId));
  }

  private async addDevice(firewallId: number, body: Record<string, unknown>): Promise<FirewallDevice> {
    await validateWith(FirewallDeviceSchema, body);
    const id = Number(body.id);
    if (body.type === 'linode') {
      const record = this.liveInstance(id);
      return this.attachDevice(firewallId, {
        id,
        label: record.linode.label,
        type: 'linode',
        url: `/v4/linode/instances/${id}`,
        parent_entity: null,
      });
    }
    if (body.type === 'nodebalancer') {
      const nodeBalancer = this.nodeBalancers.list().find((nb) => nb.id === id);
      if (!nodeBalancer) throw new HttpError(404, [{ field: 'id', reason: `NodeBalancer ${id} not found` }]);
      return this.attachDevice(firewallId, {
        id,
        label: nodeBalancer.label,
        type: 'nodebalancer',
        url: `/v4/nodebalancers/${id}`,
        parent_entity: null,
      });
    }
    throw new HttpError(400, [
      { field: 'type', reason: `Devices of type ${String(body.type)} are not supported` },
    ]);
  }

  private async createFirewall(body: Record<string, unknown>): Promise<Firewall> {
    await validateWith(CreateFirewallSchema, body);
    if (this.listFirewalls().some((f) => f.label === body.label)) {
      throw new HttpError(400, [{ field: 'label', reason: 'Label must be unique among your Firewalls' }]);
    }
    const rules = body.rules as Firewall['rules'];
    const now = apiTimestamp(Date.now());
    const firewall: Firewall = {
      id: this.nextFirewallId++,
      label: String(body.label),
      status: 'enabled',
      tags: (body.tags as string[] | undefined) ?? [],
      created: now,
      updated: now,
      entities: [],
      rules: { ...rules, fingerprint: 'f1f2f3f4', version: 1 },
    };
    this.firewalls.set(firewall.id, firewall);
    return firewall;
  }

  private send(
    response: http.ServerResponse,
    status: number,
    payload: unknown,
    headers: Record<string, string> = {},
  ): void {
    const text = JSON.stringify(payload);
    response.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      ...headers,
    });
    response.end(text);
  }
}

async function readBody(request: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

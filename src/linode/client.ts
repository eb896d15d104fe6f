/**
 * LinodeClient: every Linode API call linode-build makes, with retries, paging, tag filters and
 * actionable errors. Failures reach callers as CliError (one line + what to do).
 *
 * Creates are not idempotent, so they are never blindly retried: when a create fails in a way
 * that leaves its outcome unknown (5xx, dropped connection, timeout), the client looks the
 * resource up (instance: by its unique `build-id:` tag; firewall: by its unique label) and
 * creates again only when it does not exist.
 */
import type { Firewall, Image, Linode, LinodeType, Region, ResourcePage } from '@linode/api-v4';
import type { FirewallCreateBody, InstanceCreateBody } from '../plan/types.js';
import {
  type ApiConnection,
  apiBaseUrlFromEnv,
  defaultApiOrigin,
  type LinodeApiModule,
  loadLinodeApi,
} from './api.js';
import { explainApiError, type LinodeApiError, toLinodeApiError } from './api-error.js';
import { cached, cacheFile, offeringsTtlMs } from './cache.js';
import { type ApiCalls, pageSize } from './calls.js';
import { FirewallDevices } from './firewall-devices.js';
import { NodeBalancers } from './nodebalancers.js';
import { PlacementGroups } from './placement.js';
import { proxyForUrl } from './proxy.js';
import {
  backoffDelay,
  isTransient,
  type RetryClock,
  type RetryPolicy,
  retryPolicyFromEnv,
  systemClock,
  withRetries,
} from './retry.js';
import { resolveLinodeToken } from './token.js';
import { Vpcs } from './vpcs.js';

export type { Firewall, Image, Linode as Instance, LinodeType, Region };
export { pageSize };

/** A filter for X-Filter (see the API's "Filtering and sorting"). */
export type ApiFilter = Record<string, unknown>;

export interface LinodeClientOptions {
  readonly clock?: RetryClock;
  readonly policy?: RetryPolicy;
  /** Told about each transient failure before its retry (progress or --debug output). */
  readonly onRetry?: (message: string) => void;
  /** --debug: told about every API request (no token, no body). */
  readonly trace?: (line: string) => void;
  /**
   * No token at all: only the API's public lists (types and prices) answer. `plan` prices a
   * deployment this way, reading no credentials.
   */
  readonly anonymous?: boolean;
}

export class LinodeClient {
  private readonly clock: RetryClock;
  private readonly policy: RetryPolicy;
  /** NodeBalancers, their port configs and backend nodes, and their prices. */
  readonly nodeBalancers: NodeBalancers;
  /** Which services a Cloud Firewall protects (instances, NodeBalancers). */
  readonly firewallDevices: FirewallDevices;
  /** VPCs, subnets and the VPC addresses of instances. */
  readonly vpcs: Vpcs;
  /** Anti-affinity placement groups (replicas on different hosts). */
  readonly placementGroups: PlacementGroups;

  private constructor(
    private readonly api: LinodeApiModule,
    private readonly env: NodeJS.ProcessEnv,
    readonly apiOrigin: string,
    private readonly options: LinodeClientOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.policy = options.policy ?? retryPolicyFromEnv(env);
    const calls: ApiCalls = {
      api,
      call: (action, operation, callOptions) => this.call(action, operation, callOptions),
      remove: (action, operation) => this.remove(action, operation),
      allPages: (action, fetchPage) => this.allPages(action, fetchPage),
      createOnce: (action, create, lookup) => this.createOnce(action, create, lookup),
      cachedCatalog: (name, load) =>
        cached(cacheFile(this.env, name, this.apiOrigin), offeringsTtlMs, this.clock.now(), load),
    };
    this.nodeBalancers = new NodeBalancers(calls);
    this.firewallDevices = new FirewallDevices(calls);
    this.vpcs = new Vpcs(calls);
    this.placementGroups = new PlacementGroups(calls);
  }

  /** Resolves the token and base URL, and loads the API library. */
  static async connect(env: NodeJS.ProcessEnv, options: LinodeClientOptions = {}): Promise<LinodeClient> {
    const baseUrl = apiBaseUrlFromEnv(env);
    const proxy = proxyForUrl(baseUrl ?? defaultApiOrigin, env);
    const connection: ApiConnection = {
      token: options.anonymous ? '' : resolveLinodeToken(env),
      baseUrl,
      ...(proxy ? { proxy } : {}),
      timeoutMs: 30_000,
      ...(options.trace ? { trace: options.trace } : {}),
    };
    const api = await loadLinodeApi(connection);
    return new LinodeClient(api, env, baseUrl ?? defaultApiOrigin, options);
  }

  // --- instances -------------------------------------------------------------------------

  /** Every instance matching `filter`, all pages. */
  listInstances(filter: ApiFilter = {}): Promise<Linode[]> {
    return this.allPages('listing instances', (page) =>
      this.api.getLinodes({ page, page_size: pageSize }, filter),
    );
  }

  /** Instances carrying `tag` (X-Filter on tags: a list field matches when it holds the value). */
  instancesWithTag(tag: string): Promise<Linode[]> {
    return this.listInstances({ tags: tag });
  }

  /** The instance, or undefined when the API says 404. */
  getInstance(id: number): Promise<Linode | undefined> {
    return this.call(`reading instance ${id}`, () => this.api.getLinode(id), { notFound: undefined });
  }

  /** Creates the instance exactly once; `uniqueTag` (build-id:…) finds it after a lost response. */
  createInstance(body: InstanceCreateBody, uniqueTag: string): Promise<Linode> {
    return this.createOnce(
      `creating instance ${body.label}`,
      // api-v4's request type is mutable; our plan body is readonly and otherwise identical.
      () => this.api.createLinode(body as Parameters<LinodeApiModule['createLinode']>[0]),
      async () => (await this.instancesWithTag(uniqueTag))[0],
    );
  }

  /** Deletes; 'absent' when it was already gone (destroy is idempotent). */
  deleteInstance(id: number): Promise<'deleted' | 'absent'> {
    return this.remove(`deleting instance ${id}`, () => this.api.deleteLinode(id));
  }

  /** Replaces the instance's tags (PUT /linode/instances/:id). */
  updateInstanceTags(id: number, tags: readonly string[]): Promise<Linode> {
    return this.call(`updating the tags of instance ${id}`, () =>
      this.api.updateLinode(id, { tags: [...tags] }),
    );
  }

  /** Renames the instance and replaces its tags in one request (PUT /linode/instances/:id). */
  updateInstanceNames(
    id: number,
    names: { readonly label: string; readonly tags: readonly string[] },
  ): Promise<Linode> {
    return this.call(`renaming instance ${id} to ${names.label}`, () =>
      this.api.updateLinode(id, { label: names.label, tags: [...names.tags] }),
    );
  }

  /** Reboots the instance (after an address moved to it, so its network picks it up). */
  async rebootInstance(id: number): Promise<void> {
    await this.call(`rebooting instance ${id}`, () => this.api.linodeReboot(id));
  }

  /**
   * Moves public IPv4 addresses between instances of one region in one request
   * (POST /networking/ips/assign): a swap keeps both with the one public address they must have.
   */
  async assignAddresses(
    region: string,
    assignments: readonly { readonly address: string; readonly linodeId: number }[],
  ): Promise<void> {
    await this.call(`moving addresses in ${region}`, () =>
      this.api.assignAddresses({
        region,
        assignments: assignments.map((assignment) => ({
          address: assignment.address,
          linode_id: assignment.linodeId,
        })),
      }),
    );
  }

  // --- firewalls -------------------------------------------------------------------------

  listFirewalls(filter: ApiFilter = {}): Promise<Firewall[]> {
    return this.allPages('listing firewalls', (page) =>
      this.api.getFirewalls({ page, page_size: pageSize }, filter),
    );
  }

  createFirewall(body: FirewallCreateBody): Promise<Firewall> {
    return this.createOnce(
      `creating firewall ${body.label}`,
      () => this.api.createFirewall(body as Parameters<LinodeApiModule['createFirewall']>[0]),
      async () => (await this.listFirewalls({ label: body.label }))[0],
    );
  }

  /** The firewall with this label (labels are unique per account), if any. */
  async firewallByLabel(label: string): Promise<Firewall | undefined> {
    return (await this.listFirewalls({ label }))[0];
  }

  /** Replaces the firewall's rules (PUT /networking/firewalls/:id/rules). */
  async updateFirewallRules(id: number, rules: FirewallCreateBody['rules']): Promise<void> {
    await this.call(`updating the rules of firewall ${id}`, () =>
      // api-v4's rules type is mutable; ours is readonly and otherwise identical.
      this.api.updateFirewallRules(id, rules as Parameters<LinodeApiModule['updateFirewallRules']>[1]),
    );
  }

  deleteFirewall(id: number): Promise<'deleted' | 'absent'> {
    return this.remove(`deleting firewall ${id}`, () => this.api.deleteFirewall(id));
  }

  // --- offerings ------------------------------------------------------------------------

  /** All plans with prices; cached on disk for a day. */
  listTypes(): Promise<LinodeType[]> {
    return cached(cacheFile(this.env, 'types', this.apiOrigin), offeringsTtlMs, this.clock.now(), () =>
      this.allPages('listing Linode types', (page) => this.api.getLinodeTypes({ page, page_size: pageSize })),
    );
  }

  /** All regions with capabilities; cached on disk for a day. */
  listRegions(): Promise<Region[]> {
    return cached(cacheFile(this.env, 'regions', this.apiOrigin), offeringsTtlMs, this.clock.now(), () =>
      this.allPages('listing regions', (page) => this.api.getRegions({ page, page_size: pageSize })),
    );
  }

  getImage(id: string): Promise<Image | undefined> {
    return this.call(`reading image ${id}`, () => this.api.getImage(id), { notFound: undefined });
  }

  // --- plumbing --------------------------------------------------------------------------

  private retryNotice(action: string) {
    return (error: LinodeApiError, attempt: number, delayMs: number) => {
      const what =
        error.status === undefined ? (error.networkCode ?? 'connection lost') : `HTTP ${error.status}`;
      this.options.onRetry?.(
        `Linode API ${what} while ${action}; retrying in ${(delayMs / 1000).toFixed(1)}s (attempt ${attempt + 1}/${this.policy.maxAttempts})`,
      );
    };
  }

  /** One idempotent call with retries; API errors become CliError. `notFound` maps a 404 to a value. */
  private async call<T, N = never>(
    action: string,
    operation: () => Promise<T>,
    options: { notFound?: N } = {},
  ): Promise<T | N> {
    try {
      return await withRetries(
        operation,
        toLinodeApiError,
        this.policy,
        this.clock,
        this.retryNotice(action),
      );
    } catch (raw) {
      const error = toLinodeApiError(raw);
      if (error.status === 404 && 'notFound' in options) return options.notFound as N;
      throw explainApiError(error, action, this.apiOrigin);
    }
  }

  private remove(action: string, operation: () => Promise<unknown>): Promise<'deleted' | 'absent'> {
    return this.call(
      action,
      async () => {
        await operation();
        return 'deleted' as const;
      },
      { notFound: 'absent' as const },
    );
  }

  private async allPages<T>(
    action: string,
    fetchPage: (page: number) => Promise<ResourcePage<T>>,
  ): Promise<T[]> {
    const items: T[] = [];
    for (let page = 1; ; page++) {
      const result = await this.call(`${action} (page ${page})`, () => fetchPage(page));
      items.push(...result.data);
      if (page >= result.pages || result.data.length === 0) return items;
    }
  }

  /**
   * Create with at-most-once semantics. A 429 means the request was refused before anything
   * happened, so it is simply retried after Retry-After. Any other transient failure may have
   * created the resource: `lookup` decides before the next attempt.
   */
  private async createOnce<T>(
    action: string,
    create: () => Promise<T>,
    lookup: () => Promise<T | undefined>,
  ): Promise<T> {
    const started = this.clock.now();
    let uncertain = false;
    for (let attempt = 1; ; attempt++) {
      if (uncertain) {
        const existing = await lookup();
        if (existing !== undefined) return existing;
      }
      try {
        return await create();
      } catch (raw) {
        const error = toLinodeApiError(raw);
        // A duplicate-label refusal after an uncertain attempt means that attempt succeeded.
        if (uncertain && error.status === 400) {
          const existing = await lookup();
          if (existing !== undefined) return existing;
        }
        const delay = backoffDelay(attempt, this.policy, this.clock.random, error.retryAfterMs);
        const exhausted =
          !isTransient(error) ||
          attempt >= this.policy.maxAttempts ||
          this.clock.now() + delay - started > this.policy.maxTotalMs;
        if (exhausted) {
          // The last attempt's outcome may be unknown too: never report failure for a create that happened.
          if (error.status !== 429 && isTransient(error)) {
            const existing = await lookup().catch(() => undefined);
            if (existing !== undefined) return existing;
          }
          throw explainApiError(error, action, this.apiOrigin);
        }
        if (error.status !== 429) uncertain = true;
        this.retryNotice(action)(error, attempt, delay);
        await this.clock.sleep(delay);
      }
    }
  }
}

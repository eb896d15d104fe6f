/**
 * The data behind `status` and the TUI: the registry merged with ONE paged, tag-filtered
 * instance list (never a GET per deployment), plus cached prices and optional health probes.
 */
import { LinodeClient } from '../linode/client.js';
import { readRegistry } from '../state/registry.js';
import type { DeploymentRecord, DestroyedRecord } from '../state/types.js';
import { healthAddress } from './endpoint.js';
import { healthVerdict, probeHealth } from './health.js';
import { deploymentIdOf, type InstanceFacts, mergeDeployments, type TypePrice } from './merge.js';
import { recordFirstHealthy } from './reconcile.js';
import { type BackendFacts, isReplicated, type NodeBalancerFacts, type PlacementFacts } from './replicas.js';
import type { DeploymentView, Health } from './types.js';

export interface StatusFilters {
  /** A deployment id or a prefix of one. */
  readonly id?: string;
  readonly app?: string;
  readonly env?: string;
}

export interface CollectOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly filters?: StatusFilters;
  /** Probe the app's health endpoint of running deployments (default false). */
  readonly checkHealth?: boolean;
  readonly signal?: AbortSignal;
  /** Reuse a connected client (the TUI refreshes often). */
  readonly client?: LinodeClient;
  readonly now?: Date;
  readonly onRetry?: (message: string) => void;
  /** --debug: every API request. */
  readonly trace?: (line: string) => void;
  /**
   * Read each replicated deployment's backends (mode, UP/DOWN): one request per NodeBalancer
   * (two without a recorded config id), so only for the deployments shown in detail.
   */
  readonly backends?: boolean;
  /** Read each replicated deployment's placement group (its compliance): one request each, for `status ID`. */
  readonly placement?: boolean;
}

export interface Collected {
  readonly views: DeploymentView[];
  readonly records: readonly DeploymentRecord[];
  /** Deployments the registry remembers destroying. */
  readonly destroyed: readonly DestroyedRecord[];
}

/** The X-Filter that narrows the list on the server as far as the API allows. */
export function instanceFilter(filters: StatusFilters): Record<string, unknown> {
  const conditions: Record<string, string>[] = [];
  if (filters.id && /^[0-9a-z]{8}$/.test(filters.id)) conditions.push({ tags: `build-id:${filters.id}` });
  if (filters.app) conditions.push({ tags: `build-app:${filters.app}` });
  if (filters.env) conditions.push({ tags: `build-env:${filters.env}` });
  if (conditions.length === 0) return {};
  return conditions.length === 1 ? conditions[0]! : { '+and': conditions };
}

export function matchesFilters(
  view: Pick<DeploymentView, 'id' | 'app' | 'env'>,
  filters: StatusFilters,
): boolean {
  return (
    (!filters.id || view.id.startsWith(filters.id)) &&
    (!filters.app || view.app === filters.app) &&
    (!filters.env || view.env === filters.env)
  );
}

export async function collectDeploymentsWithRecords(options: CollectOptions): Promise<Collected> {
  const filters = options.filters ?? {};
  const client =
    options.client ??
    (await LinodeClient.connect(options.env, {
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
      ...(options.trace ? { trace: options.trace } : {}),
    }));
  const [registry, instances, types] = await Promise.all([
    readRegistry(options.env),
    client.listInstances(instanceFilter(filters)),
    client.listTypes().catch(() => []),
  ]);
  const ours: InstanceFacts[] = instances.filter((instance) => deploymentIdOf(instance) !== undefined);
  const scaled = await scaleFacts(client, filters, registry.deployments, ours, options.backends === true);
  const placementGroups = options.placement
    ? await placementFacts(client, registry.deployments, filters)
    : undefined;
  const views = mergeDeployments({
    records: registry.deployments,
    instances: ours,
    types,
    now: options.now ?? new Date(),
    ...scaled,
    ...(placementGroups ? { placementGroups } : {}),
  }).filter((view) => matchesFilters(view, filters));
  const now = options.now ?? new Date();
  const checked = options.checkHealth
    ? await withHealth(views, registry.deployments, options.env, now, options.signal)
    : views;
  if (options.checkHealth) {
    const known = new Map(registry.deployments.map((record) => [record.id, record]));
    const firstHealthy = checked.filter(
      (view) => view.health === 'healthy' && known.has(view.id) && !known.get(view.id)!.healthyAt,
    );
    await recordFirstHealthy(
      options.env,
      firstHealthy.map((view) => view.id),
      now,
    );
  }
  return { views: checked, records: registry.deployments, destroyed: registry.destroyed ?? [] };
}

/**
 * The NodeBalancers (one listing, narrowed like the instances) and their prices, only when
 * some deployment shown has replicas: a listing of single instances costs what it always did.
 * With `backends`, each NodeBalancer's backends too.
 */
async function scaleFacts(
  client: LinodeClient,
  filters: StatusFilters,
  records: readonly DeploymentRecord[],
  instances: readonly InstanceFacts[],
  backends: boolean,
): Promise<{
  nodeBalancers?: NodeBalancerFacts[];
  nodeBalancerTypes?: TypePrice[];
  backends?: Map<string, BackendFacts[]>;
}> {
  const replicated =
    records.some((record) => matchesFilters(record, filters) && isReplicated(record, [])) ||
    isReplicated(undefined, instances);
  if (!replicated) return {};
  const [listed, nodeBalancerTypes] = await Promise.all([
    client.nodeBalancers.list(instanceFilter(filters)),
    client.nodeBalancers.types().catch(() => []),
  ]);
  const nodeBalancers = listed.filter((balancer) => deploymentIdOf(balancer) !== undefined);
  if (!backends) return { nodeBalancers, nodeBalancerTypes };
  const byDeployment = new Map<string, BackendFacts[]>();
  await Promise.all(
    nodeBalancers.map(async (balancer) => {
      const id = deploymentIdOf(balancer)!;
      const record = records.find((candidate) => candidate.id === id);
      byDeployment.set(id, await backendsOf(client, balancer.id, record));
    }),
  );
  return { nodeBalancers, nodeBalancerTypes, backends: byDeployment };
}

/** The placement group deploy recorded for each replicated deployment shown (gone ones are left out). */
async function placementFacts(
  client: LinodeClient,
  records: readonly DeploymentRecord[],
  filters: StatusFilters,
): Promise<Map<string, PlacementFacts>> {
  const found = new Map<string, PlacementFacts>();
  await Promise.all(
    records.map(async (record) => {
      const id = record.scale?.placementGroupId;
      if (id === undefined || !matchesFilters(record, filters)) return;
      const group = await client.placementGroups.get(id);
      if (group) found.set(record.id, group);
    }),
  );
  return found;
}

/** One request with the config id deploy recorded; otherwise the configs first (two). */
async function backendsOf(
  client: LinodeClient,
  nodeBalancerId: number,
  record: DeploymentRecord | undefined,
): Promise<BackendFacts[]> {
  const configId = record?.scale?.configId;
  if (configId !== undefined) return client.nodeBalancers.nodes(nodeBalancerId, configId);
  const configs = await client.nodeBalancers.backends(nodeBalancerId);
  return configs.flatMap((config) => config.nodes);
}

export async function collectDeployments(options: CollectOptions): Promise<DeploymentView[]> {
  return (await collectDeploymentsWithRecords(options)).views;
}

const probeConcurrency = 16;

async function withHealth(
  views: DeploymentView[],
  records: readonly DeploymentRecord[],
  env: NodeJS.ProcessEnv,
  now: Date,
  signal: AbortSignal | undefined,
): Promise<DeploymentView[]> {
  const byId = new Map(records.map((record) => [record.id, record]));
  const results: DeploymentView[] = [...views];
  let next = 0;
  const worker = async () => {
    while (next < results.length) {
      const index = next++;
      const view = results[index]!;
      results[index] = { ...view, health: await healthOf(view, byId.get(view.id), env, now, signal) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(probeConcurrency, results.length) }, worker));
  return results;
}

async function healthOf(
  view: DeploymentView,
  record: DeploymentRecord | undefined,
  env: NodeJS.ProcessEnv,
  now: Date,
  signal: AbortSignal | undefined,
): Promise<Health> {
  if (view.instanceStatus !== 'running') return 'not-checked';
  const check = record?.health;
  const address = healthAddress(view.ipv4, record?.externalPort, env);
  if (!check || !address || (check.type !== 'http' && check.type !== 'tcp')) return 'unknown';
  // A status listing should not stall on one slow host: cap each probe at 5 s.
  const result = await probeHealth(
    { ...check, timeout_seconds: Math.min(check.timeout_seconds, 5) },
    address,
    signal,
  );
  const created = view.createdAt ? Date.parse(view.createdAt) : Number.NaN;
  return healthVerdict({
    ok: result.ok,
    everHealthy: record?.healthyAt !== undefined,
    ...(Number.isNaN(created) ? {} : { ageMs: now.getTime() - created }),
  });
}

/**
 * The production DataSource: the same functions as `status` and `destroy` (one paged,
 * tag-filtered list per refresh, merged with the registry; destroy via destroyDeployment),
 * plus the on-instance watcher for boot steps, issues, events and logs when it is enabled.
 */

import { destroyDeployment } from '../destroy/destroy.js';
import { selectDeployment } from '../destroy/select.js';
import { CliError } from '../errors.js';
import { LinodeClient } from '../linode/client.js';
import type { DeploymentRecord } from '../state/types.js';
import { collectDeploymentsWithRecords } from '../status/collect.js';
import { withOpenIssues } from '../status/issues.js';
import type { DeploymentView, WatcherIssueSummary } from '../status/types.js';
import type { DataSource, DetailView, HealthSample, WatcherPanel } from './data.js';

/** Reads the on-instance watcher of one deployment (only called when it has one). */
export interface WatcherReader {
  panel(record: DeploymentRecord, view: DeploymentView): Promise<WatcherPanel>;
  logs(record: DeploymentRecord, view: DeploymentView, lines: number): Promise<string[]>;
  /** Open issues for the list's ISS column. */
  openIssues?(record: DeploymentRecord): Promise<WatcherIssueSummary[]>;
}

export interface LiveSourceOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Probe each running deployment's health endpoint on every refresh. */
  readonly checkHealth: boolean;
  readonly watcher?: WatcherReader;
  readonly now?: () => Date;
}

/** Health samples kept per deployment: what this session measured, newest last. */
const HISTORY = 20;

export function createLiveSource(options: LiveSourceOptions): DataSource {
  const { env } = options;
  const now = options.now ?? (() => new Date());
  let client: Promise<LinodeClient> | undefined;
  let latest: { views: DeploymentView[]; records: readonly DeploymentRecord[] } = { views: [], records: [] };
  const history = new Map<string, HealthSample[]>();

  const connect = () => {
    // A failed connect (no token) is retried on the next refresh rather than cached.
    client ??= LinodeClient.connect(env).catch((error: unknown) => {
      client = undefined;
      throw error;
    });
    return client;
  };

  const collect = async () => {
    const collected = await collectDeploymentsWithRecords({
      env,
      client: await connect(),
      checkHealth: options.checkHealth,
      now: now(),
    });
    const openIssues = options.watcher?.openIssues?.bind(options.watcher);
    const views = openIssues
      ? await withOpenIssues(collected.views, collected.records, openIssues)
      : collected.views;
    latest = { views, records: collected.records };
    const at = now().toISOString();
    for (const view of views) {
      if (view.health !== 'healthy' && view.health !== 'unhealthy') continue;
      const samples = history.get(view.id) ?? [];
      samples.push({ at, ok: view.health === 'healthy' });
      history.set(view.id, samples.slice(-HISTORY));
    }
    return latest;
  };

  const withBackends = async (view: DeploymentView): Promise<DeploymentView> => {
    const collected = await collectDeploymentsWithRecords({
      env,
      client: await connect(),
      checkHealth: false,
      now: now(),
      filters: { id: view.id },
      backends: true,
    });
    const fresh = collected.views.find((candidate) => candidate.id === view.id);
    // The listing's health probe stands: this read asks the API only.
    return fresh
      ? { ...fresh, health: view.health, ...(view.openIssues ? { openIssues: view.openIssues } : {}) }
      : view;
  };

  const recordOf = (id: string) => latest.records.find((record) => record.id === id);

  const viewOf = async (id: string): Promise<DeploymentView> => {
    const known = latest.views.find((view) => view.id === id);
    if (known) return known;
    const fresh = (await collect()).views.find((view) => view.id === id);
    if (!fresh) {
      throw new CliError(`Deployment ${id} is no longer listed.`, 'Press r to refresh the list.');
    }
    return fresh;
  };

  return {
    async list() {
      return (await collect()).views;
    },

    async detail(id): Promise<DetailView> {
      const listed = await viewOf(id);
      // A deployment with replicas: its backends (mode, UP/DOWN), read for this one only.
      const deployment = listed.replicas ? await withBackends(listed) : listed;
      const record = recordOf(id);
      let watcher: WatcherPanel;
      if (!record?.watcherPort) watcher = { state: 'disabled' };
      else if (!options.watcher) {
        watcher = { state: 'unreachable', error: 'this build of linode-build has no watcher client' };
      } else {
        watcher = await options.watcher.panel(record, deployment).catch(
          (error: unknown): WatcherPanel => ({
            state: 'unreachable',
            error: error instanceof Error ? error.message : String(error),
          }),
        );
      }
      const samples = history.get(id);
      return { deployment, watcher, ...(samples ? { healthHistory: [...samples] } : {}) };
    },

    async logs(id, lines) {
      const deployment = await viewOf(id);
      const record = recordOf(id);
      if (!record?.watcherPort || !options.watcher) {
        throw new CliError(
          `No log source for ${id}: its watcher is not enabled.`,
          `Deploy with the buildwatch capability, or read them over SSH: linode-build ssh ${id} -- docker logs app`,
        );
      }
      return options.watcher.logs(record, deployment, lines);
    },

    async destroy(id, onProgress) {
      const selection = selectDeployment({
        id,
        views: latest.views,
        records: latest.records,
        cwd: options.cwd,
      });
      if (selection.kind === 'nothing') {
        onProgress(`Nothing to destroy: ${selection.reason}.`);
        return;
      }
      onProgress(
        selection.view.linodeId !== undefined
          ? `Deleting Linode ${selection.view.linodeId} and its firewall…`
          : 'No instance found; removing the firewall and local records…',
      );
      await destroyDeployment({ env, client: await connect(), target: selection.target, onProgress });
      latest = {
        views: latest.views.filter((view) => view.id !== id),
        records: latest.records.filter((record) => record.id !== id),
      };
      history.delete(id);
    },
  };
}

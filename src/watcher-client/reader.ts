/**
 * The watcher as the dashboard reads it (the TUI's WatcherReader): boot steps, open issues,
 * recent events and log tails, mapped to the view types the TUI and `status` share.
 */

import type { DeploymentRecord } from '../state/types.js';
import { idleGpuLines } from '../status/idle-lines.js';
import type { WatcherIssueSummary } from '../status/types.js';
import type { BootStep, BootStepState, WatcherEvent, WatcherPanel } from '../tui/data.js';
import type { Issue, WatchEvent, WatcherStatus } from './client.js';
import { connectWatcher, type WatcherConnection } from './connect.js';
import { renderLogLine } from './format.js';
import { explainWatcherError } from './resolve.js';

const STEP_STATES: Record<string, BootStepState> = {
  pending: 'pending',
  running: 'running',
  ok: 'done',
  done: 'done',
  failed: 'failed',
  skipped: 'skipped',
};

export function issueSummary(issue: Issue): WatcherIssueSummary {
  const evidence = Object.entries(issue.evidence)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
  return {
    kind: issue.kind,
    // The shared view has no 'error' level: failures that stop the app are critical.
    severity: issue.severity === 'warning' ? 'warning' : 'critical',
    container: issue.container.name,
    message: issue.message,
    firstSeen: issue.first_seen,
    lastSeen: issue.last_seen,
    count: issue.count,
    ...(evidence ? { evidence } : {}),
  };
}

function eventSummary(event: WatchEvent): WatcherEvent {
  const details: string[] = [];
  if (event.exitCode !== undefined) details.push(`exit ${event.exitCode}`);
  if (event.health) details.push(event.health);
  if (event.signal) details.push(`signal ${event.signal}`);
  return {
    at: event.time,
    kind: event.action,
    message: `${event.container.name}${details.length ? ` (${details.join(', ')})` : ''}`,
  };
}

export interface WatcherReaderOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

/** After a failed connection, how long the reader waits before trying ssh again. */
const RETRY_AFTER_MS = 30_000;

export function createWatcherReader(options: WatcherReaderOptions) {
  // One connection (usually an SSH tunnel) per deployment, kept while the reader lives: the
  // dashboard refreshes every few seconds and must not start ssh each time.
  const connections = new Map<string, Promise<WatcherConnection>>();
  const failures = new Map<string, { at: number; error: unknown }>();
  const connect = async (record: DeploymentRecord): Promise<WatcherConnection> => {
    const failed = failures.get(record.id);
    if (failed && Date.now() - failed.at < RETRY_AFTER_MS) throw failed.error;
    let pending = connections.get(record.id);
    if (pending) {
      const existing = await pending.catch(() => undefined);
      if (existing && (!existing.tunnel || existing.tunnel.alive())) return existing;
      existing?.close();
      connections.delete(record.id);
    }
    pending = connectWatcher(options.env, record, { timeoutMs: options.timeoutMs ?? 3000 });
    connections.set(record.id, pending);
    try {
      const connection = await pending;
      failures.delete(record.id);
      return connection;
    } catch (error) {
      connections.delete(record.id);
      failures.set(record.id, { at: Date.now(), error });
      throw error;
    }
  };
  return {
    async panel(record: DeploymentRecord): Promise<WatcherPanel> {
      if (!record.watcherPort) return { state: 'disabled' };
      let connection: WatcherConnection | undefined;
      try {
        connection = await connect(record);
        const [status, issues, events] = await Promise.all([
          connection.client.status(),
          connection.client.issues('open'),
          connection.client.events(0, 1000),
        ]);
        const bootSteps: BootStep[] = status.boot.steps.map((step) => ({
          name: step.description || step.name || step.id,
          state: STEP_STATES[step.state] ?? 'pending',
          ...(step.started_at ? { startedAt: step.started_at } : {}),
          ...(step.finished_at ? { finishedAt: step.finished_at } : {}),
          ...(step.state === 'failed' && step.output_tail ? { detail: step.output_tail } : {}),
        }));
        return {
          state: 'ok',
          bootSteps,
          issues: issues.issues.map(issueSummary),
          events: events.events.slice(-20).reverse().map(eventSummary),
          idleGpu: idleGpuLines(status, undefined, new Date()).map((line) => line.trim()),
        };
      } catch (error) {
        const message = connection
          ? explainWatcherError(error, connection.resolved).message
          : (error as Error).message;
        return { state: 'unreachable', error: message };
      }
    },
    /**
     * Open issues for `status`: undefined when the watcher is not enabled or cannot be reached
     * (the shared view shows that as unknown rather than "no issues").
     */
    async openIssues(record: DeploymentRecord): Promise<WatcherIssueSummary[] | undefined> {
      if (!record.watcherPort) return undefined;
      try {
        const { client } = await connect(record);
        return (await client.issues('open')).issues.map(issueSummary);
      } catch {
        return undefined;
      }
    },
    /** Whether the boot runner reported a failed step; undefined when the watcher cannot say. */
    async bootFailed(record: DeploymentRecord): Promise<boolean | undefined> {
      if (!record.watcherPort) return undefined;
      try {
        const { client } = await connect(record);
        return (await client.status()).boot.state === 'failed';
      } catch {
        return undefined;
      }
    },
    /** The watcher's idle and GPU view; undefined when it cannot say. */
    async idleAndGpu(record: DeploymentRecord): Promise<Pick<WatcherStatus, 'idle' | 'gpu'> | undefined> {
      if (!record.watcherPort) return undefined;
      try {
        const { client } = await connect(record);
        const status = await client.status();
        return { ...(status.idle ? { idle: status.idle } : {}), ...(status.gpu ? { gpu: status.gpu } : {}) };
      } catch {
        return undefined;
      }
    },
    /** Stops every tunnel this reader opened. */
    close(): void {
      for (const pending of connections.values())
        void pending.then(
          (connection) => connection.close(),
          () => {},
        );
      connections.clear();
    },
    async logs(record: DeploymentRecord, _view: unknown, lines: number): Promise<string[]> {
      const { client, resolved } = await connect(record);
      try {
        const response = await client.logs(lines);
        return response.lines.map((line) => renderLogLine(line, false));
      } catch (error) {
        throw explainWatcherError(error, resolved);
      }
    },
  };
}

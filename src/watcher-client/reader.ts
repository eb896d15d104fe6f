/**
 * The watcher as the dashboard reads it (the TUI's WatcherReader): boot steps, open issues,
 * recent events and log tails, mapped to the view types the TUI and `status` share.
 */

import type { DeploymentRecord } from '../state/types.js';
import type { WatcherIssueSummary } from '../status/types.js';
import type { BootStep, BootStepState, WatcherEvent, WatcherPanel } from '../tui/data.js';
import { type Issue, type WatchEvent, WatcherClient } from './client.js';
import { renderLogLine } from './format.js';
import { explainWatcherError, type ResolvedWatcher, resolveWatcher } from './resolve.js';

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

export function createWatcherReader(options: WatcherReaderOptions) {
  const connect = async (
    record: DeploymentRecord,
  ): Promise<{ client: WatcherClient; resolved: ResolvedWatcher }> => {
    const resolved = await resolveWatcher(options.env, record);
    return {
      client: new WatcherClient(resolved.endpoint, { timeoutMs: options.timeoutMs ?? 3000 }),
      resolved,
    };
  };
  return {
    async panel(record: DeploymentRecord): Promise<WatcherPanel> {
      if (!record.watcherPort) return { state: 'disabled' };
      let connection: Awaited<ReturnType<typeof connect>> | undefined;
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

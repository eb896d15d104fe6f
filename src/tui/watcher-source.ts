/**
 * The dashboard's view of BuildWatch: the watcher client's reader (boot steps, issues, events,
 * logs) plus the open-issue list for the ISS column of the deployment list.
 */
import { WatcherClient } from '../watcher-client/client.js';
import { createWatcherReader, issueSummary } from '../watcher-client/reader.js';
import { resolveWatcher } from '../watcher-client/resolve.js';
import type { WatcherReader } from './live-source.js';

/** Short: the list waits for these, and an unreachable watcher just shows "?". */
const ISSUES_TIMEOUT_MS = 3000;

export function createTuiWatcher(env: NodeJS.ProcessEnv): WatcherReader {
  const reader = createWatcherReader({ env });
  return {
    panel: (record) => reader.panel(record),
    logs: (record, view, lines) => reader.logs(record, view, lines),
    async openIssues(record) {
      const { endpoint } = await resolveWatcher(env, record);
      const client = new WatcherClient(endpoint, { timeoutMs: ISSUES_TIMEOUT_MS });
      return (await client.issues('open')).issues.map(issueSummary);
    },
  };
}

/**
 * The dashboard's view of BuildWatch: the watcher client's reader (boot steps, issues, events,
 * logs) plus the open-issue list for the ISS column of the deployment list.
 */
import { createWatcherReader } from '../watcher-client/reader.js';
import type { WatcherReader } from './live-source.js';

/**
 * One reader for the whole dashboard: it keeps one SSH tunnel per deployment open while the
 * TUI runs (each is stopped when the CLI exits). Requests are short (3 s): an unreachable
 * watcher just shows "?".
 */
export function createTuiWatcher(env: NodeJS.ProcessEnv): WatcherReader {
  const reader = createWatcherReader({ env, timeoutMs: 3000 });
  return {
    panel: (record) => reader.panel(record),
    logs: (record, view, lines) => reader.logs(record, view, lines),
    async openIssues(record) {
      const issues = await reader.openIssues(record);
      if (!issues) throw new Error('watcher not reachable');
      return issues;
    },
  };
}

/**
 * Open watcher issues merged into deployment views: shared by `status` and the TUI so both
 * show the same thing. A watcher that does not answer leaves the issues unknown (undefined),
 * never "no issues".
 */
import type { DeploymentRecord } from '../state/types.js';
import type { DeploymentView, WatcherIssueSummary } from './types.js';

export type OpenIssuesFetcher = (
  record: DeploymentRecord,
) => Promise<readonly WatcherIssueSummary[] | undefined>;

/** Watchers asked at once; each call has its own short timeout. */
const WATCHER_CONCURRENCY = 8;

/** Fills `openIssues` for each running deployment that runs the watcher. */
export async function withOpenIssues(
  views: readonly DeploymentView[],
  records: readonly DeploymentRecord[],
  fetchOpenIssues: OpenIssuesFetcher,
): Promise<DeploymentView[]> {
  const byId = new Map(records.map((record) => [record.id, record]));
  const result = [...views];
  const pending = result
    .map((view, index) => ({ view, index, record: byId.get(view.id) }))
    .filter((item) => item.record?.watcherPort && item.view.instanceStatus === 'running');
  const worker = async () => {
    for (let item = pending.shift(); item; item = pending.shift()) {
      const issues = await fetchOpenIssues(item.record!).catch(() => undefined);
      if (issues) result[item.index] = { ...item.view, openIssues: issues };
    }
  };
  await Promise.all(Array.from({ length: WATCHER_CONCURRENCY }, worker));
  return result;
}

/** Lines for `status ID`: the open issues, or why they are unknown. */
export function issueLines(view: DeploymentView, watcherEnabled: boolean): string[] {
  if (!watcherEnabled) return [];
  if (view.openIssues === undefined) {
    return [
      view.instanceStatus === 'running'
        ? `  Issues:    unknown (the watcher did not answer through SSH; 'linode-build logs ${view.id} --boot' says why)`
        : `  Issues:    unknown until the instance is running`,
    ];
  }
  if (view.openIssues.length === 0) return ['  Issues:    none open'];
  return [
    `  Issues:    ${view.openIssues.length} open`,
    ...view.openIssues.map(
      (issue) =>
        `    [${issue.severity}] ${issue.kind}${issue.container ? ` in ${issue.container}` : ''}: ${issue.message} (×${issue.count}, last ${issue.lastSeen})`,
    ),
  ];
}

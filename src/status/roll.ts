/**
 * How a roll that no deploy finished is told: stopped on its own (a replica failed its health
 * check or its update: where, why, and which replicas run the new version) or interrupted (the
 * deploy was cut short: killed, Ctrl-C). The same words in `status`, `status ID` and the TUI. Pure.
 */
import type { RollStop } from '../state/types.js';
import type { DeploymentView } from './types.js';

export type RollMark = 'stopped' | 'interrupted';

export function rollMark(
  view: Pick<DeploymentView, 'unfinishedRollSince' | 'rollStopped'>,
): RollMark | undefined {
  if (view.rollStopped) return 'stopped';
  return view.unfinishedRollSince ? 'interrupted' : undefined;
}

/** "replicas 1, 3 run the new version" / "replica 1 runs …" / "no replica runs …". */
function newVersionText(updated: readonly number[]): string {
  if (updated.length === 0) return 'no replica runs the new version';
  return updated.length === 1
    ? `replica ${updated[0]} runs the new version`
    : `replicas ${updated.join(', ')} run the new version`;
}

const INTERRUPTED = 'interrupted (the deploy was cut short)';

function stoppedAt(stop: RollStop): string {
  return `stopped at replica ${stop.replica} (${stop.reason})`;
}

/** One phrase: `stopped at replica 2 (health check failed); replica 1 runs the new version`. */
export function rollSummary(
  view: Pick<DeploymentView, 'unfinishedRollSince' | 'rollStopped'>,
): string | undefined {
  const stopped = view.rollStopped;
  if (stopped) return `${stoppedAt(stopped)}; ${newVersionText(stopped.updated)}`;
  return view.unfinishedRollSince ? INTERRUPTED : undefined;
}

/** The same in two short lines (the TUI's detail view, which cuts long lines at its width). */
export function rollLines(
  view: Pick<DeploymentView, 'unfinishedRollSince' | 'rollStopped'>,
): readonly [string, string] | undefined {
  const stopped = view.rollStopped;
  if (stopped) return [stoppedAt(stopped), `${newVersionText(stopped.updated)}; deploy rolls again`];
  return view.unfinishedRollSince
    ? [INTERRUPTED, 'some replicas may be drained; deploy finishes it']
    : undefined;
}

/** The `Roll:` line of `status ID`, with when and what the next deploy does. */
export function rollDetail(
  view: Pick<DeploymentView, 'unfinishedRollSince' | 'rollStopped'>,
): string | undefined {
  const summary = rollSummary(view);
  if (!summary) return undefined;
  if (view.rollStopped)
    return `${summary}, the others the previous one (at ${view.rollStopped.at}). 'linode-build deploy' rolls every replica again.`;
  return `${summary}; started ${view.unfinishedRollSince}, some replicas may run the previous version or be drained. 'linode-build deploy' finishes it.`;
}

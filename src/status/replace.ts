/**
 * A `deploy --replace` of a deployment's replicas that no deploy finished (src/deploy/replace-roll.ts
 * keeps `scale.replacing` until every replica runs the new plan): which replicas run which plan,
 * which new instances are billed beside the old ones they were to replace, and whether it stopped
 * on its own (a new instance never became healthy) or was cut short. The same words in `status`,
 * `status ID` and the TUI. Pure.
 */
import { surgeTag } from '../plan/replace-slots.js';
import type { DeploymentRecord } from '../state/types.js';
import type { InstanceFacts } from './prices.js';
import type { DeploymentView, ReplaceView } from './types.js';

export type ReplaceMarkText = 'stopped' | 'interrupted';

/**
 * The unfinished replace of `record`, if any. New instances are the deployment's instances that
 * carry a replica's `build-replacing:` tag (every billed one shows, even if the deploy was killed
 * before it recorded the create answer).
 */
export function replaceView(
  record: DeploymentRecord | undefined,
  instances: readonly Pick<InstanceFacts, 'id' | 'tags'>[],
): ReplaceView | undefined {
  const mark = record?.scale?.replacing;
  if (!record?.scale || !mark) return undefined;
  const indexes = record.scale.members.map((member) => member.index).sort((a, b) => a - b);
  const replaced = [...mark.done].sort((a, b) => a - b);
  const newInstances = indexes.flatMap((index) =>
    instances
      .filter((instance) => instance.tags.includes(surgeTag(record.id, index)))
      .map((instance) => ({ replica: index, linodeId: instance.id })),
  );
  return {
    since: mark.startedAt,
    type: mark.type,
    image: mark.image,
    previousType: record.type,
    replaced,
    remaining: indexes.filter((index) => !replaced.includes(index)),
    newInstances,
    ...(mark.stopped ? { stopped: mark.stopped } : {}),
  };
}

export function replaceMark(view: Pick<DeploymentView, 'unfinishedReplace'>): ReplaceMarkText | undefined {
  if (!view.unfinishedReplace) return undefined;
  return view.unfinishedReplace.stopped ? 'stopped' : 'interrupted';
}

function listed(indexes: readonly number[]): string {
  return `replica${indexes.length === 1 ? '' : 's'} ${indexes.join(', ')}`;
}

/** "replica 1 runs the new plan (g6-standard-4), replicas 2, 3 the previous one (g6-standard-2)". */
function whoRunsWhat(replace: ReplaceView): string {
  const { replaced, remaining } = replace;
  const news =
    replaced.length === 0
      ? `no replica runs the new plan (${replace.type}) yet`
      : `${listed(replaced)} ${replaced.length === 1 ? 'runs' : 'run'} the new plan (${replace.type})`;
  if (remaining.length === 0) return news;
  return `${news}, ${listed(remaining)} the previous one (${replace.previousType})`;
}

/** "New instance Linode 7 (replica 2) is billed beside the old one" / "No new instance is billed …". */
function billedText(replace: ReplaceView): string {
  const news = replace.newInstances.map((item) => `Linode ${item.linodeId} (replica ${item.replica})`);
  if (news.length === 0) return 'No new instance is billed beside an old one';
  return news.length === 1
    ? `New instance ${news[0]} is billed beside the old one`
    : `New instances ${news.join(', ')} are billed beside the old ones`;
}

function whatHappened(replace: ReplaceView): string {
  const stopped = replace.stopped;
  return stopped
    ? `stopped at replica ${stopped.replica} (${stopped.reason})`
    : 'interrupted (the deploy ended before it finished)';
}

const FINISH = "Run 'linode-build deploy --replace' to finish";

/** The `Replace:` line of `status ID`: what happened, who runs what, what is billed twice, what next. */
export function replaceDetail(view: Pick<DeploymentView, 'unfinishedReplace'>): string | undefined {
  const replace = view.unfinishedReplace;
  if (!replace) return undefined;
  const when = replace.stopped ? `at ${replace.stopped.at}` : `started ${replace.since}`;
  const next = replace.stopped
    ? `${FINISH} once the new plan can pass the health check (replicas already replaced are kept), or undo the change in deploy.yml and run it to put them back.`
    : `${FINISH} (it reuses what exists).`;
  return `${whatHappened(replace)} (${when}); ${whoRunsWhat(replace)}. ${billedText(replace)}. ${next}`;
}

/** The same in short lines (the TUI's detail view, which cuts long lines at its width). */
export function replaceLines(view: Pick<DeploymentView, 'unfinishedReplace'>): readonly string[] | undefined {
  const replace = view.unfinishedReplace;
  if (!replace) return undefined;
  const total = replace.replaced.length + replace.remaining.length;
  const lines = [
    whatHappened(replace),
    `${replace.replaced.length} of ${total} on ${replace.type}; deploy --replace finishes it`,
  ];
  if (replace.newInstances.length > 0) {
    const ids = replace.newInstances.map((item) => `${item.linodeId} (r${item.replica})`).join(', ');
    lines.push(`new Linode ${ids} billed beside the old`);
  }
  return lines;
}

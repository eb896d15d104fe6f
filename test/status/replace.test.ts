/** The words for a `deploy --replace` of replicas that no deploy finished, and what it is read from. */
import { describe, expect, it } from 'vitest';
import type { DeploymentRecord } from '../../src/state/types.js';
import { mergeDeployments } from '../../src/status/merge.js';
import { replaceDetail, replaceLines, replaceMark, replaceView } from '../../src/status/replace.js';
import { replicaCountText } from '../../src/status/replicas.js';

const started = '2026-12-02T10:00:00.000Z';
const id = 'abcd1234';

function record(replacing: NonNullable<DeploymentRecord['scale']>['replacing']): DeploymentRecord {
  return {
    id,
    app: 'app',
    env: 'prod',
    template: 't',
    templateVersion: '1',
    status: 'active',
    region: 'us-ord',
    type: 'g6-standard-2',
    image: 'linode/ubuntu24.04',
    label: `app-prod-${id}`,
    createdAt: started,
    updatedAt: started,
    scale: {
      replicas: 3,
      nodeBalancerId: 9,
      configId: 10,
      members: [1, 2, 3].map((index) => ({ index, linodeId: 100 + index })),
      ...(replacing ? { replacing } : {}),
    },
  };
}

const mark = {
  startedAt: started,
  fingerprint: { version: 1, fields: {} },
  type: 'g6-standard-4',
  image: 'linode/ubuntu24.04',
  done: [1],
} as unknown as NonNullable<NonNullable<DeploymentRecord['scale']>['replacing']>;

const instance = (linodeId: number, tags: string[]) => ({
  id: linodeId,
  label: `l${linodeId}`,
  region: 'us-ord',
  type: 'g6-standard-2',
  status: 'running',
  ipv4: ['203.0.113.1', '192.168.1.1'],
  created: '2026-12-02T09:00:00',
  tags: [`build-id:${id}`, ...tags],
});

describe('unfinished replace', () => {
  it('cut short: who runs which plan, the new instance billed beside its old one, and deploy --replace', () => {
    const view = replaceView(record(mark), [
      instance(101, [`build-replica:${id}-1`]),
      instance(102, [`build-replica:${id}-2`]),
      instance(201, [`build-replacing:${id}-2`]),
      instance(103, [`build-replica:${id}-3`]),
    ]);
    expect(view).toEqual({
      since: started,
      type: 'g6-standard-4',
      image: 'linode/ubuntu24.04',
      previousType: 'g6-standard-2',
      replaced: [1],
      remaining: [2, 3],
      newInstances: [{ replica: 2, linodeId: 201 }],
    });
    const shown = { unfinishedReplace: view };
    expect(replaceMark(shown)).toBe('interrupted');
    expect(replaceDetail(shown)).toBe(
      `interrupted (the deploy ended before it finished) (started ${started}); replica 1 runs the new plan (g6-standard-4), replicas 2, 3 the previous one (g6-standard-2). New instance Linode 201 (replica 2) is billed beside the old one. Run 'linode-build deploy --replace' to finish (it reuses what exists).`,
    );
    expect(replaceLines(shown)).toEqual([
      'interrupted (the deploy ended before it finished)',
      '1 of 3 on g6-standard-4; deploy --replace finishes it',
      'new Linode 201 (r2) billed beside the old',
    ]);
  });

  it('stopped: where and why, nothing billed twice, and no mark without a replace', () => {
    const stopped = {
      ...mark,
      done: [],
      stopped: { at: '2026-12-02T10:05:00.000Z', replica: 1, reason: 'its new instance failed' },
    };
    const shown = { unfinishedReplace: replaceView(record(stopped), [])! };
    expect(replaceMark(shown)).toBe('stopped');
    const detail = replaceDetail(shown)!;
    expect(detail).toContain('stopped at replica 1 (its new instance failed) (at 2026-12-02T10:05:00.000Z)');
    expect(detail).toContain(
      'no replica runs the new plan (g6-standard-4) yet, replicas 1, 2, 3 the previous one (g6-standard-2)',
    );
    expect(detail).toContain('No new instance is billed beside an old one.');
    expect(detail).toContain("Run 'linode-build deploy --replace' to finish");
    expect(replaceLines(shown)).toHaveLength(2);
    expect(replaceView(record(undefined), [])).toBeUndefined();
    expect(replaceMark({})).toBeUndefined();
  });

  it('status merges it into the view of a deployment with replicas', () => {
    const [view] = mergeDeployments({
      records: [record(mark)],
      instances: [instance(101, [`build-replica:${id}-1`]), instance(202, [`build-replacing:${id}-3`])],
      types: [],
      now: new Date(started),
    });
    expect(view?.unfinishedReplace?.newInstances).toEqual([{ replica: 3, linodeId: 202 }]);
    // The new instance is billed and shown, but not counted as a replica; replicas 2 and 3 are
    // recorded without an instance in this listing, so they are missing.
    expect(replicaCountText(view!.replicas!)).toBe('1/3 running +1 new');
    const [plain] = mergeDeployments({
      records: [record(undefined)],
      instances: [],
      types: [],
      now: new Date(),
    });
    expect(plain?.unfinishedReplace).toBeUndefined();
  });
});

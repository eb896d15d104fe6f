/**
 * watchReplicaBoots: which replicas' boots are followed at once (bounded), when a slot frees
 * (the replica serves, or its boot fails), and how their lines read.
 */
import { describe, expect, it } from 'vitest';
import type { BootReporter, BootStepFailure } from '../../src/deploy/boot-watch.js';
import { replicaLine, watchReplicaBoots } from '../../src/deploy/replica-boots.js';
import type { ReplicaMember } from '../../src/state/types.js';

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function members(count: number): ReplicaMember[] {
  return Array.from({ length: count }, (_, i) => ({
    index: i + 1,
    linodeId: 100 + i,
    ipv4: `192.0.2.${i + 1}`,
  }));
}

/** Reporters the test controls: which are open, what each printed, and a way to fail one. */
function fakeReporters() {
  const open = new Set<number>();
  const opened: number[] = [];
  const fail = new Map<number, (failure: BootStepFailure) => void>();
  const steps = new Map<number, (text: string) => void>();
  const openReporter = async (member: ReplicaMember, step: (text: string) => void): Promise<BootReporter> => {
    open.add(member.index);
    opened.push(member.index);
    steps.set(member.index, step);
    const failed = new Promise<BootStepFailure>((resolve) => fail.set(member.index, resolve));
    return {
      poll: async () => undefined,
      failed,
      close: () => open.delete(member.index),
    };
  };
  return { open, opened, fail, steps, openReporter };
}

describe('watchReplicaBoots', () => {
  it('follows at most `limit` replicas at once; one that serves or fails frees its slot', async () => {
    const fake = fakeReporters();
    const lines: string[] = [];
    let mostOpen = 0;
    const watch = watchReplicaBoots({
      members: members(5),
      total: 5,
      limit: 2,
      open: async (member, step) => {
        const reporter = await fake.openReporter(member, step);
        mostOpen = Math.max(mostOpen, fake.open.size);
        return reporter;
      },
      step: (text) => lines.push(text),
    });
    await settle();
    expect([...fake.open]).toEqual([1, 2]);
    watch.done(1);
    await settle();
    expect([...fake.open].sort()).toEqual([2, 3]);
    fake.fail.get(2)!({ message: 'boot step app: Start the app failed with exit code 7.', lastLines: ['x'] });
    await settle();
    await settle();
    expect([...fake.open].sort()).toEqual([3, 4]);
    expect(watch.failures.get(2)?.message).toContain('exit code 7');
    // A replica that serves before its turn is never followed.
    watch.done(5);
    watch.done(3);
    await settle();
    expect([...fake.open]).toEqual([4]);
    expect(fake.opened).toEqual([1, 2, 3, 4]);
    // Lines of a finished replica are dropped; a followed one's are prefixed.
    fake.steps.get(1)!('Boot: docker: Install Docker: ok');
    fake.steps.get(4)!('Boot: docker: Install Docker: running');
    expect(lines).toEqual(['replica 4/5: boot step docker: Install Docker: running']);
    watch.close();
    expect(fake.open.size).toBe(0);
    expect(mostOpen).toBe(2);
  });

  it('a replica without a reporter (no watcher, no token) frees its slot at once', async () => {
    const opened: number[] = [];
    const watch = watchReplicaBoots({
      members: members(3),
      total: 3,
      limit: 1,
      open: async (member) => {
        opened.push(member.index);
        return undefined;
      },
      step: () => {},
    });
    for (let i = 0; i < 4; i++) await settle();
    expect(opened).toEqual([1, 2, 3]);
    watch.close();
  });

  it('reads like the single-instance lines, after the replica', () => {
    expect(replicaLine(2, 3, 'Boot: docker: Install Docker: running')).toBe(
      'replica 2/3: boot step docker: Install Docker: running',
    );
    expect(replicaLine(1, 3, 'Reading boot steps through an SSH tunnel to root@192.0.2.1')).toBe(
      'replica 1/3: reading boot steps through an SSH tunnel to root@192.0.2.1',
    );
  });
});

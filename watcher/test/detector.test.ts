import { describe, expect, it } from 'vitest';
import type { ContainerInspect } from '../src/docker/client.js';
import { parseEventLine } from '../src/docker/events.js';
import { fixtureLines, replay } from './helpers.js';

const T0 = Date.parse('2025-11-23T12:13:20.000Z');

describe('detector on a Docker 28 crash loop (restart policy: die → start)', () => {
  it('opens one crash_loop issue at the third die, and a nonzero_exit issue counting every failure', () => {
    const { book, changes } = replay(fixtureLines('docker28-crash-loop.jsonl'));
    const issues = book.list('open');
    expect(issues.map((issue) => issue.kind).sort()).toEqual(['crash_loop', 'nonzero_exit']);
    const crash = issues.find((issue) => issue.kind === 'crash_loop')!;
    expect(crash).toMatchObject({
      severity: 'critical',
      count: 1,
      container: { name: 'app' },
      state: 'open',
    });
    expect(crash.evidence).toMatchObject({ dies_in_window: 3, last_exit_code: 1 });
    const exit = issues.find((issue) => issue.kind === 'nonzero_exit')!;
    expect(exit).toMatchObject({ count: 3, evidence: { exit_code: 1 } });
    expect(exit.first_seen < exit.last_seen).toBe(true);
    expect(changes.filter((change) => change.kind === 'crash_loop')).toHaveLength(1);
  });

  it('does not call it a loop when the dies are spread beyond the window', () => {
    const { book } = replay(fixtureLines('docker28-crash-loop.jsonl'), { crashLoopWindowMs: 300 });
    expect(book.isOpen('crash_loop', 'app')).toBe(false);
  });

  it('respects a higher crash-loop count', () => {
    const { book } = replay(fixtureLines('docker28-crash-loop.jsonl'), { crashLoopCount: 4 });
    expect(book.isOpen('crash_loop', 'app')).toBe(false);
  });
});

describe('detector on Docker 29 events (no legacy fields)', () => {
  const { book, detector } = replay(fixtureLines('docker29-oom-stop-health.jsonl'));
  const all = book.list('all');

  it('reports the OOM kill from the oom event, not as a non-zero exit', () => {
    const oom = all.filter((issue) => issue.kind === 'oom_killed');
    expect(oom).toHaveLength(1);
    expect(oom[0]).toMatchObject({ container: { name: 'llm' }, evidence: { source: 'oom event' } });
    expect(all.some((issue) => issue.kind === 'nonzero_exit' && issue.container.name === 'llm')).toBe(false);
    expect(detector.oomCount).toBe(1);
  });

  it('never calls exit 137 alone an OOM: a docker stop is intentional, an unexplained SIGKILL is a non-zero exit', () => {
    expect(all.some((issue) => issue.container.name === 'cache')).toBe(false);
    const worker = all.filter((issue) => issue.container.name === 'worker');
    expect(worker.map((issue) => issue.kind)).toEqual(['nonzero_exit']);
    expect(worker[0]?.evidence.note).toMatch(/SIGKILL/);
  });

  it('opens unhealthy on the transition and resolves it when healthy again', () => {
    const unhealthy = all.find((issue) => issue.kind === 'unhealthy');
    expect(unhealthy).toMatchObject({ state: 'resolved', resolution: 'health check passing again' });
    expect(unhealthy?.resolved_at).toBe('2025-11-23T12:16:00.000Z');
  });
});

describe('time-based rules', () => {
  const start = (name: string, ms: number) =>
    `{"Type":"container","Action":"start","Actor":{"ID":"id-${name}","Attributes":{"name":"${name}","image":"i"}},"time":0,"timeNano":${ms}000000}`;
  const die = (name: string, ms: number, code: number) =>
    `{"Type":"container","Action":"die","Actor":{"ID":"id-${name}","Attributes":{"name":"${name}","image":"i","exitCode":"${code}"}},"time":0,"timeNano":${ms}000000}`;
  const inspect = (name: string, health: boolean): ContainerInspect => ({
    Id: `id-${name}`,
    Name: `/${name}`,
    Config: { Image: 'i', Healthcheck: health ? { Test: ['CMD', 'true'] } : undefined },
    State: { Status: 'running', Running: true, Health: health ? { Status: 'starting' } : undefined },
  });

  it('opens slow_start when a health-checked container is not healthy within the threshold', () => {
    const { book, detector } = replay([], { slowStartMs: 60000 });
    detector.onInspect(inspect('api', true), T0, false);
    detector.onEvent(parseStart(start('api', T0)));
    detector.tick(T0 + 59000);
    expect(book.isOpen('slow_start', 'api')).toBe(false);
    detector.tick(T0 + 61000);
    detector.tick(T0 + 62000);
    expect(book.list('open')).toMatchObject([{ kind: 'slow_start', count: 1, severity: 'warning' }]);
  });

  it('resolves crash and exit issues once the container runs stably', () => {
    const lines = [
      die('job', T0, 2),
      die('job', T0 + 1000, 2),
      die('job', T0 + 2000, 2),
      start('job', T0 + 3000),
    ];
    const { book, detector } = replay(lines, { stableMs: 10000 });
    expect(book.openCount()).toBe(2);
    detector.tick(T0 + 12000);
    expect(book.openCount()).toBe(2);
    detector.tick(T0 + 13000);
    expect(book.openCount()).toBe(0);
    expect(book.list('all').every((issue) => issue.resolution === 'running stably for 10 s')).toBe(true);
  });

  it('reports OOMKilled from inspect even without an oom event, once', () => {
    const { book, detector } = replay([]);
    const info: ContainerInspect = {
      Id: 'id-x',
      Name: '/x',
      State: { Status: 'exited', Running: false, OOMKilled: true, ExitCode: 137 },
    };
    detector.onInspect(info, T0, true);
    detector.onInspect(info, T0 + 1000, false);
    expect(book.list('open')).toMatchObject([
      { kind: 'oom_killed', count: 1, evidence: { source: 'State.OOMKilled' } },
    ]);
  });

  it('finds GPU out-of-memory in the log tail', () => {
    const { book, detector } = replay([]);
    detector.onLogs(
      { id: 'g', name: 'llm', image: 'vllm' },
      ['loading weights', 'torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB'],
      T0,
    );
    detector.onLogs({ id: 'h', name: 'other', image: 'x' }, ['all fine', 'the room was zoom-room 137'], T0);
    expect(book.list('open')).toMatchObject([{ kind: 'gpu_oom', container: { name: 'llm' } }]);
  });
});

function parseStart(line: string) {
  const event = parseEventLine(line);
  if (!event) throw new Error('bad test event');
  return event;
}

describe('crash-loop window', () => {
  const dieAt = (second: number) =>
    parseStart(
      JSON.stringify({
        Type: 'container',
        Action: 'die',
        Actor: { ID: 'c1', Attributes: { name: 'loop', image: 'x:1', exitCode: '1' } },
        time: 1763900000 + second,
      }),
    );

  it('counts the dies within the window, at most four times the crash-loop count', () => {
    const narrow = replay([], { crashLoopWindowMs: 10_000 });
    const wide = replay([], { crashLoopWindowMs: 100_000 });
    for (let second = 0; second < 30; second++) {
      narrow.detector.onEvent(dieAt(second));
      wide.detector.onEvent(dieAt(second));
    }
    const evidence = (result: ReturnType<typeof replay>) =>
      result.book.list('open').find((issue) => issue.kind === 'crash_loop')?.evidence;
    expect(evidence(narrow)).toMatchObject({ dies_in_window: 10 });
    expect(evidence(wide)).toMatchObject({ dies_in_window: 12 });
    expect(narrow.detector.containers.get('loop')?.dies).toEqual(
      Array.from({ length: 10 }, (_, index) => (1763900020 + index) * 1000),
    );
  });
});

describe('issue updates', () => {
  it('replace the container, message and evidence only when they change, never in place', () => {
    const { book } = replay([]);
    const container = { id: 'a', name: 'app', image: 'x:1' };
    const first = book.raise('nonzero_exit', container, '2025-11-23T12:00:00.000Z', 'exited 1', {
      exit_code: 1,
    });
    const before = { ...first };
    book.raise('nonzero_exit', { ...container }, '2025-11-23T12:00:01.000Z', 'exited 1', { exit_code: 1 });
    expect(first.count).toBe(2);
    expect(first.container).toBe(before.container);
    expect(first.evidence).toBe(before.evidence);
    book.raise('nonzero_exit', { ...container, image: 'x:2' }, '2025-11-23T12:00:02.000Z', 'exited 2', {
      exit_code: 2,
    });
    expect(first).toMatchObject({ count: 3, message: 'exited 2', container: { image: 'x:2' } });
    expect(first.evidence).toEqual({ exit_code: 2 });
    expect(before).toMatchObject({
      message: 'exited 1',
      container: { image: 'x:1' },
      evidence: { exit_code: 1 },
    });
  });
});

/**
 * `deploy --wait` with replicas: each new replica's boot steps, read from that replica's own
 * watcher (through an SSH tunnel to its public address, boot-watch.ts), printed as one line per
 * step change prefixed by the replica (`replica 2/3: boot step docker: Install Docker: running`).
 *
 * At most `limit` replicas are followed at once (each holds an SSH tunnel); the next one starts
 * when a followed replica takes traffic or its boot fails. Reads run in the background on their
 * own timers: the NodeBalancer's accept loop (replicas.ts acceptWhenHealthy) never waits for
 * them, it only asks which replicas' boots failed so it can stop waiting for those.
 */
import { replicaHostKeyId } from '../ssh/replica.js';
import type { DeploymentRecord, ReplicaMember } from '../state/types.js';
import type { BootReporter, BootStepFailure } from './boot-watch.js';
import { REPLICA_CONCURRENCY } from './replicas.js';
import type { Run } from './run-context.js';

export interface ReplicaBootWatch {
  /** The replica takes traffic: its boot is over, its watch and tunnel end. */
  done(index: number): void;
  /** Replicas whose boot failed, with the failed step. */
  readonly failures: ReadonlyMap<number, BootStepFailure>;
  close(): void;
}

export interface ReplicaBootInput {
  /** The replicas to follow, in this order. */
  readonly members: readonly ReplicaMember[];
  /** The deployment's replica count (for `replica k/N`). */
  readonly total: number;
  /** How many are followed at once. */
  readonly limit: number;
  /** A reporter for one replica printing through `step`; undefined when it cannot be followed. */
  readonly open: (member: ReplicaMember, step: (text: string) => void) => Promise<BootReporter | undefined>;
  readonly step: (text: string) => void;
}

/** `Boot: docker: …` → `replica 2/3: boot step docker: …`; other lines keep their words. */
export function replicaLine(index: number, total: number, text: string): string {
  const body = text.startsWith('Boot: ')
    ? `boot step ${text.slice('Boot: '.length)}`
    : `${text.charAt(0).toLowerCase()}${text.slice(1)}`;
  return `replica ${index}/${total}: ${body}`;
}

export function watchReplicaBoots(input: ReplicaBootInput): ReplicaBootWatch {
  const queue = [...input.members];
  const active = new Map<number, BootReporter>();
  const finished = new Set<number>();
  const failures = new Map<number, BootStepFailure>();
  let opening = 0;
  let closed = false;

  const release = (index: number) => {
    finished.add(index);
    const reporter = active.get(index);
    active.delete(index);
    reporter?.close?.();
    fill();
  };
  const start = (member: ReplicaMember) => {
    opening++;
    const step = (text: string) => {
      if (!closed && !finished.has(member.index)) input.step(replicaLine(member.index, input.total, text));
    };
    input
      .open(member, step)
      .catch(() => undefined)
      .then((reporter) => {
        opening--;
        if (!reporter || closed || finished.has(member.index)) {
          reporter?.close?.();
          // Nothing to follow on this one (no watcher, or it already serves): the slot is free.
          finished.add(member.index);
          fill();
          return;
        }
        active.set(member.index, reporter);
        void reporter.failed?.then((failure) => {
          if (closed || finished.has(member.index)) return;
          failures.set(member.index, failure);
          release(member.index);
        });
      });
  };
  const fill = () => {
    while (!closed && opening + active.size < input.limit && queue.length > 0) {
      const member = queue.shift()!;
      if (!finished.has(member.index)) start(member);
    }
  };
  fill();
  return {
    done: (index) => {
      if (!finished.has(index)) release(index);
    },
    failures,
    close() {
      closed = true;
      queue.length = 0;
      for (const reporter of active.values()) reporter.close?.();
      active.clear();
    },
  };
}

/**
 * With `deploy --wait` and a watcher to read: follows the boots of the record's replicas
 * numbered above `after` (a scale-up's new ones), REPLICA_CONCURRENCY at a time, each on its
 * own public address. Undefined without --wait.
 */
export function followReplicaBoots(
  run: Pick<Run, 'request' | 'hooks' | 'step'>,
  record: DeploymentRecord,
  after: number,
): ReplicaBootWatch | undefined {
  const members = (record.scale?.members ?? []).filter((member) => member.index > after && member.ipv4);
  return followBoots(run, record, members, REPLICA_CONCURRENCY, (member) =>
    replicaHostKeyId(record.id, member.index),
  );
}

/**
 * `deploy --replace --wait`: the boot of replica `member.index`'s new instance, read on the new
 * instance's own public address under its own host-key alias (`hostKeyId`): the replica's alias
 * still pins the old machine, which serves beside it. Undefined without --wait.
 */
export function followNewInstanceBoot(
  run: Pick<Run, 'request' | 'hooks' | 'step'>,
  record: DeploymentRecord,
  member: ReplicaMember,
  hostKeyId: string,
): ReplicaBootWatch | undefined {
  return followBoots(run, record, member.ipv4 ? [member] : [], 1, () => hostKeyId);
}

function followBoots(
  run: Pick<Run, 'request' | 'hooks' | 'step'>,
  record: DeploymentRecord,
  members: readonly ReplicaMember[],
  limit: number,
  hostKeyIdOf: (member: ReplicaMember) => string,
): ReplicaBootWatch | undefined {
  const boot = run.hooks.boot;
  const scale = record.scale;
  if (!run.request.wait || !boot || !scale || !record.watcherPort || members.length === 0) return undefined;
  return watchReplicaBoots({
    members,
    total: scale.replicas,
    limit,
    open: (member, step) =>
      boot(record, { host: { ipv4: member.ipv4!, hostKeyId: hostKeyIdOf(member) }, step }),
    step: run.step,
  });
}

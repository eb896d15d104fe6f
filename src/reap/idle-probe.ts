/**
 * Asks each candidate's watcher since when it has been idle, through the same machinery as
 * `logs` (an SSH tunnel to the instance's loopback; a watcher on this machine's loopback
 * directly). The watcher's token lives only on the machine that deployed: elsewhere the
 * deployment is reported as not checked and never destroyed on a guess.
 */
import { readRegistry } from '../state/registry.js';
import type { DeploymentRecord } from '../state/types.js';
import { connectWatcher } from '../watcher-client/connect.js';
import type { IdleCandidate } from './idle-policy.js';

export interface IdleReading {
  readonly candidate: IdleCandidate;
  /** How long it has been idle (0 when busy); undefined when the watcher could not be read. */
  readonly idleMs?: number;
  readonly idleSince?: string;
  /** Why it is not idle, or why it could not be checked. */
  readonly reason?: string;
}

interface IdleStatus {
  idle?: { idle?: boolean; since?: string | null; busy_reason?: string | null };
}

/** Reads one watcher; never throws (an unreachable watcher is a reason, not an error). */
async function readOne(
  env: NodeJS.ProcessEnv,
  candidate: IdleCandidate,
  record: DeploymentRecord | undefined,
  now: Date,
): Promise<IdleReading> {
  if (candidate.replicas !== undefined) {
    // One watcher per replica, and traffic spread over them: one replica's idleness says
    // nothing of the others, so a deployment with replicas is never destroyed on that guess.
    return {
      candidate,
      reason: `it has ${candidate.replicas} replicas and reap reads one watcher per deployment, so idleness is not judged; give it a lifetime (deploy --ttl) instead`,
    };
  }
  if (!record) {
    return {
      candidate,
      reason: 'not deployed from this machine: its watcher token is not here, so idleness cannot be checked',
    };
  }
  let connection: Awaited<ReturnType<typeof connectWatcher>> | undefined;
  try {
    connection = await connectWatcher(env, record, { timeoutMs: 10_000, tunnelTimeoutMs: 20_000 });
    const status = (await connection.client.status()) as unknown as IdleStatus;
    const idle = status.idle;
    if (!idle)
      return { candidate, reason: 'its watcher is too old to report idleness (redeploy to update it)' };
    if (!idle.idle || !idle.since) return { candidate, idleMs: 0, reason: idle.busy_reason ?? 'busy' };
    const since = Date.parse(idle.since);
    if (Number.isNaN(since)) return { candidate, reason: 'its watcher reported an unreadable idle time' };
    return { candidate, idleMs: Math.max(0, now.getTime() - since), idleSince: idle.since };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { candidate, reason: `its watcher could not be read: ${message}` };
  } finally {
    connection?.close();
  }
}

/** One reading per candidate, a few at a time (each may open an ssh process). */
export async function readIdleness(
  env: NodeJS.ProcessEnv,
  candidates: readonly IdleCandidate[],
  now: Date,
): Promise<IdleReading[]> {
  const { deployments } = await readRegistry(env);
  const readings: IdleReading[] = new Array(candidates.length);
  let next = 0;
  const worker = async () => {
    while (next < candidates.length) {
      const index = next++;
      const candidate = candidates[index] as IdleCandidate;
      const record = deployments.find((r) => r.id === candidate.id && r.watcherPort !== undefined);
      readings[index] = await readOne(env, candidate, record, now);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return readings;
}

export function isReapable(reading: IdleReading): boolean {
  return reading.idleMs !== undefined && reading.idleMs >= reading.candidate.limitMs;
}

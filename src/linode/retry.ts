/**
 * Retries with exponential backoff and full jitter for transient API failures (429, 5xx,
 * connection errors), bounded both in attempts and in total time. A 429's Retry-After is
 * honoured (never retried sooner). Non-idempotent calls must NOT go through here blindly:
 * see LinodeClient.createInstance for how creates are made safe.
 */
import { type LinodeApiError, PROXY_TUNNEL_ERROR } from './api-error.js';

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** No new attempt starts once this much time has passed since the first. */
  readonly maxTotalMs: number;
}

export interface RetryClock {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxTotalMs: 180_000,
};

export const systemClock: RetryClock = {
  now: Date.now,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/**
 * The policy from the environment: LINODE_BUILD_RETRY_BASE_MS shortens the base delay (used by
 * tests so fault-injection runs stay fast); everything else keeps the defaults.
 */
export function retryPolicyFromEnv(env: NodeJS.ProcessEnv): RetryPolicy {
  const base = Number(env.LINODE_BUILD_RETRY_BASE_MS);
  return Number.isFinite(base) && base >= 0 && env.LINODE_BUILD_RETRY_BASE_MS !== ''
    ? { ...defaultRetryPolicy, baseDelayMs: base, maxDelayMs: Math.max(base * 16, 1) }
    : defaultRetryPolicy;
}

export function isTransient(error: LinodeApiError): boolean {
  // A proxy that refuses the tunnel (e.g. 407) answers the same way on every attempt.
  if (error.networkCode === PROXY_TUNNEL_ERROR) return false;
  return error.status === undefined || error.status === 429 || error.status >= 500;
}

/** Delay before retry number `attempt` (1 = first retry). */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number,
  retryAfterMs?: number,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(random() * ceiling);
  return retryAfterMs !== undefined ? Math.max(retryAfterMs, jittered) : jittered;
}

/**
 * Runs `operation` until it succeeds, fails permanently, or the policy is exhausted; the last
 * error is rethrown. `onRetry` sees each transient failure (for --debug output).
 */
export async function withRetries<T>(
  operation: () => Promise<T>,
  toError: (error: unknown) => LinodeApiError,
  policy: RetryPolicy,
  clock: RetryClock,
  onRetry?: (error: LinodeApiError, attempt: number, delayMs: number) => void,
): Promise<T> {
  const started = clock.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (raw) {
      const error = toError(raw);
      if (!isTransient(error) || attempt >= policy.maxAttempts) throw error;
      const delay = backoffDelay(attempt, policy, clock.random, error.retryAfterMs);
      if (clock.now() + delay - started > policy.maxTotalMs) throw error;
      onRetry?.(error, attempt, delay);
      await clock.sleep(delay);
    }
  }
}

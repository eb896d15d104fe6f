/**
 * Remote health probes from the CLI, through the app's PUBLISHED port (the original probed the
 * container's internal port, which is not published, and reported healthy apps as degraded).
 * One probe never throws: it returns what happened, so callers can print why.
 */
import http from 'node:http';
import net from 'node:net';
import type { HealthCheck } from '../template/types.js';

export interface ProbeResult {
  readonly ok: boolean;
  /** What happened, e.g. `HTTP 200`, `HTTP 503`, `connection refused`, `timed out after 3s`. */
  readonly detail: string;
}

export async function probeHealth(
  check: Pick<HealthCheck, 'type' | 'path' | 'success_codes' | 'timeout_seconds'>,
  address: string,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  const timeoutMs = Math.max(1, check.timeout_seconds) * 1000;
  if (check.type === 'tcp') return probeTcp(address, timeoutMs);
  if (check.type !== 'http') return { ok: false, detail: `${check.type} checks run on the instance only` };
  const path = check.path?.startsWith('/') ? check.path : `/${check.path ?? ''}`;
  const codes = check.success_codes.length > 0 ? check.success_codes : [200];
  // node:http rather than fetch: fetch refuses "bad ports" (e.g. 6000, 6667) an app may use.
  return new Promise((resolve) => {
    const { host, port } = splitAddress(address);
    const request = http.get({ host, port, path, timeout: timeoutMs, signal, agent: false }, (response) => {
      response.resume();
      const status = response.statusCode ?? 0;
      resolve({ ok: codes.includes(status), detail: `HTTP ${status}` });
    });
    request.on('timeout', () => {
      request.destroy();
      resolve({ ok: false, detail: `timed out after ${check.timeout_seconds}s` });
    });
    request.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ ok: false, detail: networkDetail(error) }),
    );
  });
}

function networkDetail(error: NodeJS.ErrnoException): string {
  if (error.code === 'ECONNREFUSED') return 'connection refused';
  return error.code ?? error.message;
}

function splitAddress(address: string): { host: string; port: number } {
  const separator = address.lastIndexOf(':');
  return {
    host: address.slice(0, separator).replace(/^\[|\]$/g, ''),
    port: Number(address.slice(separator + 1)),
  };
}

function probeTcp(address: string, timeoutMs: number): Promise<ProbeResult> {
  const { host, port } = splitAddress(address);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: ProbeResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, detail: `timed out after ${timeoutMs / 1000}s` }));
    socket.once('connect', () => done({ ok: true, detail: 'TCP connect' }));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done({
        ok: false,
        detail: error.code === 'ECONNREFUSED' ? 'connection refused' : (error.code ?? error.message),
      }),
    );
  });
}

/**
 * How long after creation an app that never answered successfully is still `starting`: the
 * default `deploy --wait --timeout`, after which the deploy itself gives up.
 */
export const STARTING_LIMIT_MS = 1_200_000;

export interface HealthFacts {
  /** This probe succeeded. */
  readonly ok: boolean;
  /** The app answered successfully at some point before (the record's healthyAt). */
  readonly everHealthy: boolean;
  /** The boot runner reported a failed step (from the watcher), when known. */
  readonly bootFailed?: boolean;
  /** Time since the deployment was created, when known. */
  readonly ageMs?: number;
}

/**
 * The one health vocabulary of `status`, the TUI and `deploy --wait`: `starting` until the app's
 * first successful answer (packages, drivers and the image pull come first), unless the boot
 * runner reported a failure or the app is older than STARTING_LIMIT_MS; after that, a failed
 * probe is `unhealthy`.
 */
export function healthVerdict(facts: HealthFacts): 'healthy' | 'starting' | 'unhealthy' {
  if (facts.ok) return 'healthy';
  if (facts.everHealthy || facts.bootFailed) return 'unhealthy';
  if (facts.ageMs !== undefined && facts.ageMs > STARTING_LIMIT_MS) return 'unhealthy';
  return 'starting';
}

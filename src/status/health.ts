/**
 * Remote health probes from the CLI, through the app's PUBLISHED port (the original probed the
 * container's internal port, which is not published, and reported healthy apps as degraded).
 * One probe never throws: it returns what happened, so callers can print why.
 */
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
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(`http://${address}${path}`, {
      redirect: 'manual',
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    await response.body?.cancel();
    const codes = check.success_codes.length > 0 ? check.success_codes : [200];
    return { ok: codes.includes(response.status), detail: `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, detail: describeFailure(error, timeout.aborted, check.timeout_seconds) };
  }
}

function describeFailure(error: unknown, timedOut: boolean, seconds: number): string {
  if (timedOut) return `timed out after ${seconds}s`;
  const cause = (error as { cause?: { code?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (cause?.code) return cause.code;
  return error instanceof Error ? error.message : String(error);
}

function probeTcp(address: string, timeoutMs: number): Promise<ProbeResult> {
  const separator = address.lastIndexOf(':');
  const host = address.slice(0, separator);
  const port = Number(address.slice(separator + 1));
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

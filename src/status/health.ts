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

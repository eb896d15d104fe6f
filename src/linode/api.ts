/**
 * The one place @linode/api-v4 is loaded (lazily: `--help`, `plan` and `templates` never pay for
 * it). One axios request interceptor on api-v4's `baseRequest`, installed once, adds the token,
 * a User-Agent and a timeout, and redirects to LINODE_API_URL when set, keeping the library's
 * own /v4 or /v4beta path. It also replaces axios's proxy handling with a CONNECT tunnel
 * (src/linode/proxy.ts).
 */
import { CliError } from '../errors.js';
import { VERSION } from '../version.js';
import { tunnelAgentFor } from './proxy.js';

export type LinodeApiModule = typeof import('@linode/api-v4');

export interface ApiConnection {
  readonly token: string;
  /** Origin (plus optional path prefix) replacing https://api.linode.com, or undefined. */
  readonly baseUrl: string | undefined;
  readonly timeoutMs: number;
  /** Told about every request (method, path, status, time) for --debug; never the token or body. */
  readonly trace?: (line: string) => void;
  /** HTTPS_PROXY when it applies to the API (src/linode/proxy.ts): requests tunnel through it. */
  readonly proxy?: URL;
}

let connection: ApiConnection | undefined;

interface TracedConfig {
  readonly method?: string;
  readonly url?: string;
  readonly headers?: Record<string, unknown>;
  /** Start time for --debug timings (a property: later interceptors copy the config object). */
  lbStartedAt?: number;
}
let loading: Promise<LinodeApiModule> | undefined;

export const defaultApiOrigin = 'https://api.linode.com';

/** Validates LINODE_API_URL: an http(s) origin, optionally with a path prefix. */
export function apiBaseUrlFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const value = env.LINODE_API_URL?.trim();
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(
      `LINODE_API_URL is not a URL: '${value}'.`,
      'Set it to an origin such as http://127.0.0.1:4010, or unset it to use the real API.',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(
      `LINODE_API_URL must use http or https; got '${url.protocol}'.`,
      'For example: http://127.0.0.1:4010',
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** Rewrites an api-v4 request URL (absolute, on api.linode.com) onto `baseUrl`. */
export function redirectUrl(requestUrl: string, baseUrl: string | undefined): string {
  if (!baseUrl) return requestUrl;
  const parsed = new URL(requestUrl, defaultApiOrigin);
  return `${baseUrl}${parsed.pathname}${parsed.search}`;
}

export async function loadLinodeApi(next: ApiConnection): Promise<LinodeApiModule> {
  connection = next;
  loading ??= import('@linode/api-v4').then((api) => {
    api.baseRequest.interceptors.request.use((config) => {
      const active = connection;
      if (!active) return config;
      config.url = redirectUrl(config.url ?? '', active.baseUrl);
      // An anonymous connection (public price lists) sends no Authorization header at all.
      if (active.token) config.headers.set('Authorization', `Bearer ${active.token}`);
      else config.headers.delete('Authorization');
      config.headers.set('User-Agent', `linode-build/${VERSION}`);
      config.timeout = active.timeoutMs;
      // axios's own proxy support sends https requests to an http proxy in clear (headers and
      // token included); proxies are handled here instead, with a CONNECT tunnel.
      config.proxy = false;
      if (active.proxy) config.httpsAgent = tunnelAgentFor(active.proxy);
      (config as TracedConfig).lbStartedAt = Date.now();
      return config;
    });
    const traceResponse = (config: TracedConfig | undefined, outcome: string) => {
      const trace = connection?.trace;
      if (!trace || !config) return;
      const begun = config.lbStartedAt;
      const path = new URL(config.url ?? '/', defaultApiOrigin).pathname;
      const filter = config.headers?.['X-Filter'];
      trace(
        `API ${(config.method ?? 'get').toUpperCase()} ${path}${filter ? ` X-Filter ${String(filter)}` : ''} → ${outcome}${begun === undefined ? '' : ` in ${Date.now() - begun} ms`}`,
      );
    };
    api.baseRequest.interceptors.response.use(
      (response) => {
        traceResponse(response.config, String(response.status));
        return response;
      },
      (error: { config?: TracedConfig; response?: { status?: number }; code?: string }) => {
        traceResponse(
          error.config,
          error.response?.status !== undefined
            ? String(error.response.status)
            : (error.code ?? 'no response'),
        );
        return Promise.reject(error);
      },
    );
    return api;
  });
  return loading;
}

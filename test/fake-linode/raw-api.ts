/** Plain HTTP requests to the fake API, as any client would send them (no api-v4 in between). */
import type { FakeLinode } from './server.js';

export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: each test reads the fields it asserts on
  readonly json: any;
}

export type RawApi = (
  method: string,
  path: string,
  body?: unknown,
  extraHeaders?: Record<string, string>,
) => Promise<RawResponse>;

/** Requests on /v4 (or the version at the start of `path`, e.g. `/v4beta/…`) with the token. */
export function rawApi(fake: FakeLinode, token: string): RawApi {
  return async (method, path, body, extraHeaders = {}) => {
    const versioned = /^\/v4(beta)?\//.test(path) ? path : `/v4${path}`;
    const response = await fetch(`${fake.url}${versioned}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...extraHeaders },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, headers: response.headers, json: await response.json() };
  };
}

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

/** Creates a Nanode with a private IPv4 (what a NodeBalancer backend needs) through the API. */
export async function createPrivateInstance(
  api: RawApi,
  label: string,
): Promise<{ id: number; publicIp: string; privateIp: string }> {
  const created = await api('POST', '/linode/instances', {
    label,
    region: 'us-east',
    type: 'g6-nanode-1',
    image: 'linode/ubuntu24.04',
    root_pass: 'Xy7!kP2#mQ9$wR4%tZ8^vB3&',
    private_ip: true,
  });
  if (created.status !== 200)
    throw new Error(`instance ${label} not created: ${JSON.stringify(created.json)}`);
  const ipv4 = created.json.ipv4 as string[];
  const privateIp = ipv4.find((address) => address.startsWith('192.168.'));
  if (!ipv4[0] || !privateIp) throw new Error(`instance ${label} has no public and private IPv4`);
  return { id: created.json.id as number, publicIp: ipv4[0], privateIp };
}

/**
 * Finds a deployment's watcher from local state: the registry record (IP, watcher port) and
 * the token file kept 0600 at deploy time. Errors say what to do, never show the token.
 */

import { CliError } from '../errors.js';
import { liveProjectDeployment } from '../state/chosen-deployment.js';
import { findDeployment, readRegistry } from '../state/registry.js';
import { readSecret } from '../state/secrets.js';
import type { DeploymentRecord } from '../state/types.js';
import type { WatcherEndpoint } from './client.js';
import { tokenTransportAllowed, WatcherError } from './client.js';

export const WATCHER_TOKEN_SECRET = 'watcher-token';

export interface ResolvedWatcher {
  readonly record: DeploymentRecord;
  readonly endpoint: WatcherEndpoint;
}

/** The deployment meant by an id/prefix, else this project's (the rule `ssh` and `destroy` follow). */
export async function selectRecord(
  env: NodeJS.ProcessEnv,
  cwd: string,
  id?: string,
): Promise<DeploymentRecord> {
  const wanted = id ?? (await liveProjectDeployment(cwd)).deploymentId;
  const { deployments } = await readRegistry(env);
  return findDeployment(deployments, wanted);
}

/**
 * Parses and checks a --watcher-url override (e.g. an SSH tunnel's local end). The token is
 * never sent in clear across a network: plain http only to this machine, otherwise https.
 */
export function parseWatcherUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(`--watcher-url "${value}" is not a URL.`, 'Use e.g. http://127.0.0.1:9090', 2);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(
      `--watcher-url must be http or https, got ${url.protocol}`,
      'Use e.g. http://127.0.0.1:9090',
      2,
    );
  }
  if (!tokenTransportAllowed({ baseUrl: url.origin })) {
    throw new CliError(
      `--watcher-url ${url.origin} would send the watcher token in clear over the network.`,
      'Leave --watcher-url out: linode-build reaches the watcher through an SSH tunnel. Or give an https:// URL or a tunnel on 127.0.0.1.',
      2,
    );
  }
  return url.origin;
}

/** The deployment's watcher token, kept 0600 at deploy time. */
export async function watcherToken(env: NodeJS.ProcessEnv, record: DeploymentRecord): Promise<string> {
  if (!record.watcherPort) {
    throw new CliError(
      `Deployment ${record.id} does not run the watcher (BuildWatch).`,
      "Add `buildwatch` to the template's capabilities.features and redeploy; until then use `linode-build status`.",
    );
  }
  const token = (await readSecret(env, record.id, WATCHER_TOKEN_SECRET))?.trim();
  if (!token) {
    throw new CliError(
      `No watcher token for ${record.id} on this machine.`,
      'The token is stored where the deployment was made; copy its secrets directory or redeploy from here.',
    );
  }
  return token;
}

/**
 * The watcher's address when it is used without a tunnel: only an override URL (checked by
 * parseWatcherUrl). Undefined means "through an SSH tunnel": plain HTTP to an instance's
 * address would carry the token in clear.
 */
export function directWatcherUrl(overrideUrl?: string): string | undefined {
  return overrideUrl ? parseWatcherUrl(overrideUrl) : undefined;
}

/**
 * The watcher endpoint without opening anything: the direct URL when there is one (see
 * directWatcherUrl). For an instance reached by SSH, use connectWatcher (connect.ts).
 */
export async function resolveWatcher(
  env: NodeJS.ProcessEnv,
  record: DeploymentRecord,
  overrideUrl?: string,
): Promise<ResolvedWatcher & { direct: boolean }> {
  const token = await watcherToken(env, record);
  const direct = directWatcherUrl(overrideUrl);
  if (direct) return { record, endpoint: { baseUrl: direct, token }, direct: true };
  if (!record.ipv4) {
    throw new CliError(
      `Deployment ${record.id} has no IP address yet.`,
      `Wait for it to finish creating (\`linode-build status ${record.id}\`).`,
    );
  }
  // The address the request is for on the instance's side of a tunnel.
  return {
    record,
    endpoint: { baseUrl: `http://127.0.0.1:${record.watcherPort}`, token },
    direct: false,
  };
}

/** Turns a failed watcher call into the one-line error and the hint a user can act on. */
export function explainWatcherError(error: unknown, resolved: ResolvedWatcher): CliError {
  if (!(error instanceof WatcherError))
    return error instanceof CliError ? error : new CliError(String(error));
  const { record, endpoint } = resolved;
  const where = `the watcher of ${record.id} ${endpoint.via ? `through ${endpoint.via}` : `at ${endpoint.baseUrl}`}`;
  switch (error.failure) {
    case 'unreachable':
    case 'timeout':
      return new CliError(
        `Cannot reach ${where}: ${error.message}.`,
        `It starts near the end of boot (see \`linode-build status ${record.id}\` and \`linode-build logs --boot\`).`,
      );
    case 'insecure':
      return new CliError(
        `Not sent: ${error.message}.`,
        'The token travels only over HTTPS, to this machine, or through the SSH tunnel linode-build opens.',
      );
    case 'unauthorized':
      return new CliError(
        `${where} rejected this machine's token.`,
        'The local token does not match the instance (was it redeployed from elsewhere?).',
      );
    case 'not-found':
      return new CliError(`${where}: ${error.message}.`, 'Check the container name with `--container`.');
    case 'bad-request':
      return new CliError(`${where} refused the request: ${error.message}.`, 'Check the options.', 2);
    default:
      return new CliError(
        `${where} failed: ${error.message}.`,
        'Try again shortly; check the instance if it persists.',
      );
  }
}

/**
 * Finds a deployment's watcher from local state: the registry record (IP, watcher port) and
 * the token file kept 0600 at deploy time. Errors say what to do, never show the token.
 */

import { CliError } from '../errors.js';
import { readProjectState } from '../state/project.js';
import { findDeployment, readRegistry } from '../state/registry.js';
import { readSecret } from '../state/secrets.js';
import type { DeploymentRecord } from '../state/types.js';
import type { WatcherEndpoint } from './client.js';
import { WatcherError } from './client.js';

export const WATCHER_TOKEN_SECRET = 'watcher-token';

export interface ResolvedWatcher {
  readonly record: DeploymentRecord;
  readonly endpoint: WatcherEndpoint;
}

/** The deployment meant by an id/prefix, else this project's, else the only one. */
export async function selectRecord(
  env: NodeJS.ProcessEnv,
  cwd: string,
  id?: string,
): Promise<DeploymentRecord> {
  const { deployments } = await readRegistry(env);
  if (id) return findDeployment(deployments, id);
  const project = await readProjectState(cwd);
  if (project && !project.destroyedAt) return findDeployment(deployments, project.deploymentId);
  if (deployments.length === 1 && deployments[0]) return deployments[0];
  if (deployments.length === 0) {
    throw new CliError('No deployments in the local registry.', 'Deploy one with `linode-build deploy`.');
  }
  throw new CliError(
    `${deployments.length} deployments and no id given.`,
    'Pass a deployment id or prefix; `linode-build status` lists them.',
  );
}

/** Parses and checks a --watcher-url override (e.g. an SSH tunnel's local end). */
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
  return url.origin;
}

export async function resolveWatcher(
  env: NodeJS.ProcessEnv,
  record: DeploymentRecord,
  overrideUrl?: string,
): Promise<ResolvedWatcher> {
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
  let baseUrl: string;
  if (overrideUrl) baseUrl = parseWatcherUrl(overrideUrl);
  else if (record.ipv4) baseUrl = `http://${record.ipv4}:${record.watcherPort}`;
  else {
    throw new CliError(
      `Deployment ${record.id} has no IP address yet.`,
      `Wait for it to finish creating (\`linode-build status ${record.id}\`).`,
    );
  }
  return { record, endpoint: { baseUrl, token } };
}

/** Turns a failed watcher call into the one-line error and the hint a user can act on. */
export function explainWatcherError(error: unknown, resolved: ResolvedWatcher): CliError {
  if (!(error instanceof WatcherError))
    return error instanceof CliError ? error : new CliError(String(error));
  const { record, endpoint } = resolved;
  const where = `the watcher of ${record.id} at ${endpoint.baseUrl}`;
  switch (error.failure) {
    case 'unreachable':
    case 'timeout':
      return new CliError(
        `Cannot reach ${where}: ${error.message}.`,
        `It starts near the end of boot (see \`linode-build status ${record.id}\`). Its port is open only to the template's allowed_sources; otherwise add --ssh (or tunnel with \`ssh -N -L ${record.watcherPort}:127.0.0.1:${record.watcherPort} root@${record.ipv4 ?? 'IP'}\` and add --watcher-url http://127.0.0.1:${record.watcherPort})`,
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

/**
 * Where the Linode API token comes from, in order: LINODE_TOKEN, LINODE_CLI_TOKEN, then the
 * linode-cli config file (the default user's `token`). The value is never printed or logged.
 */
import { CliError } from '../errors.js';
import { linodeCliConfigPath, readLinodeCliConfig } from './cli-config.js';

/** The default user's token from linode-cli's config, or undefined. */
export function tokenFromLinodeCliConfig(env: NodeJS.ProcessEnv): string | undefined {
  return readLinodeCliConfig(env)?.get('token');
}

/** The token linode-build would use, or undefined when there is none (never throws). */
export function linodeTokenIfAny(env: NodeJS.ProcessEnv): string | undefined {
  const token = (env.LINODE_TOKEN || env.LINODE_CLI_TOKEN || tokenFromLinodeCliConfig(env))?.trim();
  return token ? token : undefined;
}

export function resolveLinodeToken(env: NodeJS.ProcessEnv): string {
  const token = linodeTokenIfAny(env);
  if (!token) {
    throw new CliError(
      `no Linode API token: LINODE_TOKEN and LINODE_CLI_TOKEN are unset and ${linodeCliConfigPath(env)} has no token.`,
      "Create a personal access token in Cloud Manager and export LINODE_TOKEN=…, or run 'linode-cli configure'.",
    );
  }
  return token;
}

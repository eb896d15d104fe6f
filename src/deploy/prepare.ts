/**
 * Everything a deploy needs before it talks to Linode: the template from deploy.yml, the .env
 * values, SSH keys, fresh id and secrets, and the DeployPlan. Fails (CliError) on anything
 * wrong, so nothing is created for a deploy that cannot work.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { registryKnowledge } from '../catalog/capability-names.js';
import { DEPLOY_FILE } from '../catalog/paths.js';
import { parseDotenv } from '../env/dotenv.js';
import { missingRequired } from '../env/resolve.js';
import { CliError, UsageError } from '../errors.js';
import { buildPlan } from '../plan/index.js';
import { deploymentTarget } from '../plan/target.js';
import type { DeployPlan } from '../plan/types.js';
import { loadTemplateFile } from '../template/load.js';
import type { LoadedTemplate } from '../template/types.js';
import { generateRootPassword, generateWatcherToken, newDeploymentId } from './identity.js';
import { collectSshKeys } from './ssh-keys.js';

export interface DeployRequest {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly directory?: string;
  readonly region?: string;
  readonly type?: string;
  readonly image?: string;
  readonly appName?: string;
  readonly envName?: string;
  readonly envFile?: string;
  readonly sshKeyFiles: readonly string[];
  readonly noRootPass: boolean;
  readonly ttl?: string;
  readonly userDataEncoding?: string;
  readonly now: Date;
}

export interface Prepared {
  readonly plan: DeployPlan;
  readonly loaded: LoadedTemplate;
  readonly projectDir: string;
  /** Secrets to store locally (0600) by name: root-password, watcher-token. */
  readonly localSecrets: Readonly<Record<string, string>>;
  readonly sshKeyCount: number;
  readonly watcherPort?: number;
}

export const WATCHER_CAPABILITY = 'buildwatch';

export function loadDeployFile(projectDir: string, knowledge: Awaited<ReturnType<typeof registryKnowledge>>) {
  const file = path.join(projectDir, DEPLOY_FILE);
  if (!existsSync(file)) {
    throw new CliError(
      `no ${DEPLOY_FILE} in ${projectDir}.`,
      "Create one with 'linode-build init <template>' (see 'linode-build templates list'), or pass --directory.",
    );
  }
  return loadTemplateFile(file, { ...knowledge, source: 'path', displayPath: file });
}

function readDotenv(request: DeployRequest, projectDir: string): Record<string, string> {
  const explicit = request.envFile !== undefined;
  const file = explicit ? path.resolve(request.cwd, request.envFile!) : path.join(projectDir, '.env');
  if (!existsSync(file)) {
    if (explicit) throw new CliError(`env file ${file} not found.`, 'Check the path given with --env-file.');
    return {};
  }
  return parseDotenv(readFileSync(file, 'utf8'));
}

export async function prepareDeployment(request: DeployRequest): Promise<Prepared> {
  const projectDir = path.resolve(request.cwd, request.directory ?? '.');
  const loaded = loadDeployFile(projectDir, await registryKnowledge());
  const template = loaded.template;
  const target = deploymentTarget(
    template,
    {
      region: request.region,
      type: request.type,
      image: request.image,
      appName: request.appName,
      envName: request.envName,
      ttl: request.ttl,
      userDataEncoding: request.userDataEncoding,
    },
    request.now,
    'deploy.yml',
  );

  const dotenv = readDotenv(request, projectDir);
  const missing = missingRequired(template, dotenv);
  if (missing.length > 0) {
    throw new CliError(
      `missing required environment variable${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}.`,
      `Set ${missing.length > 1 ? 'them' : 'it'} in ${request.envFile ?? path.join(projectDir, '.env')} (see .env.example).`,
    );
  }

  const { keys } = await collectSshKeys(request.sshKeyFiles, request.cwd, request.env);
  if (request.noRootPass && keys.length === 0) {
    throw new UsageError(
      '--no-root-pass needs at least one SSH public key, or nobody could log in.',
      'Pass --ssh-key ~/.ssh/id_ed25519.pub, or put a key in ~/.ssh/*.pub.',
    );
  }
  // The API requires a root password for image deploys; with --no-root-pass it is random and
  // kept nowhere, so only the SSH keys can log in.
  const rootPass = generateRootPassword();
  const localSecrets: Record<string, string> = request.noRootPass ? {} : { 'root-password': rootPass };
  const secrets: Record<string, string> = {};
  const watcher = template.capabilities.features.find((feature) => feature.name === WATCHER_CAPABILITY);
  if (watcher) {
    secrets.watcherToken = generateWatcherToken();
    localSecrets['watcher-token'] = secrets.watcherToken;
  }
  const plan = buildPlan({
    template,
    dotenv,
    context: {
      deploymentId: newDeploymentId(),
      appName: target.appName,
      envName: target.envName,
      now: request.now,
      region: target.region,
      type: target.type,
      image: target.image,
      sshKeys: keys,
      rootPass,
      secrets,
      ...(target.expiresAt ? { expiresAt: target.expiresAt } : {}),
      userDataEncoding: target.userDataEncoding,
    },
  });
  // The resolved config carries the capability's defaults (the template may not name a port).
  const watcherConfig = plan.capabilities.find(
    (capability) => capability.name === WATCHER_CAPABILITY,
  )?.config;
  const watcherPort = (watcherConfig as { port?: unknown } | undefined)?.port ?? watcher?.config.port;
  return {
    plan,
    loaded,
    projectDir,
    localSecrets,
    sshKeyCount: keys.length,
    ...(typeof watcherPort === 'number' ? { watcherPort } : {}),
  };
}

/**
 * The one way from a command to a DeployPlan. `plan`, `deploy`, `deploy --dry-run` and the TUI
 * wizard all call `preparePlan`, so what they show and what they create cannot drift apart
 * (the `--ttl` expiry tag once did).
 *
 * It reads deploy.yml (or a template for `plan --template`), the .env file, the project's own
 * state and the local registry — never the Linode API. When the project already has a live
 * deployment in the env, the plan is built with that deployment's id and secrets, so that an
 * unchanged project gives byte-identical files and the differences are only what changed;
 * the result carries that deployment and the classified differences.
 *
 * `preview` fills missing required variables with marked placeholders and uses stand-in
 * secrets for a new deployment; `deploy` refuses missing variables and generates real ones.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { capabilityKnowledge } from '../capability/knowledge.js';
import type { SecretDeclaration } from '../capability/types.js';
import { DEPLOY_FILE, resolveTemplate } from '../catalog/index.js';
import { refreshProjectSchema } from '../catalog/project-schema.js';
import { parseDotenv } from '../env/dotenv.js';
import { placeholderEnv } from '../env/placeholders.js';
import { missingRequired } from '../env/resolve.js';
import { CliError, UsageError } from '../errors.js';
import { linodeCliDefaults } from '../linode/cli-config.js';
import {
  type ConvergeAction,
  convergeAction,
  diffPrints,
  type FieldChange,
  fingerprintPlan,
  isPlanPrint,
  type PlanPrint,
} from '../plan/fingerprint.js';
import { buildPlan, resolvePlanCapabilities } from '../plan/index.js';
import { type ScalePlan, scalePlan } from '../plan/scale.js';
import { type DeploymentTarget, deploymentTarget } from '../plan/target.js';
import type { DeployPlan } from '../plan/types.js';
import { readProject } from '../state/project.js';
import { readRegistry } from '../state/registry.js';
import { readSecret } from '../state/secrets.js';
import type { DeploymentRecord } from '../state/types.js';
import { loadTemplateFile } from '../template/load.js';
import type { LoadedTemplate } from '../template/types.js';
import { generateDigestKey, generateRootPassword, generateSecretToken, newDeploymentId } from './identity.js';
import { collectSshKeys } from './ssh-keys.js';

/**
 * The CLI's own secret files under the state directory's secrets/<id>/; capabilities declare
 * theirs (SecretDeclaration, e.g. buildwatch's watcher-token).
 */
export const SECRET_NAMES = {
  rootPassword: 'root-password',
  digestKey: 'digest-key',
} as const;

/** Stand-ins for the secrets a deploy generates; a preview never needs the real ones. */
const PREVIEW_ROOT_PASS = 'preview-root-password-not-used';
const previewSecret = (secret: SecretDeclaration) => `preview-${secret.file}-not-used`;

export interface PlanRequest {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** `preview` (plan, dry run) or `deploy` (real secrets, required env and SSH keys enforced). */
  readonly mode: 'preview' | 'deploy';
  readonly directory?: string | undefined;
  /** `plan --template NAME`: a bundled or installed template (or path) instead of deploy.yml. */
  readonly template?: string | undefined;
  readonly region?: string | undefined;
  readonly type?: string | undefined;
  readonly image?: string | undefined;
  readonly appName?: string | undefined;
  readonly envName?: string | undefined;
  readonly envFile?: string | undefined;
  readonly ttl?: string | undefined;
  /** `--idle`: the build-idle: tag's limit; wins over the template's `lifetime.idle`. */
  readonly idle?: string | undefined;
  readonly userDataEncoding?: string | undefined;
  /** `--replicas N`: instances behind a NodeBalancer; wins over deploy.linode.replicas. */
  readonly replicas?: number | undefined;
  readonly sshKeyFiles?: readonly string[];
  readonly noRootPass?: boolean;
  /** Deploy without any SSH key (then nothing can update it in place). */
  readonly noSsh?: boolean;
  /** Plan a new deployment even when the project has one in this env (`deploy --new`). */
  readonly fresh?: boolean;
  /**
   * Plan for this recorded deployment (its id and secrets) rather than the project's: a
   * transition between one instance and replicas that was interrupted is finished under the id
   * it began with.
   */
  readonly continuing?: string;
  /**
   * A new deployment taking over from this one (one instance ↔ replicas, --replace) keeps its
   * lifetime: counted from its creation, with the --ttl expiry and --idle limit it was given.
   */
  readonly lifetimeOf?: DeploymentRecord;
  readonly now: Date;
}

/** The project's deployment in the env the plan targets, as the local state knows it. */
export interface ExistingDeployment {
  readonly record: DeploymentRecord;
  /** Its fingerprint was recorded (deployments made before fingerprints existed have none). */
  readonly fingerprint?: PlanPrint;
}

export interface PreparedPlan {
  readonly plan: DeployPlan;
  readonly loaded: LoadedTemplate;
  /** The project directory (undefined for `plan --template`). */
  readonly projectDir?: string;
  /** What was planned, for headings: the deploy.yml path or "bundled template X 1.0". */
  readonly description: string;
  /** Required variables given placeholder values (preview only). */
  readonly placeholders: readonly string[];
  /** Instances behind a NodeBalancer (`--replicas`, else deploy.linode.replicas, else 1). */
  readonly replicas: number;
  /** Where the region, type and image came from (flag, deploy.yml, template, linode-cli default…). */
  readonly origins: DeploymentTarget['origins'];
  /** With more than one replica: the NodeBalancer, VPC, placement group, firewalls and replicas. */
  readonly scale?: ScalePlan;
  /** Secrets to keep locally (0600) for a new deployment: root-password, watcher-token, digest-key. */
  readonly localSecrets: Readonly<Record<string, string>>;
  /** The private key matching the first public key sent, when it sits beside it. */
  readonly sshIdentityFile?: string;
  readonly watcherPort?: number;
  /** The new plan's fingerprint under the deployment's key (absent for a preview of a new one). */
  readonly fingerprint?: PlanPrint;
  readonly existing?: ExistingDeployment;
  /** Differences from the existing deployment (empty when unchanged). */
  readonly changes?: readonly FieldChange[];
  readonly action?: ConvergeAction;
}

export function loadDeployFile(
  projectDir: string,
  knowledge: Awaited<ReturnType<typeof capabilityKnowledge>>,
) {
  const file = path.join(projectDir, DEPLOY_FILE);
  if (!existsSync(file)) {
    throw new CliError(
      `no ${DEPLOY_FILE} in ${projectDir}.`,
      "Create one with 'linode-build init <template>' (see 'linode-build templates list'), or plan a template with 'linode-build plan --template NAME'.",
    );
  }
  return loadTemplateFile(file, { ...knowledge, source: 'path', displayPath: file });
}

function readEnvFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      code === 'ENOENT'
        ? `env file ${file} not found.`
        : `cannot read env file ${file} (${code ?? String(error)}).`,
      'Check the path given with --env-file.',
    );
  }
  return parseDotenv(text);
}

function readDotenv(request: PlanRequest, projectDir: string | undefined): Record<string, string> {
  if (request.envFile !== undefined) return readEnvFile(path.resolve(request.cwd, request.envFile));
  if (projectDir === undefined) return {};
  const file = path.join(projectDir, '.env');
  return existsSync(file) ? readEnvFile(file) : {};
}

/** One wording for plan and deploy; deploy refuses, plan previews with placeholders. */
export function missingEnvError(missing: readonly string[], envFile: string): CliError {
  return new CliError(
    `missing required environment variable${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}.`,
    `Set ${missing.length > 1 ? 'them' : 'it'} in ${envFile} (see .env.example); 'linode-build plan' previews with placeholders meanwhile.`,
  );
}

async function findExisting(
  request: PlanRequest,
  projectDir: string,
  appName: string,
  envName: string,
): Promise<DeploymentRecord | undefined> {
  const [project, registry] = await Promise.all([readProject(projectDir), readRegistry(request.env)]);
  const entry = project?.envs[envName];
  const byProject =
    entry && !entry.destroyedAt
      ? registry.deployments.find((record) => record.id === entry.deploymentId)
      : undefined;
  // A replacement whose old deployment is already gone from the registry is the deployment: a
  // replace killed after removing the old record, before dropping `replaces` and pointing the
  // project at the new one. The run finishes that last step (run.ts, removeReplaced).
  const known = new Set(registry.deployments.map((record) => record.id));
  const candidate =
    byProject ??
    registry.deployments.find(
      (record) =>
        record.projectDir === projectDir &&
        record.app === appName &&
        record.env === envName &&
        record.status !== 'destroying' &&
        (record.replaces === undefined || (record.status === 'active' && !known.has(record.replaces))),
    );
  // Another app name is another deployment (the project renamed its app).
  if (candidate && candidate.app !== appName) return undefined;
  // A deployment being destroyed is gone, unless a replace is deleting it (then the replace
  // must be finished, not started again).
  const replacing = registry.deployments.some((record) => record.replaces === candidate?.id);
  return candidate?.status === 'destroying' && !replacing ? undefined : candidate;
}

async function identityFileFor(publicKeyFiles: readonly string[]): Promise<string | undefined> {
  for (const file of publicKeyFiles) {
    if (!file.endsWith('.pub')) continue;
    const privateKey = file.slice(0, -'.pub'.length);
    if (existsSync(privateKey)) return privateKey;
  }
  return undefined;
}

export async function preparePlan(request: PlanRequest): Promise<PreparedPlan> {
  const knowledge = await capabilityKnowledge();
  let loaded: LoadedTemplate;
  let projectDir: string | undefined;
  let description: string;
  if (request.template !== undefined) {
    if (request.directory !== undefined) {
      throw new UsageError('--template and --directory cannot be used together.', 'Give one of them.');
    }
    loaded = resolveTemplate(request.template, { cwd: request.cwd, env: request.env, knowledge });
    description = `${loaded.source} template ${loaded.template.name} ${loaded.template.version}`;
  } else {
    projectDir = path.resolve(request.cwd, request.directory ?? '.');
    loaded = loadDeployFile(projectDir, knowledge);
    // The editor's copy of the schema that deploy.yml's modeline names follows this installation.
    await refreshProjectSchema(projectDir);
    description = loaded.file ?? path.join(projectDir, DEPLOY_FILE);
  }
  const template = loaded.template;
  const overrides = {
    region: request.region,
    type: request.type,
    image: request.image,
    appName: request.appName,
    envName: request.envName,
    ttl: request.ttl,
    idle: request.idle,
    userDataEncoding: request.userDataEncoding,
    replicas: request.replicas,
  };
  const source = projectDir ? DEPLOY_FILE : 'the template';
  // linode-cli's configured defaults fill in what neither the flags nor the template set.
  const fallbacks = linodeCliDefaults(request.env) ?? {};
  let target = deploymentTarget(template, overrides, request.now, source, fallbacks);

  const given = readDotenv(request, projectDir);
  let dotenv: Record<string, string> = given;
  let placeholders: string[] = [];
  const missing = missingRequired(template, given);
  if (missing.length > 0) {
    const envFile = request.envFile ?? path.join(projectDir ?? request.cwd, '.env');
    if (request.mode === 'deploy') throw missingEnvError(missing, envFile);
    const filled = placeholderEnv(template, given);
    dotenv = filled.values;
    placeholders = filled.names;
  }

  const deploying = request.mode === 'deploy';
  let sshKeys: string[] = [];
  let sshIdentityFile: string | undefined;
  if (deploying) {
    const collected = await collectSshKeys(request.sshKeyFiles ?? [], request.cwd, request.env);
    sshKeys = collected.keys;
    if (request.noSsh) sshKeys = [];
    else if (sshKeys.length === 0) {
      throw new UsageError(
        'no SSH public key to put on the instance: none was given and ~/.ssh has no *.pub file.',
        "Pass --ssh-key ~/.ssh/id_ed25519.pub (create one with 'ssh-keygen -t ed25519'), or --no-ssh for a machine nobody can log in to (it cannot be updated in place).",
      );
    }
    sshIdentityFile = request.noSsh ? undefined : await identityFileFor(collected.files);
  }
  if (request.noRootPass && request.noSsh) {
    throw new UsageError('--no-root-pass with --no-ssh would leave no way to log in.', 'Drop one of them.');
  }

  const existingRecord =
    request.continuing !== undefined
      ? (await readRegistry(request.env)).deployments.find((record) => record.id === request.continuing)
      : projectDir !== undefined && !request.fresh
        ? await findExisting(request, projectDir, target.appName, target.envName)
        : undefined;
  // What the resolved capabilities declare they need, known before the plan is built.
  const resolution = resolvePlanCapabilities(template, target);
  const declaredSecrets = resolution.capabilities.flatMap(
    (capability) => capability.definition.secrets ?? [],
  );
  const lifetime = existingRecord ?? request.lifetimeOf;
  if (lifetime) {
    // A lifetime counts from the deployment's creation, so re-deploying does not move its expiry.
    target = deploymentTarget(template, overrides, new Date(lifetime.createdAt), source, fallbacks);
    // And one given with --ttl at creation stays until a deploy names another (a re-deploy to
    // change an env value must not quietly make the deployment immortal).
    if (!target.expiresAt && lifetime.expiresAt) {
      target = { ...target, expiresAt: new Date(lifetime.expiresAt) };
    }
    // The same for the idle limit (--idle): its build-idle: tag stays until a deploy names another.
    if (!target.idleLimit && lifetime.idleLimit) target = { ...target, idleLimit: lifetime.idleLimit };
  }

  let deploymentId: string;
  let rootPass: string;
  const secrets: Record<string, string> = {};
  const localSecrets: Record<string, string> = {};
  let digestKey: string | undefined;
  if (existingRecord) {
    deploymentId = existingRecord.id;
    // Only create requests carry the root password: a resumed create, a replica added by a
    // scale-up or a replica's new instance (deploy --replace) gets the password the deployment
    // recorded (or, with --no-root-pass, a new random one kept nowhere). Never the placeholder:
    // it is in this source, so an instance created with it would have a public root password.
    rootPass =
      existingRecord.status === 'active' && !deploying
        ? PREVIEW_ROOT_PASS
        : ((await readSecret(request.env, deploymentId, SECRET_NAMES.rootPassword)) ??
          generateRootPassword());
    for (const secret of declaredSecrets) {
      secrets[secret.key] =
        (await readSecret(request.env, deploymentId, secret.file)) ?? previewSecret(secret);
    }
    digestKey = await readSecret(request.env, deploymentId, SECRET_NAMES.digestKey);
    if (digestKey === undefined && deploying) {
      // Recorded before fingerprints existed (or adopted): this deploy records one.
      digestKey = generateDigestKey();
      localSecrets[SECRET_NAMES.digestKey] = digestKey;
    }
  } else if (deploying) {
    deploymentId = newDeploymentId();
    rootPass = generateRootPassword();
    // The API requires a root password for image deploys; with --no-root-pass it is random and
    // kept nowhere, so only the SSH keys can log in.
    if (!request.noRootPass) localSecrets[SECRET_NAMES.rootPassword] = rootPass;
    for (const secret of declaredSecrets) {
      secrets[secret.key] = generateSecretToken();
      localSecrets[secret.file] = secrets[secret.key]!;
    }
    digestKey = generateDigestKey();
    localSecrets[SECRET_NAMES.digestKey] = digestKey;
  } else {
    deploymentId = newDeploymentId();
    rootPass = PREVIEW_ROOT_PASS;
    for (const secret of declaredSecrets) secrets[secret.key] = previewSecret(secret);
  }

  const plan = buildPlan({
    resolution,
    template,
    dotenv,
    context: {
      deploymentId,
      appName: target.appName,
      envName: target.envName,
      now: request.now,
      region: target.region,
      type: target.type,
      image: target.image,
      sshKeys,
      rootPass,
      secrets,
      ...(target.expiresAt ? { expiresAt: target.expiresAt } : {}),
      ...(target.idleLimit ? { idleLimit: target.idleLimit } : {}),
      userDataEncoding: target.userDataEncoding,
    },
  });
  const watcherPort = plan.endpoints.find((endpoint) => endpoint.name === 'watcher')?.port;
  const fingerprint = digestKey !== undefined ? fingerprintPlan(plan, digestKey) : undefined;
  const scale = scalePlan(plan, target.replicas);

  let existing: ExistingDeployment | undefined;
  let changes: FieldChange[] | undefined;
  let action: ConvergeAction | undefined;
  if (existingRecord) {
    const recorded = isPlanPrint(existingRecord.fingerprint) ? existingRecord.fingerprint : undefined;
    existing = { record: existingRecord, ...(recorded ? { fingerprint: recorded } : {}) };
    if (recorded && fingerprint && !localSecrets[SECRET_NAMES.digestKey]) {
      changes = diffPrints(recorded, fingerprint);
      action = convergeAction(changes);
    } else {
      changes = unknownBaseline(existingRecord, plan);
      action = convergeAction(changes);
    }
  }
  return {
    plan,
    loaded,
    ...(projectDir !== undefined ? { projectDir } : {}),
    description,
    placeholders,
    replicas: target.replicas,
    origins: target.origins,
    ...(scale ? { scale } : {}),
    localSecrets,
    ...(sshIdentityFile ? { sshIdentityFile } : {}),
    ...(watcherPort !== undefined ? { watcherPort } : {}),
    ...(fingerprint ? { fingerprint } : {}),
    ...(existing ? { existing } : {}),
    ...(changes ? { changes } : {}),
    ...(action ? { action } : {}),
  };
}

/**
 * A deployment recorded without a fingerprint (adopted from tags, or made by an older
 * version): region, type and image are compared with the record; everything the app reads is
 * assumed changed, so a deploy rewrites the app's files in place and nothing else.
 */
function unknownBaseline(record: DeploymentRecord, plan: DeployPlan): FieldChange[] {
  const changes: FieldChange[] = [];
  const compare = (field: string, before: string, after: string) => {
    if (before !== 'unknown' && before !== after) {
      changes.push({ field, level: 'machine', kind: 'changed', from: before, to: after });
    }
  };
  compare('region', record.region, plan.context.region);
  compare('type', record.type, plan.context.type);
  compare('image', record.image, plan.context.image);
  changes.push({
    field: 'app files',
    level: 'app',
    kind: 'changed',
    from: 'not recorded',
    to: 'deploy.yml + .env',
  });
  return changes;
}

/**
 * Creating a deployment's resources and recording them, in an order that never loses track of
 * anything: the registry record (`creating`) and the secrets first, then the firewall, then the
 * instance (each created at most once, see LinodeClient), then the completed record and the
 * project's .linode/state.json. A create that definitely failed is rolled back; one whose
 * outcome is unknown is left recorded for `status` to reconcile.
 *
 * Running it again with the same plan (a deploy that was interrupted) resumes it: a firewall
 * or instance that already exists (found by its unique label / `build-id:` tag) is reused,
 * never created twice.
 */
import { CliError } from '../errors.js';
import type { Instance, LinodeClient } from '../linode/client.js';
import type { PlanPrint } from '../plan/fingerprint.js';
import type { DeployPlan } from '../plan/types.js';
import { writeProjectState } from '../state/project.js';
import { removeDeployment, upsertDeployment } from '../state/registry.js';
import { removeSecrets, writeSecret } from '../state/secrets.js';
import type { DeploymentRecord } from '../state/types.js';
import { linodeHostname } from '../status/endpoint.js';

export interface CreateInput {
  readonly env: NodeJS.ProcessEnv;
  readonly client: LinodeClient;
  readonly plan: DeployPlan;
  readonly projectDir: string;
  /** Secrets to keep locally (0600), e.g. root-password, watcher-token. */
  readonly secrets: Readonly<Record<string, string>>;
  readonly watcherPort?: number;
  /** Recorded so the next deploy can diff against it. */
  readonly fingerprint?: PlanPrint;
  readonly sshIdentityFile?: string;
  readonly noSsh?: boolean;
  /** The deployment this one replaces (deploy --replace), kept until the replace completes. */
  readonly replaces?: string;
  /** Whether to record it as the project's deployment in its env (a replacement waits). */
  readonly recordInProject: boolean;
  readonly progress: (text: string) => void;
  /** Told once the record exists and again once the instance does (for interrupt reports). */
  readonly onRecord?: (record: DeploymentRecord) => void;
  readonly now: () => Date;
}

export interface Created {
  readonly record: DeploymentRecord;
  readonly instance: Instance;
}

export function initialRecord(input: CreateInput, now: Date): DeploymentRecord {
  const { plan, projectDir, watcherPort } = input;
  const { context, template } = plan;
  const container = template.deploy.linode.container;
  return {
    id: context.deploymentId,
    app: context.appName,
    env: context.envName,
    template: template.name,
    templateVersion: template.version,
    status: 'creating',
    region: context.region,
    type: context.type,
    image: context.image,
    label: plan.instance.label,
    ...(container ? { externalPort: container.external_port, internalPort: container.internal_port } : {}),
    ...(container?.health ? { health: container.health } : {}),
    projectDir,
    ...(watcherPort !== undefined ? { watcherPort } : {}),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    ...(context.expiresAt ? { expiresAt: context.expiresAt.toISOString() } : {}),
    ...(context.idleLimit ? { idleLimit: context.idleLimit } : {}),
    ...(input.fingerprint ? { fingerprint: input.fingerprint } : {}),
    ...(input.sshIdentityFile ? { sshIdentityFile: input.sshIdentityFile } : {}),
    ...(input.noSsh ? { noSsh: true } : {}),
    ...(input.replaces ? { replaces: input.replaces } : {}),
  };
}

export async function createDeployment(input: CreateInput): Promise<Created> {
  const { env, client, plan, progress } = input;
  const id = plan.context.deploymentId;
  let record = initialRecord(input, input.now());
  await upsertDeployment(env, record);
  for (const [name, value] of Object.entries(input.secrets)) await writeSecret(env, id, name, value);
  input.onRecord?.(record);

  let firewallId: number | undefined;
  let instance: Instance;
  try {
    const existingFirewall = await client.firewallByLabel(plan.firewall.label);
    if (existingFirewall) {
      progress(
        `Reusing firewall ${plan.firewall.label} (${existingFirewall.id}) from the interrupted deploy`,
      );
      firewallId = existingFirewall.id;
    } else {
      progress(`Creating firewall ${plan.firewall.label}`);
      firewallId = (await client.createFirewall(plan.firewall)).id;
    }
    const existingInstance = (await client.instancesWithTag(`build-id:${id}`))[0];
    if (existingInstance) {
      progress(`Reusing instance ${existingInstance.id} from the interrupted deploy`);
      instance = existingInstance;
    } else {
      progress(`Creating instance ${plan.instance.label} (${plan.context.type} in ${plan.context.region})`);
      instance = await client.createInstance({ ...plan.instance, firewall_id: firewallId }, `build-id:${id}`);
    }
  } catch (error) {
    instance = await recoverOrRollBack(input, firewallId, error);
  }

  const ipv4 = instance.ipv4[0];
  const hostname = linodeHostname(ipv4);
  record = {
    ...record,
    status: 'active',
    linodeId: instance.id,
    ...(firewallId !== undefined ? { firewallId } : {}),
    ...(ipv4 ? { ipv4 } : {}),
    ...(hostname ? { hostname } : {}),
    updatedAt: input.now().toISOString(),
  };
  await upsertDeployment(env, record);
  input.onRecord?.(record);
  if (input.recordInProject) await recordInProject(input.projectDir, record);
  return { record, instance };
}

/** The project's deployment in the record's env is now this one. */
export async function recordInProject(projectDir: string, record: DeploymentRecord): Promise<void> {
  await writeProjectState(projectDir, {
    deploymentId: record.id,
    ...(record.linodeId !== undefined ? { linodeId: record.linodeId } : {}),
    app: record.app,
    env: record.env,
    region: record.region,
    type: record.type,
    ...(record.ipv4 ? { ipv4: record.ipv4 } : {}),
    ...(record.hostname ? { hostname: record.hostname } : {}),
    createdAt: record.createdAt,
  });
}

/**
 * After a failed create: if the instance exists after all, carry on with it. If it certainly
 * does not, delete the firewall and forget the deployment. If we cannot tell, keep the record
 * (marked failed) so `status` and `destroy` can find whatever was made.
 */
async function recoverOrRollBack(
  input: CreateInput,
  firewallId: number | undefined,
  error: unknown,
): Promise<Instance> {
  const { env, client, plan } = input;
  const id = plan.context.deploymentId;
  let found: Instance[] | undefined;
  try {
    found = await client.instancesWithTag(`build-id:${id}`);
  } catch {
    found = undefined;
  }
  if (found && found.length > 0) return found[0]!;
  if (found) {
    if (firewallId !== undefined) await client.deleteFirewall(firewallId).catch(() => undefined);
    await removeDeployment(env, id);
    await removeSecrets(env, id);
    throw error;
  }
  await upsertDeployment(env, {
    ...initialRecord(input, input.now()),
    status: 'failed',
    ...(firewallId !== undefined ? { firewallId } : {}),
  });
  const message = error instanceof Error ? error.message : String(error);
  throw new CliError(
    `${message} It is unknown whether instance ${plan.instance.label} was created.`,
    `Run 'linode-build status ${id}' to check, and 'linode-build destroy ${id}' to remove whatever exists.`,
  );
}

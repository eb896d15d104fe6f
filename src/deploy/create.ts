/**
 * Creating a deployment's resources and recording them, in an order that never loses track of
 * anything: the registry record (`creating`) and the secrets first, then the firewall, then the
 * instance (each created at most once, see LinodeClient), then the completed record and the
 * project's .linode/state.json. A create that definitely failed is rolled back; one whose
 * outcome is unknown is left recorded for `status` to reconcile.
 */
import { CliError } from '../errors.js';
import type { Instance, LinodeClient } from '../linode/client.js';
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
  readonly progress: (text: string) => void;
  readonly now: () => Date;
}

export interface Created {
  readonly record: DeploymentRecord;
  readonly instance: Instance;
}

export function initialRecord(
  plan: DeployPlan,
  projectDir: string,
  now: Date,
  watcherPort?: number,
): DeploymentRecord {
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
  };
}

export async function createDeployment(input: CreateInput): Promise<Created> {
  const { env, client, plan, progress } = input;
  const id = plan.context.deploymentId;
  let record = initialRecord(plan, input.projectDir, input.now(), input.watcherPort);
  await upsertDeployment(env, record);
  for (const [name, value] of Object.entries(input.secrets)) await writeSecret(env, id, name, value);

  let firewallId: number | undefined;
  let instance: Instance;
  try {
    progress(`Creating firewall ${plan.firewall.label}`);
    firewallId = (await client.createFirewall(plan.firewall)).id;
    progress(`Creating instance ${plan.instance.label} (${plan.context.type} in ${plan.context.region})`);
    instance = await client.createInstance({ ...plan.instance, firewall_id: firewallId }, `build-id:${id}`);
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
  await writeProjectState(input.projectDir, {
    version: 1,
    deploymentId: id,
    linodeId: instance.id,
    app: record.app,
    env: record.env,
    region: record.region,
    type: record.type,
    ...(ipv4 ? { ipv4 } : {}),
    ...(hostname ? { hostname } : {}),
    createdAt: record.createdAt,
  });
  return { record, instance };
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
    ...initialRecord(plan, input.projectDir, input.now(), input.watcherPort),
    status: 'failed',
    ...(firewallId !== undefined ? { firewallId } : {}),
  });
  const message = error instanceof Error ? error.message : String(error);
  throw new CliError(
    `${message} It is unknown whether instance ${plan.instance.label} was created.`,
    `Run 'linode-build status ${id}' to check, and 'linode-build destroy ${id}' to remove whatever exists.`,
  );
}

/**
 * Which host `ssh` connects to: a deployment id or prefix (the local registry first, then the
 * instances tagged on Linode, so it works for deployments made on another machine), or, with
 * no id, the deployment recorded in the project's .linode/state.json.
 */
import { CliError } from '../errors.js';
import { liveProjectDeployment } from '../state/chosen-deployment.js';
import { findDeployment, readRegistry } from '../state/registry.js';
import type { ScaleState } from '../state/types.js';

export interface SshTarget {
  readonly id: string;
  readonly app: string;
  readonly env: string;
  readonly ipv4?: string;
  /** The private key the deploy recorded (its public half is in authorized_keys). */
  readonly sshIdentityFile?: string;
  /** Its replicas, when it is a deployment behind a NodeBalancer (ipv4 is then the NodeBalancer's). */
  readonly scale?: Pick<ScaleState, 'replicas' | 'members'>;
}

/** Looks a deployment up on Linode (by tags); undefined when there is none or no API access. */
export type RemoteLookup = (idOrPrefix: string) => Promise<SshTarget | undefined>;

export interface ResolveInput {
  readonly id?: string;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly remote?: RemoteLookup;
}

export async function resolveSshTarget(input: ResolveInput): Promise<SshTarget & { ipv4: string }> {
  const target = input.id ? await byId(input.id, input) : await byProject(input);
  if (!target.ipv4) {
    throw new CliError(
      `deployment ${target.id} has no IP address recorded yet.`,
      `Run 'linode-build status ${target.id}' to see whether its instance exists and is running.`,
    );
  }
  return { ...target, ipv4: target.ipv4 };
}

async function byId(id: string, input: ResolveInput): Promise<SshTarget> {
  const { deployments } = await readRegistry(input.env);
  try {
    return findDeployment(deployments, id);
  } catch (notLocal) {
    // Ambiguous prefixes are the user's to resolve; only "no match" may be found remotely.
    if (deployments.some((record) => record.id.startsWith(id.trim()))) throw notLocal;
    const found = await input.remote?.(id);
    if (found) return found;
    throw notLocal;
  }
}

async function byProject(input: ResolveInput): Promise<SshTarget> {
  const project = await liveProjectDeployment(input.cwd);
  const { deployments } = await readRegistry(input.env);
  const record = deployments.find((candidate) => candidate.id === project.deploymentId);
  const ipv4 = record?.ipv4 ?? project.ipv4;
  return {
    id: project.deploymentId,
    app: project.app,
    env: project.env,
    ...(ipv4 ? { ipv4 } : {}),
    ...(record?.sshIdentityFile ? { sshIdentityFile: record.sshIdentityFile } : {}),
    ...(record?.scale ? { scale: record.scale } : {}),
  };
}

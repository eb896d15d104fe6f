/**
 * `.linode/state.json` inside a project directory: the project's deployment in each env it was
 * deployed to. Written atomically; an env's entry is kept (with `destroyedAt`) after destroy
 * as a note of what was there. Files written before envs were tracked (version 1: a single
 * deployment) are read as a project with that one env and rewritten as version 2 on the next
 * change.
 */
import path from 'node:path';
import { CliError, UsageError } from '../errors.js';
import { parseStateJson, readFileIfExists, writeFileAtomic } from './atomic.js';
import type { ProjectFile, ProjectState } from './types.js';

export const PROJECT_STATE_DIRECTORY = '.linode';

export function projectStatePath(projectDir: string): string {
  return path.join(projectDir, PROJECT_STATE_DIRECTORY, 'state.json');
}

function isEntry(value: unknown): value is ProjectState {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { deploymentId?: unknown }).deploymentId === 'string' &&
    typeof (value as { env?: unknown }).env === 'string'
  );
}

/** The project's deployments by env, or undefined when the project was never deployed. */
export async function readProject(projectDir: string): Promise<ProjectFile | undefined> {
  const file = projectStatePath(projectDir);
  const text = await readFileIfExists(file);
  if (text === undefined) return undefined;
  const repair = `Repair or move it aside (mv ${file} ${file}.bak); \`linode-build status --all\` still lists deployments.`;
  const data = parseStateJson(text, file, 'project state', repair) as {
    version?: unknown;
    envs?: unknown;
  };
  if (typeof data === 'object' && data !== null && data.version === 1 && isEntry(data)) {
    const { version: _version, ...entry } = data as ProjectState & { version: 1 };
    return { version: 2, envs: { [entry.env]: entry } };
  }
  if (
    typeof data === 'object' &&
    data !== null &&
    data.version === 2 &&
    typeof data.envs === 'object' &&
    data.envs !== null &&
    Object.values(data.envs).every(isEntry)
  ) {
    return data as ProjectFile;
  }
  throw new CliError(
    `The project state ${file} is not in a format linode-build understands; it was left untouched.`,
    repair,
  );
}

/** Deployments of the project that were not destroyed, by env name (sorted). */
export function liveEnvs(project: ProjectFile | undefined): ProjectState[] {
  if (!project) return [];
  return Object.keys(project.envs)
    .sort()
    .map((name) => project.envs[name]!)
    .filter((entry) => !entry.destroyedAt);
}

/**
 * The one deployment a command without an id means in this project: the env asked for, else
 * the only live one (or, when none is live, the last one recorded, so callers can say it was
 * destroyed). Several live envs without `--env` is a usage error naming them.
 */
export function projectDeployment(project: ProjectFile, envName?: string): ProjectState | undefined {
  if (envName !== undefined) return project.envs[envName];
  const live = liveEnvs(project);
  if (live.length === 1) return live[0];
  if (live.length > 1) {
    throw new UsageError(
      `this project has deployments in ${live.length} envs: ${live.map((entry) => `${entry.env} (${entry.deploymentId})`).join(', ')}.`,
      'Pass the deployment id (or --env where the command has it).',
    );
  }
  const all = Object.values(project.envs);
  return all.sort((a, b) => (a.destroyedAt ?? '').localeCompare(b.destroyedAt ?? '')).at(-1);
}

/** The project's deployment for a command that takes no env: see projectDeployment. */
export async function readProjectState(projectDir: string): Promise<ProjectState | undefined> {
  const project = await readProject(projectDir);
  return project ? projectDeployment(project) : undefined;
}

async function writeProject(projectDir: string, project: ProjectFile): Promise<void> {
  await writeFileAtomic(projectStatePath(projectDir), `${JSON.stringify(project, null, 2)}\n`);
}

/** Records `state` as the project's deployment in its env (replacing what was there). */
export async function writeProjectState(projectDir: string, state: ProjectState): Promise<void> {
  const project = await readProject(projectDir).catch(() => undefined);
  await writeProject(projectDir, {
    version: 2,
    envs: { ...(project?.envs ?? {}), [state.env]: state },
  });
}

/**
 * Records when a deployment was destroyed (the env whose entry names it); returns the entry,
 * or undefined when the project does not know that deployment.
 */
export async function markProjectDestroyed(
  projectDir: string,
  when: Date,
  deploymentId?: string,
): Promise<ProjectState | undefined> {
  const project = await readProject(projectDir);
  if (!project) return undefined;
  const entry =
    deploymentId === undefined
      ? projectDeployment(project)
      : Object.values(project.envs).find((candidate) => candidate.deploymentId === deploymentId);
  if (!entry) return undefined;
  if (entry.destroyedAt) return entry;
  const next: ProjectState = { ...entry, destroyedAt: when.toISOString() };
  await writeProject(projectDir, { version: 2, envs: { ...project.envs, [entry.env]: next } });
  return next;
}

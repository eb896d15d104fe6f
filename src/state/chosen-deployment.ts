/**
 * The deployment a command means when it is given no id: the one this project directory
 * recorded in .linode/state.json. `destroy`, `ssh` and `logs` share this rule and its errors:
 * outside a project it is a usage error (exit 2), never a guess (not even "the only one").
 */
import { CliError, UsageError } from '../errors.js';
import { readProjectState } from './project.js';
import type { ProjectState } from './types.js';

export function noDeploymentChosen(): UsageError {
  return new UsageError(
    'which deployment? There is no .linode/state.json here.',
    "Pass an id or prefix (see 'linode-build status --all'), or run this in a deployed project directory.",
  );
}

/** This project's state; a usage error outside a project. */
export async function requireProjectState(cwd: string): Promise<ProjectState> {
  const project = await readProjectState(cwd);
  if (!project) throw noDeploymentChosen();
  return project;
}

/** This project's deployment, which must not have been destroyed. */
export async function liveProjectDeployment(cwd: string): Promise<ProjectState> {
  const project = await requireProjectState(cwd);
  if (project.destroyedAt) {
    throw new CliError(
      `this project's deployment ${project.deploymentId} was destroyed at ${project.destroyedAt}.`,
      "Deploy it again with 'linode-build deploy', or pass another deployment's id.",
    );
  }
  return project;
}

/**
 * `.linode/state.json` inside a project directory: which deployment this project made. Written
 * atomically; kept (with `destroyedAt`) after destroy as a note of what was there.
 */
import path from 'node:path';
import { CliError } from '../errors.js';
import { parseStateJson, readFileIfExists, writeFileAtomic } from './atomic.js';
import type { ProjectState } from './types.js';

export const PROJECT_STATE_DIRECTORY = '.linode';

export function projectStatePath(projectDir: string): string {
  return path.join(projectDir, PROJECT_STATE_DIRECTORY, 'state.json');
}

/** The project's state, or undefined when the project has never been deployed. */
export async function readProjectState(projectDir: string): Promise<ProjectState | undefined> {
  const file = projectStatePath(projectDir);
  const text = await readFileIfExists(file);
  if (text === undefined) return undefined;
  const repair = `Repair or move it aside (mv ${file} ${file}.bak); \`linode-build status\` still lists deployments.`;
  const data = parseStateJson(text, file, 'project state', repair);
  if (
    typeof data !== 'object' ||
    data === null ||
    (data as { version?: unknown }).version !== 1 ||
    typeof (data as { deploymentId?: unknown }).deploymentId !== 'string'
  ) {
    throw new CliError(
      `The project state ${file} is not in a format linode-build understands; it was left untouched.`,
      repair,
    );
  }
  return data as ProjectState;
}

export async function writeProjectState(projectDir: string, state: ProjectState): Promise<void> {
  await writeFileAtomic(projectStatePath(projectDir), `${JSON.stringify(state, null, 2)}\n`);
}

/** Records when the deployment was destroyed; returns the new state, or undefined if there was none. */
export async function markProjectDestroyed(
  projectDir: string,
  when: Date,
): Promise<ProjectState | undefined> {
  const state = await readProjectState(projectDir);
  if (!state) return undefined;
  if (state.destroyedAt) return state;
  const next: ProjectState = { ...state, destroyedAt: when.toISOString() };
  await writeProjectState(projectDir, next);
  return next;
}

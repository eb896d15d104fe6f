/**
 * Which deployment `destroy` means. By id or unique prefix (an ambiguous one is an error listing
 * candidates), by --app/--env (several matches: error listing them), or the one this project
 * directory recorded in .linode/state.json. Never by template or app name alone guessed from
 * deploy.yml: the original offered to destroy another project's instance that way.
 *
 * An id or --app/--env that matches nothing is an error (exit 1) naming the closest
 * deployments, so a typo never looks like success; `ignoreNotFound` (--ignore-not-found, for
 * scripts) turns it into "nothing to destroy". A deployment the registry or the project
 * remembers destroying is "nothing to destroy" either way: destroying twice is harmless.
 */
import { CliError } from '../errors.js';
import { noDeploymentChosen } from '../state/chosen-deployment.js';
import { findDeployment } from '../state/registry.js';
import type { DeploymentRecord, DestroyedRecord, ProjectState } from '../state/types.js';
import { matchesFilters } from '../status/collect.js';
import type { DeploymentView } from '../status/types.js';
import { editDistance } from '../util/suggest.js';
import { type DestroyTarget, recordedIds } from './destroy.js';

export type Selection =
  | { readonly kind: 'target'; readonly view: DeploymentView; readonly target: DestroyTarget }
  | {
      readonly kind: 'nothing';
      /** The deployment id, when known; `subject` is what was asked for (an id or app/env). */
      readonly id?: string;
      readonly subject: string;
      readonly reason: string;
    };

export interface SelectInput {
  readonly id?: string;
  readonly app?: string;
  readonly env?: string;
  readonly views: readonly DeploymentView[];
  readonly records: readonly DeploymentRecord[];
  /** Deployments the registry remembers destroying. */
  readonly destroyed?: readonly DestroyedRecord[];
  readonly project?: ProjectState;
  readonly cwd: string;
  /** Nothing matching is "nothing to destroy" (exit 0) instead of an error. */
  readonly ignoreNotFound?: boolean;
}

const notFoundReason = 'no such deployment in the registry or on Linode';
const ignoreHint = 'pass --ignore-not-found when absence is expected';

/** The deployment with this id or unique id prefix that the registry or the project remembers destroying. */
function rememberedDestroyed(
  input: SelectInput,
  id: string,
): { id: string; destroyedAt: string } | undefined {
  const remembered: { id: string; destroyedAt: string }[] = [...(input.destroyed ?? [])];
  if (input.project?.destroyedAt) {
    remembered.push({ id: input.project.deploymentId, destroyedAt: input.project.destroyedAt });
  }
  const exact = remembered.find((record) => record.id === id);
  if (exact) return exact;
  const matches = new Set(remembered.filter((record) => record.id.startsWith(id)).map((record) => record.id));
  return matches.size === 1 ? remembered.find((record) => matches.has(record.id)) : undefined;
}

/** The error for an id or app/env that matches no deployment, naming the closest ones. */
function notFound(
  wanted: string,
  distance: (view: DeploymentView) => number,
  views: readonly DeploymentView[],
): CliError {
  if (views.length === 0) {
    return new CliError(
      `no deployment matches ${wanted}; there are none in the registry or on Linode.`,
      `Check the account (LINODE_TOKEN), or ${ignoreHint}.`,
    );
  }
  const closest = [...views]
    .sort((a, b) => distance(a) - distance(b))
    .slice(0, 5)
    .map((view) => `${view.id} (${view.app}, ${view.env})`);
  const more = views.length > closest.length ? `, and ${views.length - closest.length} more` : '';
  return new CliError(
    `no deployment matches ${wanted}.`,
    `Deployments: ${closest.join(', ')}${more} ('linode-build status --all' lists them); ${ignoreHint}.`,
  );
}

export function selectDeployment(input: SelectInput): Selection {
  let view: DeploymentView | undefined;
  if (input.id) {
    const id = input.id.trim();
    if (!input.views.some((candidate) => candidate.id.startsWith(id))) {
      const gone = rememberedDestroyed(input, id);
      if (gone)
        return { kind: 'nothing', id: gone.id, subject: gone.id, reason: `destroyed at ${gone.destroyedAt}` };
      if (input.ignoreNotFound) return { kind: 'nothing', subject: id, reason: notFoundReason };
      throw notFound(`'${id}'`, (view) => editDistance(id, view.id), input.views);
    }
    view = findDeployment(input.views, id);
  } else if (input.app !== undefined || input.env !== undefined) {
    const filters = { ...(input.app ? { app: input.app } : {}), ...(input.env ? { env: input.env } : {}) };
    const matches = input.views.filter((candidate) => matchesFilters(candidate, filters));
    const described = [input.app && `app ${input.app}`, input.env && `env ${input.env}`]
      .filter(Boolean)
      .join(', ');
    if (matches.length === 0) {
      if (input.ignoreNotFound) return { kind: 'nothing', subject: described, reason: notFoundReason };
      const distance = (view: DeploymentView) =>
        (input.app ? editDistance(input.app, view.app) : 0) +
        (input.env ? editDistance(input.env, view.env) : 0);
      throw notFound(described, distance, input.views);
    }
    if (matches.length > 1) {
      throw new CliError(
        `${matches.length} deployments match ${described}: ${matches.map((m) => `${m.id} (${m.app}, ${m.env})`).join(', ')}.`,
        'Pass the id of the one to destroy (or narrow with --app and --env).',
      );
    }
    view = matches[0]!;
  } else if (input.project) {
    if (input.project.destroyedAt) {
      return {
        kind: 'nothing',
        id: input.project.deploymentId,
        subject: input.project.deploymentId,
        reason: `destroyed at ${input.project.destroyedAt}`,
      };
    }
    view = input.views.find((candidate) => candidate.id === input.project!.deploymentId);
    if (!view) {
      // The project remembers this deployment (nothing was typed): it is gone, e.g. deleted
      // in Cloud Manager or reaped by another machine.
      return {
        kind: 'nothing',
        id: input.project.deploymentId,
        subject: input.project.deploymentId,
        reason: notFoundReason,
      };
    }
  } else {
    throw noDeploymentChosen();
  }
  const record = input.records.find((candidate) => candidate.id === view.id);
  const projectDir = record?.projectDir ?? (input.project?.deploymentId === view.id ? input.cwd : undefined);
  return {
    kind: 'target',
    view,
    target: {
      id: view.id,
      app: view.app,
      env: view.env,
      ...(view.linodeId !== undefined ? { linodeId: view.linodeId } : {}),
      ...recordedIds(record),
      ...(projectDir ? { projectDir } : {}),
    },
  };
}

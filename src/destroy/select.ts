/**
 * Which deployment `destroy` means. By id or unique prefix (an ambiguous one is an error listing
 * candidates), by --app/--env (several matches: error listing them), or the one this project
 * directory recorded in .linode/state.json. Never by template or app name alone guessed from
 * deploy.yml: the original offered to destroy another project's instance that way.
 */
import { CliError, UsageError } from '../errors.js';
import { findDeployment } from '../state/registry.js';
import type { DeploymentRecord, ProjectState } from '../state/types.js';
import { matchesFilters } from '../status/collect.js';
import type { DeploymentView } from '../status/types.js';
import type { DestroyTarget } from './destroy.js';

export type Selection =
  | { readonly kind: 'target'; readonly view: DeploymentView; readonly target: DestroyTarget }
  | { readonly kind: 'nothing'; readonly id: string; readonly reason: string };

export interface SelectInput {
  readonly id?: string;
  readonly app?: string;
  readonly env?: string;
  readonly views: readonly DeploymentView[];
  readonly records: readonly DeploymentRecord[];
  readonly project?: ProjectState;
  readonly cwd: string;
}

const fullId = /^[0-9a-z]{8}$/;

export function selectDeployment(input: SelectInput): Selection {
  let view: DeploymentView | undefined;
  if (input.id) {
    const matches = input.views.filter((candidate) => candidate.id.startsWith(input.id!));
    if (matches.length === 0 && fullId.test(input.id)) {
      return { kind: 'nothing', id: input.id, reason: 'no such deployment in the registry or on Linode' };
    }
    view = findDeployment(input.views, input.id);
  } else if (input.app !== undefined || input.env !== undefined) {
    const filters = { ...(input.app ? { app: input.app } : {}), ...(input.env ? { env: input.env } : {}) };
    const matches = input.views.filter((candidate) => matchesFilters(candidate, filters));
    const described = [input.app && `app ${input.app}`, input.env && `env ${input.env}`]
      .filter(Boolean)
      .join(', ');
    if (matches.length === 0) {
      throw new CliError(
        `no deployment matches ${described}.`,
        "Run 'linode-build status --all' to list deployments.",
      );
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
        reason: `destroyed at ${input.project.destroyedAt}`,
      };
    }
    view = input.views.find((candidate) => candidate.id === input.project!.deploymentId);
    if (!view) {
      return {
        kind: 'nothing',
        id: input.project.deploymentId,
        reason: 'no such deployment in the registry or on Linode',
      };
    }
  } else {
    throw new UsageError(
      'which deployment? There is no .linode/state.json here.',
      "Pass an id (see 'linode-build status --all') or --app/--env.",
    );
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
      ...(record?.firewallId !== undefined ? { firewallId: record.firewallId } : {}),
      ...(projectDir ? { projectDir } : {}),
    },
  };
}

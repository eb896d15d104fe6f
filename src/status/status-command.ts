import type { CommandArgs, CommandContext } from '../cli/framework/command.js';
import { liveEnvs, projectDeployment, readProject } from '../state/project.js';
import { findDeployment } from '../state/registry.js';
import type { WatcherStatus } from '../watcher-client/client.js';
import { collectDeploymentsWithRecords, type StatusFilters } from './collect.js';
import { idleGpuLines } from './idle-lines.js';
import { issueLines, withOpenIssues } from './issues.js';
import { detailLines, statusColumns } from './print.js';
import { adoptDeployments, completeInterruptedCreates, pruneDeployments } from './reconcile.js';
import type { DeploymentView } from './types.js';

export interface StatusOptions {
  readonly app: string | undefined;
  readonly env: string | undefined;
  readonly all: boolean;
  readonly adopt: boolean;
  readonly prune: boolean;
  readonly 'no-health': boolean;
  readonly json: boolean;
}

export async function status(
  args: CommandArgs<StatusOptions, { readonly id: string | undefined }>,
  context: CommandContext,
): Promise<number> {
  const { options } = args;
  const { out, env } = context;
  const now = new Date();
  let id = args.positionals.id;
  const listingAll = options.all || options.app !== undefined || options.env !== undefined;
  let fromProject = false;
  // In a project deployed to several envs, status lists those deployments (every env).
  let projectIds: Set<string> | undefined;
  if (!id && !listingAll && !options.adopt && !options.prune) {
    const project = await readProject(context.cwd);
    const live = liveEnvs(project);
    if (live.length === 1) {
      id = live[0]!.deploymentId;
      fromProject = true;
    } else if (live.length > 1) {
      projectIds = new Set(live.map((entry) => entry.deploymentId));
    } else if (project) {
      const last = projectDeployment(project);
      if (last?.destroyedAt)
        out.info(`This project's deployment ${last.deploymentId} was destroyed at ${last.destroyedAt}.`);
    }
  }
  const filters: StatusFilters = {
    ...(id ? { id } : {}),
    ...(options.app ? { app: options.app } : {}),
    ...(options.env ? { env: options.env } : {}),
  };
  const collected = await collectDeploymentsWithRecords({
    env,
    filters,
    checkHealth: !options['no-health'],
    // One deployment's detail (or a project's few) lists its replicas' backends (+1 request per NodeBalancer).
    backends: id !== undefined || projectIds !== undefined,
    // …and whether its placement group holds (+1 request per deployment with one).
    placement: id !== undefined || projectIds !== undefined,
    onRetry: (message) => out.info(message),
    ...(args.debug ? { trace: (line: string) => out.info(line) } : {}),
  });
  const { records } = collected;
  // An interrupted deploy whose instance exists is completed here, as the next deploy would.
  const completed = new Set(await completeInterruptedCreates(env, collected.views, now));
  const views = collected.views.map((view) =>
    completed.has(view.id) ? { ...view, recordStatus: 'active' } : view,
  );
  if (completed.size > 0) {
    out.info(
      `Completed the record of ${[...completed].join(', ')}: its deploy was interrupted after the instance was created.`,
    );
  }

  if (id) {
    let view = findDeployment(views, id);
    const record = records.find((candidate) => candidate.id === view.id);
    let idleAndGpu: Pick<WatcherStatus, 'idle' | 'gpu'> | undefined;
    if (record?.watcherPort) {
      // Loaded only here: listing many deployments should not wait on their watchers.
      const { createWatcherReader } = await import('../watcher-client/reader.js');
      const reader = createWatcherReader({ env });
      try {
        view = (await withOpenIssues([view], [record], (r) => reader.openIssues(r)))[0] ?? view;
        // `starting` ends early when the boot runner reports a failed step (healthVerdict).
        if (view.health === 'starting' && (await reader.bootFailed(record)))
          view = { ...view, health: 'unhealthy' };
        if (!options.json) idleAndGpu = await reader.idleAndGpu(record);
      } finally {
        reader.close();
      }
    }
    // Always an array (schema/status.schema.json), one element here: scripts need one shape.
    if (options.json) out.json([view]);
    else {
      if (fromProject)
        out.info(`Deployment of this project (${context.cwd}); 'status --all' lists every deployment.`);
      for (const line of detailLines(view, now)) out.line(line);
      for (const line of issueLines(view, record?.watcherPort !== undefined)) out.line(line);
      for (const line of idleGpuLines(idleAndGpu, view.hourlyPrice, now)) out.line(line);
    }
    return 0;
  }

  let shown: DeploymentView[] = projectIds ? views.filter((view) => projectIds.has(view.id)) : views;
  const notes: string[] = [];
  if (projectIds)
    notes.push(
      `Deployments of this project (${context.cwd}), one per env; 'status --all' lists every deployment.`,
    );
  if (options.adopt) {
    const adopted = new Set(await adoptDeployments(env, views, now));
    shown = shown.map((view) =>
      adopted.has(view.id) ? { ...view, source: 'both', recordStatus: 'active' } : view,
    );
    notes.push(`Adopted ${adopted.size} deployment(s) into the local registry.`);
  }
  if (options.prune) {
    const pruned = new Set(await pruneDeployments(env, views, records, now));
    shown = shown.filter((view) => !pruned.has(view.id));
    notes.push(`Pruned ${pruned.size} record(s) whose instance no longer exists.`);
  }

  if (options.json) {
    out.json(shown);
    for (const note of notes) out.info(note);
    return 0;
  }
  for (const note of notes) out.info(note);
  if (shown.length === 0) {
    out.line('No deployments found.');
    out.info("Create one with 'linode-build init <template>' and 'linode-build deploy'.");
    return 0;
  }
  out.table(shown, statusColumns(now, shown));
  const untracked = shown.filter((view) => view.source === 'tags').length;
  const missing = shown.filter((view) => view.instanceStatus === 'missing').length;
  if (untracked > 0) {
    out.info(
      `${untracked} deployment(s) known only by their tags (made elsewhere): add them with 'linode-build status --adopt'.`,
    );
  }
  if (missing > 0) {
    out.info(`${missing} record(s) whose instance is gone: remove them with 'linode-build status --prune'.`);
  }
  // A replacement that did not finish bills a second instance until it is finished or removed.
  for (const record of records) {
    if (record.replaces === undefined || !shown.some((view) => view.id === record.id)) continue;
    // One instance ↔ replicas (deploy/transition.ts) is finished by a plain deploy.
    const replaced = records.find((item) => item.id === record.replaces);
    const transition =
      replaced !== undefined && (replaced.scale === undefined) !== (record.scale === undefined);
    const finish = transition ? 'linode-build deploy' : 'linode-build deploy --replace';
    out.info(
      `${record.id} is an unfinished replacement of ${record.replaces}: finish it with '${finish}' in ${record.projectDir ?? 'its project'}, or remove it with 'linode-build destroy ${record.id}'.`,
    );
  }
  out.info(
    'Costs are estimates from hourly prices; Linode bills an instance until it is destroyed, even powered off.',
  );
  return 0;
}

import type { CommandArgs, CommandContext } from '../cli/framework/command.js';
import { Progress } from '../cli/framework/output.js';
import { obtainConsent } from '../deploy/confirm.js';
import { CliError, UsageError } from '../errors.js';
import { LinodeClient } from '../linode/client.js';
import { noDeploymentChosen } from '../state/chosen-deployment.js';
import { liveEnvs, markProjectDestroyed, readProject } from '../state/project.js';
import type { ProjectFile, ProjectState } from '../state/types.js';
import { collectDeploymentsWithRecords } from '../status/collect.js';
import { destroyDeployment } from './destroy.js';
import { selectDeployment } from './select.js';

export interface DestroyOptions {
  readonly app: string | undefined;
  readonly env: string | undefined;
  readonly 'all-envs': boolean;
  readonly 'ignore-not-found': boolean;
  readonly yes: boolean;
  readonly json: boolean;
}

type Args = CommandArgs<DestroyOptions, { readonly id: string | undefined }>;

export async function destroy(args: Args, context: CommandContext): Promise<number> {
  const { options } = args;
  const { out, env } = context;
  const progress = new Progress(out);
  const projectFile = await readProject(context.cwd);
  // Which deployment is a usage question, answered before any credentials or API call.
  if (!args.positionals.id && options.app === undefined && options.env === undefined && !projectFile) {
    throw noDeploymentChosen();
  }
  const client = await LinodeClient.connect(env, {
    onRetry: (message) => progress.step(message),
    ...(args.debug ? { trace: (line: string) => out.info(line) } : {}),
  });
  const byProject = !args.positionals.id && options.app === undefined && projectFile !== undefined;
  if (options['all-envs'] && !byProject) {
    throw new UsageError(
      '--all-envs destroys every env of the project in this directory, and there is none here.',
      'Run it in a deployed project directory, or pass an id.',
    );
  }
  const { views, records, destroyed } = await collectDeploymentsWithRecords({
    env,
    client,
    checkHealth: false,
  });
  const entries = byProject
    ? await projectEntries(projectFile, options.env, options['all-envs'], context)
    : [undefined];
  let code = 0;
  for (const project of entries) {
    const selection = selectDeployment({
      ...(args.positionals.id ? { id: args.positionals.id } : {}),
      ...(options.app ? { app: options.app } : {}),
      ...(options.env && !byProject ? { env: options.env } : {}),
      views,
      records,
      destroyed,
      ...(project ? { project } : {}),
      cwd: context.cwd,
      ignoreNotFound: options['ignore-not-found'],
    });
    code = Math.max(code, await destroySelected(selection, project, args, context, client, progress));
  }
  return code;
}

/**
 * Which of the project's deployments `destroy` without an id means: the env named with --env,
 * every live env with --all-envs, the only live one, or (several, on a terminal) the one the
 * user picks; without a terminal several is a usage error naming the flags.
 */
async function projectEntries(
  project: ProjectFile,
  envName: string | undefined,
  allEnvs: boolean,
  context: CommandContext,
): Promise<(ProjectState | undefined)[]> {
  const live = liveEnvs(project);
  if (allEnvs) return live;
  if (envName !== undefined) {
    const entry = project.envs[envName];
    if (!entry) {
      throw new CliError(
        `this project has no deployment in env ${envName}.`,
        `Its envs: ${Object.keys(project.envs).sort().join(', ') || 'none'}.`,
      );
    }
    return [entry];
  }
  if (live.length <= 1) {
    const only = live[0] ?? Object.values(project.envs).at(-1);
    return [only];
  }
  const names = live.map((entry) => `${entry.env} (${entry.deploymentId})`).join(', ');
  if (!context.interactive) {
    throw new UsageError(
      `this project has deployments in ${live.length} envs: ${names}.`,
      'Pass --env NAME for one of them, or --all-envs for all.',
    );
  }
  const { createInterface } = await import('node:readline/promises');
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (
      await prompt.question(`This project has deployments in ${names}. Destroy which env (or "all")? `)
    ).trim();
    if (answer === 'all') return live;
    const entry = live.find((candidate) => candidate.env === answer);
    if (!entry)
      throw new UsageError(`no deployment of this project in env '${answer}'.`, `Choose one of: ${names}.`);
    return [entry];
  } finally {
    prompt.close();
  }
}

async function destroySelected(
  selection: ReturnType<typeof selectDeployment>,
  project: ProjectState | undefined,
  args: Args,
  context: CommandContext,
  client: LinodeClient,
  progress: Progress,
): Promise<number> {
  const { options } = args;
  const { out, env } = context;

  if (selection.kind === 'nothing') {
    if (project && project.deploymentId === selection.id)
      await markProjectDestroyed(context.cwd, new Date(), selection.id);
    if (options.json) out.json({ id: selection.id ?? null, destroyed: false, reason: selection.reason });
    else out.line(`Nothing to destroy for ${selection.subject}: ${selection.reason}.`);
    return 0;
  }

  const { view, target } = selection;
  out.info('This will delete:');
  out.info(
    `  ${view.id}  ${view.app} (${view.env})  ${view.linodeId !== undefined ? `Linode ${view.linodeId}${view.label ? ` "${view.label}"` : ''} in ${view.region}` : 'no instance found'}, its firewall and local state`,
  );
  const go = await obtainConsent({
    yes: options.yes,
    interactive: context.interactive,
    action: `destroy deployment ${view.id}`,
    question: `Destroy ${view.id}?`,
  });
  if (!go) {
    out.info('Cancelled; nothing was deleted.');
    return 1;
  }
  const result = await destroyDeployment({
    env,
    client,
    target,
    onProgress: (text) => progress.step(text),
  });
  if (options.json) out.json({ id: view.id, destroyed: true, ...result });
  else {
    out.line(
      `Destroyed ${view.id} (${result.instancesDeleted} instance(s), ${result.firewallsDeleted} firewall(s)) in ${progress.elapsed()}.`,
    );
  }
  return 0;
}

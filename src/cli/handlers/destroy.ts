import { obtainConsent } from '../../deploy/confirm.js';
import { destroyDeployment } from '../../destroy/destroy.js';
import { selectDeployment } from '../../destroy/select.js';
import { LinodeClient } from '../../linode/client.js';
import { noDeploymentChosen } from '../../state/chosen-deployment.js';
import { markProjectDestroyed, readProjectState } from '../../state/project.js';
import { collectDeploymentsWithRecords } from '../../status/collect.js';
import type { destroySpec } from '../commands/destroy.js';
import type { ArgsOf, CommandContext } from '../framework/command.js';
import { Progress } from '../framework/output.js';

export default async function destroy(
  args: ArgsOf<typeof destroySpec>,
  context: CommandContext,
): Promise<number> {
  const { options } = args;
  const { out, env } = context;
  const progress = new Progress(out);
  const project = await readProjectState(context.cwd);
  // Which deployment is a usage question, answered before any credentials or API call.
  if (!args.positionals.id && options.app === undefined && options.env === undefined && !project) {
    throw noDeploymentChosen();
  }
  const client = await LinodeClient.connect(env, {
    onRetry: (message) => progress.step(message),
    ...(args.debug ? { trace: (line: string) => out.info(line) } : {}),
  });
  const { views, records, destroyed } = await collectDeploymentsWithRecords({
    env,
    client,
    checkHealth: false,
  });
  const selection = selectDeployment({
    ...(args.positionals.id ? { id: args.positionals.id } : {}),
    ...(options.app ? { app: options.app } : {}),
    ...(options.env ? { env: options.env } : {}),
    views,
    records,
    destroyed,
    ...(project ? { project } : {}),
    cwd: context.cwd,
    ignoreNotFound: options['ignore-not-found'],
  });

  if (selection.kind === 'nothing') {
    if (project && project.deploymentId === selection.id) await markProjectDestroyed(context.cwd, new Date());
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

import { bootReporter } from '../../deploy/boot-watch.js';
import { obtainConsent } from '../../deploy/confirm.js';
import { createDeployment } from '../../deploy/create.js';
import { preflight } from '../../deploy/preflight.js';
import { prepareDeployment } from '../../deploy/prepare.js';
import { type HealthOutcome, WaitFailure, waitUntilHealthy, waitUntilRunning } from '../../deploy/wait.js';
import { pollInterval } from '../../destroy/destroy.js';
import { CliError } from '../../errors.js';
import { LinodeClient } from '../../linode/client.js';
import { upsertDeployment } from '../../state/registry.js';
import { secretPath } from '../../state/secrets.js';
import type { DeploymentRecord } from '../../state/types.js';
import { appUrl } from '../../status/endpoint.js';
import { formatDiagnostic } from '../../template/diagnostics.js';
import type { Template } from '../../template/types.js';
import type { deploySpec } from '../commands/deploy.js';
import type { ArgsOf, CommandContext } from '../framework/command.js';
import { type Output, Progress } from '../framework/output.js';
import { runDryRun } from './deploy-dry-run.js';

type Args = ArgsOf<typeof deploySpec>;

export default async function deploy(args: Args, context: CommandContext): Promise<number> {
  const { options } = args;
  const { out, env } = context;
  if (options['dry-run']) return runDryRun(args, context);
  if (options.timeout <= 0)
    throw new CliError('--timeout must be a positive number of seconds.', 'For example: --timeout 900');

  const progress = new Progress(out);
  const prepared = await prepareDeployment({
    cwd: context.cwd,
    env,
    directory: options.directory,
    region: options.region,
    type: options.type,
    image: options.image,
    appName: options['app-name'],
    envName: options.env,
    envFile: options['env-file'],
    sshKeyFiles: options['ssh-key'],
    noRootPass: options['no-root-pass'],
    ttl: options.ttl,
    userDataEncoding: options['user-data-encoding'],
    now: new Date(),
  });
  const { plan } = prepared;
  for (const secret of plan.secretValues) out.redact(secret);
  for (const warning of plan.warnings) out.info(formatDiagnostic(warning));

  const client = await LinodeClient.connect(env, {
    onRetry: (message) => progress.step(message),
    ...(args.debug ? { trace: (line: string) => out.info(line) } : {}),
  });
  progress.step('Checking region, image and plan with the Linode API');
  const facts = await preflight(client, plan);
  const price = facts.hourlyPrice !== undefined ? ` at $${facts.hourlyPrice}/hour` : '';
  const go = await obtainConsent({
    yes: options.yes,
    interactive: context.interactive,
    action: 'create a billed Linode instance',
    question: `Create ${plan.context.type} in ${plan.context.region}${price} for ${plan.context.appName} (${plan.context.envName})?`,
  });
  if (!go) {
    out.info('Cancelled; nothing was created.');
    return 1;
  }

  const { record, instance } = await createDeployment({
    env,
    client,
    plan,
    projectDir: prepared.projectDir,
    secrets: prepared.localSecrets,
    ...(prepared.watcherPort !== undefined ? { watcherPort: prepared.watcherPort } : {}),
    progress: (text) => progress.step(text),
    now: () => new Date(),
  });
  progress.step(`Created instance ${instance.id} (${record.ipv4 ?? 'no IPv4 yet'})`);
  if (!options.json) printSummary(out, plan.template, record, prepared.localSecrets, env, facts.hourlyPrice);

  let health: HealthOutcome | undefined;
  if (options.wait) {
    const container = plan.template.deploy.linode.container;
    const waitContext = {
      client,
      env,
      step: (text: string) => progress.step(text),
      deadline: Date.now() + options.timeout * 1000,
      pollMs: pollInterval(env),
      boot: await bootReporter(env, record, (text) => progress.step(text)),
    };
    try {
      await waitUntilRunning(waitContext, record, instance.id);
      if (container?.health) health = await waitUntilHealthy(waitContext, record, container.health);
      else progress.step('The template has no health check; the instance is running');
    } catch (error) {
      if (!(error instanceof WaitFailure)) throw error;
      out.error(error.message, error.hint);
      if (error.lastLines.length > 0) {
        out.info('Last observations:');
        for (const line of error.lastLines) out.info(`  ${line}`);
      }
      if (!record.watcherPort)
        out.info('No instance logs are reachable from here without the buildwatch capability.');
      if (options.json) out.json({ ...resultJson(record), healthy: false, error: error.message });
      return 1;
    } finally {
      // Stops the boot reporter's background reads and its SSH tunnel.
      waitContext.boot?.close?.();
    }
    await upsertDeployment(env, { ...record, updatedAt: new Date().toISOString() });
  }
  if (options.json) {
    out.json({
      ...resultJson(record),
      ...(health ? { healthy: health.result.ok, health: health.result.detail } : {}),
    });
  } else if (options.wait) {
    out.line(
      `Ready in ${progress.elapsed()}: ${appUrl(record.hostname, record.externalPort) ?? record.ipv4 ?? record.id}`,
    );
  }
  return 0;
}

function resultJson(record: DeploymentRecord) {
  return {
    id: record.id,
    app: record.app,
    env: record.env,
    label: record.label,
    linodeId: record.linodeId,
    firewallId: record.firewallId,
    region: record.region,
    type: record.type,
    ipv4: record.ipv4,
    hostname: record.hostname,
    url: appUrl(record.hostname, record.externalPort),
    expiresAt: record.expiresAt,
  };
}

function printSummary(
  out: Output,
  template: Template,
  record: DeploymentRecord,
  localSecrets: Readonly<Record<string, string>>,
  env: NodeJS.ProcessEnv,
  hourlyPrice: number | undefined,
): void {
  const url = appUrl(record.hostname, record.externalPort);
  out.line(`Deployed ${template.display_name} as ${out.style('bold', record.id)}`);
  out.line(`  Label:     ${record.label} (Linode ${record.linodeId})`);
  out.line(
    `  Where:     ${record.region}, ${record.type}${hourlyPrice !== undefined ? ` ($${hourlyPrice}/hour, billed until destroyed)` : ''}`,
  );
  if (record.ipv4) out.line(`  IPv4:      ${record.ipv4}`);
  if (url) out.line(`  URL:       ${url}`);
  if (record.ipv4) out.line(`  Connect:   ssh root@${record.ipv4}`);
  out.line(
    localSecrets['root-password']
      ? `  Root password: ${secretPath(env, record.id, 'root-password')} (mode 0600)`
      : '  Root password: none kept (SSH keys only)',
  );
  if (record.expiresAt) out.line(`  Expires:   ${record.expiresAt}`);
  const guidance = template.guidance;
  if (guidance && (guidance.summary || guidance.examples.length > 0)) {
    out.line('');
    out.line('Next steps:');
    if (guidance.summary) out.line(indent(guidance.summary.trim(), '  '));
    const host = record.hostname ?? record.ipv4 ?? '<host>';
    for (const example of guidance.examples) {
      out.line(`  ${example.description}`);
      out.line(indent(example.command.trim().replaceAll('{host}', host), '    '));
    }
  }
  out.line('');
  out.line(`Status: linode-build status ${record.id}    Remove: linode-build destroy ${record.id}`);
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => `${prefix}${line}`)
    .join('\n');
}

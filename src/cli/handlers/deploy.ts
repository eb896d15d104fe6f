import { bootReporter } from '../../deploy/boot-watch.js';
import { changeLines } from '../../deploy/changes-text.js';
import { obtainConsent } from '../../deploy/confirm.js';
import { DeployCancelled, type DeployOutcome, runDeployment } from '../../deploy/run.js';
import { WaitFailure } from '../../deploy/wait.js';
import { CliError } from '../../errors.js';
import { LinodeClient } from '../../linode/client.js';
import { secretPath } from '../../state/secrets.js';
import type { DeploymentRecord } from '../../state/types.js';
import { appUrl } from '../../status/endpoint.js';
import { formatDiagnostic } from '../../template/diagnostics.js';
import type { Template } from '../../template/types.js';
import type { deploySpec } from '../commands/deploy.js';
import type { ArgsOf, CommandContext } from '../framework/command.js';
import { type Output, Progress } from '../framework/output.js';
import { targetRequest } from '../target-options.js';
import { runDryRun } from './deploy-dry-run.js';

type Args = ArgsOf<typeof deploySpec>;

export default async function deploy(args: Args, context: CommandContext): Promise<number> {
  const { options } = args;
  const { out, env } = context;
  if (options['dry-run']) return runDryRun(args, context);
  if (options.timeout <= 0)
    throw new CliError('--timeout must be a positive number of seconds.', 'For example: --timeout 900');
  if (options.new && options.replace) {
    throw new CliError(
      '--new and --replace cannot be used together.',
      '--new adds a deployment; --replace swaps the existing one.',
    );
  }

  const progress = new Progress(out);
  // What exists now, for the report when the deploy is interrupted.
  let current: DeploymentRecord | undefined;
  let hourlyPrice: number | undefined;
  let keptRootPassword = false;
  const onInterrupt = () => {
    out.info('');
    out.error(...interruptReport(current, hourlyPrice));
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  let outcome: DeployOutcome;
  try {
    outcome = await runDeployment(
      {
        cwd: context.cwd,
        env,
        ...targetRequest(options),
        sshKeyFiles: options['ssh-key'],
        noRootPass: options['no-root-pass'],
        noSsh: options['no-ssh'],
        now: new Date(),
        wait: options.wait,
        timeoutSeconds: options.timeout,
        replace: options.replace,
        fresh: options.new,
      },
      {
        connect: () =>
          LinodeClient.connect(env, {
            onRetry: (message) => progress.step(message),
            ...(args.debug ? { trace: (line: string) => out.info(line) } : {}),
          }),
        onEvent: (event) => {
          switch (event.kind) {
            case 'prepared':
              for (const secret of event.prepared.plan.secretValues) out.redact(secret);
              keptRootPassword = event.prepared.localSecrets['root-password'] !== undefined;
              for (const warning of event.prepared.plan.warnings) out.info(formatDiagnostic(warning));
              for (const line of changeLines(event.prepared)) out.info(line);
              break;
            case 'step':
              progress.step(event.text);
              break;
            case 'record':
              current = event.record;
              break;
            case 'created':
              current = event.record;
              hourlyPrice = event.hourlyPrice;
              progress.step(`Created instance ${event.instance.id} (${event.record.ipv4 ?? 'no IPv4 yet'})`);
              if (!options.json) printCreated(out, event.record, env, event.hourlyPrice, keptRootPassword);
              break;
            default:
              break;
          }
        },
        confirm: (question, action) =>
          obtainConsent({ yes: options.yes, interactive: context.interactive, action, question }),
        boot: (record) => bootReporter(env, record, (text) => progress.step(text)),
      },
    );
  } catch (error) {
    if (error instanceof DeployCancelled) {
      out.info('Cancelled; nothing was created or changed.');
      return 1;
    }
    if (!(error instanceof WaitFailure)) throw error;
    out.error(error.message, error.hint);
    if (error.lastLines.length > 0) {
      out.info('Last observations:');
      for (const line of error.lastLines) out.info(`  ${line}`);
    }
    if (current && !current.watcherPort)
      out.info('No instance logs are reachable from here without the buildwatch capability.');
    if (options.json && current) out.json({ ...resultJson(current), healthy: false, error: error.message });
    return 1;
  } finally {
    process.off('SIGINT', onInterrupt);
  }

  const { record, prepared } = outcome;
  if (outcome.leftRunning) {
    out.info(
      `Left running: ${outcome.leftRunning.id} (${outcome.leftRunning.app}, ${outcome.leftRunning.env}, Linode ${outcome.leftRunning.linodeId ?? '?'}), billed until you run 'linode-build destroy ${outcome.leftRunning.id}'.`,
    );
  }
  if (options.json) {
    out.json({
      ...(record ? resultJson(record) : {}),
      result: outcome.result,
      changes: outcome.changes,
      ...(outcome.health ? { healthy: outcome.health.result.ok, health: outcome.health.result.detail } : {}),
      ...(outcome.leftRunning ? { leftRunning: outcome.leftRunning.id } : {}),
    });
    return 0;
  }
  const url = record ? (appUrl(record.hostname, record.externalPort) ?? record.ipv4 ?? record.id) : '';
  switch (outcome.result) {
    case 'created':
      printGuidance(out, prepared.plan.template, record);
      if (options.wait) out.line(`Ready in ${progress.elapsed()}: ${url}`);
      break;
    case 'unchanged':
      out.line(`Up to date: ${record?.id} (${url}); nothing was changed.`);
      break;
    case 'updated':
      out.line(`Updated ${record?.id} in place in ${progress.elapsed()}: ${url}`);
      break;
    case 'replaced':
      out.line(
        `Replaced: ${record?.id} serves ${url} (${progress.elapsed()}); the old instance was deleted.`,
      );
      break;
    default:
      break;
  }
  return 0;
}

function interruptReport(
  record: DeploymentRecord | undefined,
  hourlyPrice: number | undefined,
): [string, string] {
  if (!record)
    return ['Interrupted before anything was created.', "Run 'linode-build deploy' again to start over."];
  const instance =
    record.linodeId !== undefined
      ? `Linode ${record.linodeId}${record.ipv4 ? ` (${record.ipv4})` : ''} exists and is billed${hourlyPrice !== undefined ? ` at $${hourlyPrice}/hour` : ''} until destroyed`
      : 'its instance may be mid-create';
  return [
    `Interrupted: deployment ${record.id} (${record.app}, ${record.env}) is recorded; ${instance}.`,
    `Continue with 'linode-build deploy' (it resumes ${record.id}, never a second instance), or remove it with 'linode-build destroy ${record.id}'.`,
  ];
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

function printCreated(
  out: Output,
  record: DeploymentRecord,
  env: NodeJS.ProcessEnv,
  hourlyPrice: number | undefined,
  keptRootPassword: boolean,
): void {
  const url = appUrl(record.hostname, record.externalPort);
  out.line(`Deployed ${record.template} as ${out.style('bold', record.id)}`);
  out.line(`  Label:     ${record.label} (Linode ${record.linodeId})`);
  out.line(
    `  Where:     ${record.region}, ${record.type}${hourlyPrice !== undefined ? ` ($${hourlyPrice}/hour, billed until destroyed)` : ''}`,
  );
  if (record.ipv4) out.line(`  IPv4:      ${record.ipv4}`);
  if (url) out.line(`  URL:       ${url}`);
  if (record.ipv4) out.line(`  Connect:   linode-build ssh ${record.id}`);
  out.line(
    keptRootPassword
      ? `  Root password: ${secretPath(env, record.id, 'root-password')} (mode 0600)`
      : '  Root password: none kept (SSH keys only)',
  );
  if (record.expiresAt) out.line(`  Expires:   ${record.expiresAt}`);
}

function printGuidance(out: Output, template: Template, record: DeploymentRecord | undefined): void {
  if (!record) return;
  const guidance = template.guidance;
  if (guidance && (guidance.summary || guidance.examples.length > 0)) {
    out.line('');
    out.line('Next steps:');
    if (guidance.summary) out.line(indent(guidance.summary.trim(), '  '));
    // `{host}` is where the app answers: with the published port unless it is HTTP's own.
    const name = record.hostname ?? record.ipv4 ?? '<host>';
    const host = record.externalPort && record.externalPort !== 80 ? `${name}:${record.externalPort}` : name;
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

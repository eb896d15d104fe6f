import type { CommandArgs, CommandContext } from '../cli/framework/command.js';
import { Progress } from '../cli/framework/output.js';
import { type TargetOptions, targetRequest } from '../cli/target-options.js';
import { CliError, UsageError } from '../errors.js';
import { LinodeClient } from '../linode/client.js';
import type { DeploymentRecord } from '../state/types.js';
import { appUrl } from '../status/endpoint.js';
import { formatDiagnostic } from '../template/diagnostics.js';
import { bootReporter } from './boot-watch.js';
import { changeLines } from './changes-text.js';
import { obtainConsent } from './confirm.js';
import { checkFlagValues } from './preflight.js';
import { interruptReport, printCreated, printGuidance, resultJson } from './print.js';
import { runDeployment } from './run.js';
import { DeployCancelled, type DeployOutcome } from './run-context.js';
import { WaitFailure } from './wait.js';

export interface DeployOptions extends TargetOptions {
  readonly 'ssh-key': readonly string[];
  readonly 'no-root-pass': boolean;
  readonly 'no-ssh': boolean;
  readonly replace: boolean;
  readonly new: boolean;
  readonly 'max-unavailable'?: number | undefined;
  readonly wait: boolean;
  readonly timeout: number;
  readonly yes: boolean;
  readonly json: boolean;
}

type Args = CommandArgs<DeployOptions>;

export async function deploy(args: Args, context: CommandContext): Promise<number> {
  const { options } = args;
  const { out, env } = context;
  // --type and --region are checked against the API's offerings first, so
  // `--type g6-standrad-2` on a GPU template says "unknown Linode type … did you mean
  // g6-standard-2", blaming --type, instead of a capability error about the template.
  if (options.type !== undefined || options.region !== undefined) {
    const client = await LinodeClient.connect(env);
    await checkFlagValues(client, { type: options.type, region: options.region });
  }
  if (options.timeout <= 0)
    throw new CliError('--timeout must be a positive number of seconds.', 'For example: --timeout 900');
  const maxUnavailable = options['max-unavailable'];
  if (maxUnavailable !== undefined && (!Number.isInteger(maxUnavailable) || maxUnavailable < 1)) {
    throw new UsageError(
      `--max-unavailable ${maxUnavailable} is not valid.`,
      'Use a whole number of replicas from 1 (the default); a number at or above the replicas rolls all but one at a time.',
    );
  }
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
        maxUnavailable: options['max-unavailable'],
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
        boot: (record, replica) =>
          bootReporter(env, record, replica?.step ?? ((text) => progress.step(text)), replica?.host),
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
      ...(outcome.addressChange ? { addressChange: outcome.addressChange } : {}),
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
    case 'scaled': {
      const count = record?.scale ? `${record.scale.replicas} replicas` : 'one instance';
      out.line(`Scaled ${record?.id} to ${count} in ${progress.elapsed()}: ${url}`);
      const moved = outcome.addressChange;
      if (moved) {
        out.line(
          `The public address changed from ${moved.from ?? '?'} to ${moved.to ?? '?'}; ${moved.replaced} (the old deployment) was deleted. Point DNS and clients at the new address.`,
        );
      }
      break;
    }
    case 'replaced':
      out.line(
        `Replaced: ${record?.id} serves ${url} (${progress.elapsed()}); the old instance${record?.scale ? 's were' : ' was'} deleted.`,
      );
      break;
    default:
      break;
  }
  return 0;
}

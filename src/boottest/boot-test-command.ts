/**
 * `templates boot-test`: boots a template's user-data locally (src/boottest/) with the plan
 * deploy would send, and reports each boot step, the health check and the timings.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DEPLOY_FILE } from '../catalog/index.js';
import type { CommandArgs, CommandContext } from '../cli/framework/command.js';
import { Progress } from '../cli/framework/output.js';
import { APP_CONF_PATH, LIB_DIR } from '../cloudinit/layout.js';
import { preparePlan } from '../deploy/prepare.js';
import { CliError } from '../errors.js';
import { userDataPayloadOf } from '../plan/redact.js';
import type { DeployPlan } from '../plan/types.js';
import { megabytes, printResult } from './print.js';
import { directorySize } from './rootfs.js';
import {
  bootCacheDirectory,
  bootImageFor,
  bootPrerequisiteProblem,
  bootTest,
  capabilitiesThatCannotRun,
  type HealthProbe,
} from './session.js';

export interface BootTestOptions {
  readonly image: string | undefined;
  readonly 'env-file': string | undefined;
  readonly timeout: number | undefined;
  readonly keep: boolean;
  readonly 'prune-cache': boolean;
  readonly json: boolean;
}

type Args = CommandArgs<BootTestOptions, { readonly template: string | undefined }>;

const DEFAULT_TIMEOUT_SECONDS = 900;

/**
 * One probe with the instance's own health-wait script and the template's settings, without
 * the initial delay and retries (the boot's wait-healthy step already waited).
 */
function healthProbe(plan: DeployPlan): HealthProbe | undefined {
  const health = plan.template.deploy.linode.container?.health;
  if (!health) return undefined;
  const script = [
    'set -e',
    'mkdir -p /run/linode-build-probe',
    `sed -e 's/^HEALTH_INITIAL_DELAY=.*/HEALTH_INITIAL_DELAY=0/' -e 's/^HEALTH_MAX_RETRIES=.*/HEALTH_MAX_RETRIES=1/' ${APP_CONF_PATH} > /run/linode-build-probe/app.conf`,
    `LINODE_BUILD_ETC=/run/linode-build-probe exec ${LIB_DIR}/health-wait`,
  ].join('\n');
  return { type: health.type, argv: ['bash', '-c', script] };
}

export async function templatesBootTest(args: Args, context: CommandContext): Promise<number> {
  const { options } = args;
  const { out, env, cwd } = context;
  const cacheDir = bootCacheDirectory(env);
  if (options['prune-cache']) {
    const size = existsSync(cacheDir) ? directorySize(cacheDir) : 0;
    rmSync(cacheDir, { recursive: true, force: true });
    out.line(`Deleted the boot-test cache ${cacheDir} (${megabytes(size)}).`);
    return 0;
  }
  const problem = await bootPrerequisiteProblem();
  if (problem) throw new CliError(`${problem}.`);

  const target = args.positionals.template ?? '.';
  const directory = path.resolve(cwd, target);
  const fromProject = existsSync(path.join(directory, DEPLOY_FILE));
  // The same preparation as plan and deploy --dry-run: the user-data deploy would send.
  const prepared = await preparePlan({
    cwd,
    env,
    mode: 'preview',
    ...(fromProject ? { directory } : { template: target }),
    image: options.image,
    envFile: options['env-file'],
    now: new Date(),
  });
  const { plan } = prepared;
  for (const secret of plan.secretValues) out.redact(secret);
  let image: ReturnType<typeof bootImageFor>;
  try {
    image = bootImageFor(plan.context.image);
  } catch (error) {
    throw new CliError(`${(error as Error).message}.`, 'Pass --image with one of them.');
  }

  const progress = new Progress(out);
  const size = existsSync(cacheDir) ? directorySize(cacheDir) : 0;
  progress.step(`${prepared.description}: ${plan.steps.length} boot steps on ${image.image}`);
  progress.step(`cache ${cacheDir} (${megabytes(size)}; --prune-cache deletes it)`);
  if (prepared.placeholders.length > 0) {
    progress.step(`placeholder values for ${prepared.placeholders.join(', ')} (no .env given)`);
  }
  const result = await bootTest({
    image,
    cacheDir,
    userData: userDataPayloadOf(plan),
    health: healthProbe(plan),
    timeoutMs: (options.timeout ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
    keep: options.keep,
    cannotRun: capabilitiesThatCannotRun(plan.capabilities.map((capability) => capability.name)),
    progress: (line) => progress.step(line),
  });
  if (options.json) out.json(result);
  else printResult(out, result);
  const ok = result.state === 'done' && result.healthy !== false;
  return ok ? 0 : 1;
}

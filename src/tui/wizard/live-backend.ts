/**
 * The wizard's production backend: `init`'s initProject writes the project, then the same
 * domain steps as `deploy --wait` (prepareDeployment, preflight, createDeployment,
 * waitUntilRunning, waitUntilHealthy, the watcher's boot reporter) create and follow it. Every
 * stage the monitor shows comes from one of those calls: API status changes are observed on
 * the instance reads waitUntilRunning makes, boot steps from the watcher when it is enabled.
 */
import path from 'node:path';
import { registryKnowledge } from '../../catalog/capability-names.js';
import { listTemplates, resolveTemplate } from '../../catalog/index.js';
import { checkTargetDirectory, initProject, writeProjectDotenv } from '../../catalog/init-project.js';
import { type BootReporter, bootSource, reportBoot } from '../../deploy/boot-watch.js';
import { createDeployment } from '../../deploy/create.js';
import { preflight } from '../../deploy/preflight.js';
import { prepareDeployment } from '../../deploy/prepare.js';
import { WaitFailure, waitUntilHealthy, waitUntilRunning } from '../../deploy/wait.js';
import { pollInterval } from '../../destroy/destroy.js';
import { CliError } from '../../errors.js';
import { LinodeClient } from '../../linode/client.js';
import { upsertDeployment } from '../../state/registry.js';
import type { DeploymentRecord } from '../../state/types.js';
import { appUrl } from '../../status/endpoint.js';
import type { BootStepState } from '../data.js';
import type { MonitorSession } from '../monitor/model.js';
import type { TemplateChoice, WizardAnswers, WizardBackend, WizardCatalog } from './types.js';

export interface LiveWizardOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly now?: () => number;
  /** Seconds the deploy may take to become healthy (as `deploy --timeout`). */
  readonly timeoutSeconds?: number;
}

const DEFAULT_TIMEOUT_SECONDS = 1200;
/** As `deploy --wait`: a watcher that does not answer in time is skipped for this poll. */
const WATCHER_TIMEOUT_MS = 3000;

export function createWizardBackend(options: LiveWizardOptions): WizardBackend {
  const { env, cwd } = options;
  const now = options.now ?? Date.now;
  let client: Promise<LinodeClient> | undefined;
  const connect = () => {
    client ??= LinodeClient.connect(env).catch((error: unknown) => {
      client = undefined;
      throw error;
    });
    return client;
  };

  return {
    async templates() {
      const knowledge = await registryKnowledge();
      const choices: TemplateChoice[] = [];
      for (const entry of listTemplates({ env })) {
        if (!entry.valid) continue;
        const { template } = resolveTemplate(entry.name, { cwd, env, knowledge });
        const linode = template.deploy.linode;
        choices.push({
          name: template.name,
          displayName: template.display_name,
          description: template.description,
          source: entry.source,
          requiredEnv: template.env.required.map((v) => ({ name: v.name, description: v.description })),
          ...(linode.region_default ? { regionDefault: linode.region_default } : {}),
          ...(linode.type_default ? { typeDefault: linode.type_default } : {}),
          needsGpu: template.capabilities.features.some((feature) => feature.name === 'gpu-nvidia'),
        });
      }
      return choices;
    },

    async catalog(): Promise<WizardCatalog> {
      const api = await connect();
      const [regions, types] = await Promise.all([api.listRegions(), api.listTypes()]);
      return {
        regions: regions
          .filter((region) => region.capabilities.includes('Metadata'))
          .map((region) => ({
            id: region.id,
            label: region.label,
            gpu: region.capabilities.includes('GPU Linodes'),
          })),
        types: types.map((type) => ({
          id: type.id,
          label: type.label,
          typeClass: type.class,
          ...(typeof type.price?.hourly === 'number' ? { hourly: type.price.hourly } : {}),
          gpus: type.gpus ?? 0,
          vcpus: type.vcpus,
          memory: type.memory,
        })),
      };
    },

    checkDirectory(directory) {
      try {
        checkTargetDirectory(path.resolve(cwd, directory), directory);
        return undefined;
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    },

    async start(answers, session) {
      try {
        await deploy(answers, session);
      } catch (error) {
        session.emit({
          kind: 'failed',
          at: now(),
          message: error instanceof Error ? error.message : String(error),
          ...(error instanceof CliError && error.hint ? { hint: error.hint } : {}),
          lastLines: error instanceof WaitFailure ? error.lastLines : [],
        });
      }
    },
  };

  async function deploy(answers: WizardAnswers, session: MonitorSession): Promise<void> {
    const stage = (id: string, label: string) => session.emit({ kind: 'stage', id, label, at: now() });
    const note = (text: string) => session.emit({ kind: 'note', text, at: now() });

    stage('write', `Writing the project to ${answers.directory}`);
    const project = await initProject({
      cwd,
      env,
      template: answers.template.name,
      directory: answers.directory,
      region: answers.region,
      type: answers.type,
      appName: answers.appName,
    });
    if (Object.keys(answers.envValues).length > 0) {
      // The directory was new or empty, so there is no .env to overwrite (createOnly makes sure).
      await writeProjectDotenv(project.target, answers.envValues);
    }
    note(
      `Wrote ${[...project.files, ...(Object.keys(answers.envValues).length > 0 ? ['.env'] : [])].join(', ')}`,
    );

    stage('prepare', 'Planning');
    const prepared = await prepareDeployment({
      cwd,
      env,
      directory: project.target,
      envName: answers.envName,
      sshKeyFiles: [],
      noRootPass: false,
      now: new Date(now()),
    });
    const { plan } = prepared;
    const api = await connect();

    stage('preflight', 'Checking region, image and plan with the Linode API');
    const facts = await preflight(api, plan);
    if (facts.hourlyPrice !== undefined) note(`${plan.context.type} costs $${facts.hourlyPrice}/hour`);

    stage('create', 'Creating firewall and instance');
    const { record, instance } = await createDeployment({
      env,
      client: api,
      plan,
      projectDir: prepared.projectDir,
      secrets: prepared.localSecrets,
      ...(prepared.watcherPort !== undefined ? { watcherPort: prepared.watcherPort } : {}),
      progress: note,
      now: () => new Date(now()),
    });
    session.emit({
      kind: 'deployment',
      id: record.id,
      label: record.label,
      ...(record.ipv4 ? { ipv4: record.ipv4 } : {}),
      at: now(),
    });

    const waitContext = {
      client: observeStatus(api, (status) => stage(`status:${status}`, `Instance ${status}`)),
      env,
      step: note,
      deadline: now() + (options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
      pollMs: pollInterval(env),
      now,
      boot: await monitoredBoot(env, record, session, now, note),
    };
    try {
      await waitUntilRunning(waitContext, record, instance.id);
      const check = plan.template.deploy.linode.container?.health;
      const url = appUrl(record.hostname, record.externalPort) ?? record.ipv4 ?? record.id;
      if (check) {
        stage('health', 'Health check');
        const outcome = await waitUntilHealthy(waitContext, record, check);
        await upsertDeployment(env, { ...record, updatedAt: new Date(now()).toISOString() });
        session.emit({
          kind: 'done',
          at: now(),
          summary: outcome ? `Healthy (${outcome.result.detail}): ${url}` : `Running: ${url}`,
        });
      } else {
        await upsertDeployment(env, { ...record, updatedAt: new Date(now()).toISOString() });
        session.emit({
          kind: 'done',
          at: now(),
          summary: `Running (the template has no health check): ${url}`,
        });
      }
    } finally {
      waitContext.boot?.close?.();
    }
  }
}

/** The same client, with every instance read also reporting the status it saw. */
function observeStatus(client: LinodeClient, onStatus: (status: string) => void): LinodeClient {
  let last: string | undefined;
  const observed = Object.create(client) as LinodeClient;
  observed.getInstance = async (id: number) => {
    const instance = await client.getInstance(id);
    if (instance && instance.status !== last) {
      last = instance.status;
      onStatus(instance.status);
    }
    return instance;
  };
  return observed;
}

/** The watcher's step states in the dashboard's words (`ok` is the watcher's "done"). */
function stepState(state: string): BootStepState {
  if (state === 'ok') return 'done';
  return (
    (['pending', 'running', 'done', 'failed', 'skipped'] as const).find((known) => known === state) ??
    'pending'
  );
}

/**
 * Boot progress from the deployment's watcher, when it runs one: the monitor gets the
 * structured steps, and the deploy's own rule (reportBoot) decides when a failed step ends the
 * wait. An unreachable watcher is not an error (the health check still decides). Undefined
 * when the watcher is not enabled. LINODE_BUILD_WATCHER_URL (tests) as for `deploy --wait`.
 */
async function monitoredBoot(
  env: NodeJS.ProcessEnv,
  record: DeploymentRecord,
  session: MonitorSession,
  now: () => number,
  note: (text: string) => void,
): Promise<BootReporter | undefined> {
  // Direct only to this machine (tests); otherwise through an SSH tunnel, as for deploy --wait.
  const source = await bootSource(env, record, { timeoutMs: WATCHER_TIMEOUT_MS });
  if (!source) return undefined;
  const reported = new Map<string, string>();
  return {
    close: () => source.close(),
    current: () => source.problem(),
    async poll() {
      const boot = await source.read();
      if (!boot) return undefined;
      session.emit({
        kind: 'boot',
        at: now(),
        steps: boot.steps.map((step) => ({
          name: step.description || step.name || step.id,
          state: stepState(step.state),
          ...(step.started_at ? { startedAt: step.started_at } : {}),
          ...(step.finished_at ? { finishedAt: step.finished_at } : {}),
          ...(step.state === 'failed' && step.output_tail ? { detail: step.output_tail } : {}),
        })),
      });
      return reportBoot(boot, reported, note);
    },
  };
}

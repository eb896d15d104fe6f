/**
 * The wizard's production backend: `init`'s initProject writes the project, then
 * `runDeployment` — the same function `deploy --wait` runs — creates and follows it. Every
 * stage the monitor shows is one of its events (stages, steps, instance statuses); boot steps
 * come from the watcher when it is enabled.
 */
import path from 'node:path';
import { capabilityKnowledge } from '../../capability/knowledge.js';
import { listTemplates, resolveTemplate } from '../../catalog/index.js';
import { checkTargetDirectory, initProject, writeProjectDotenv } from '../../catalog/init-project.js';
import { type BootReporter, bootSource, reportBoot } from '../../deploy/boot-watch.js';
import { runDeployment } from '../../deploy/run.js';
import { WaitFailure } from '../../deploy/wait.js';
import { CliError } from '../../errors.js';
import { LinodeClient } from '../../linode/client.js';
import type { DeploymentRecord } from '../../state/types.js';
import { appUrl } from '../../status/endpoint.js';
import type { BootStepState } from '../data.js';
import type { MonitorSession } from '../monitor/model.js';
import type { TemplateChoice, WizardAnswers, WizardBackend, WizardOfferings } from './types.js';

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
      const knowledge = await capabilityKnowledge();
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

    async offerings(): Promise<WizardOfferings> {
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

    const outcome = await runDeployment(
      {
        cwd,
        env,
        directory: project.target,
        envName: answers.envName,
        sshKeyFiles: [],
        noRootPass: false,
        now: new Date(now()),
        wait: true,
        timeoutSeconds: options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
        replace: false,
        fresh: false,
      },
      {
        connect,
        now,
        // The wizard's review screen was the confirmation.
        confirm: async () => true,
        onEvent: (event) => {
          switch (event.kind) {
            case 'stage':
              stage(event.id, event.label);
              break;
            case 'step':
              note(event.text);
              break;
            case 'instance-status':
              stage(`status:${event.status}`, `Instance ${event.status}`);
              break;
            case 'created':
              if (event.hourlyPrice !== undefined) {
                note(`${event.record.type} costs $${event.hourlyPrice}/hour`);
              }
              session.emit({
                kind: 'deployment',
                id: event.record.id,
                label: event.record.label,
                ...(event.record.ipv4 ? { ipv4: event.record.ipv4 } : {}),
                at: now(),
              });
              break;
            default:
              break;
          }
        },
        boot: (record) => monitoredBoot(env, record, session, now, note),
      },
    );
    const record = outcome.record;
    const url = record ? (appUrl(record.hostname, record.externalPort) ?? record.ipv4 ?? record.id) : '';
    const hasCheck = outcome.prepared.plan.template.deploy.linode.container?.health !== undefined;
    session.emit({
      kind: 'done',
      at: now(),
      summary: outcome.health
        ? `Healthy (${outcome.health.result.detail}): ${url}`
        : hasCheck
          ? `Running: ${url}`
          : `Running (the template has no health check): ${url}`,
    });
  }
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

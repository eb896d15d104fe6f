/**
 * What the init wizard reads (templates, regions, types) and does (write the project and
 * deploy it), behind one interface so the screens are tested against fakes and production uses
 * the same functions as `init` and `deploy`.
 */
import type { MonitorSession } from '../monitor/model.js';

export interface RequiredEnvVar {
  readonly name: string;
  readonly description: string;
}

export interface TemplateChoice {
  readonly name: string;
  readonly displayName: string;
  readonly description: string;
  readonly source: 'bundled' | 'user';
  readonly requiredEnv: readonly RequiredEnvVar[];
  readonly regionDefault?: string;
  readonly typeDefault?: string;
  /** The template uses the gpu-nvidia feature, so only a GPU plan can run it. */
  readonly needsGpu?: boolean;
}

export interface RegionChoice {
  readonly id: string;
  readonly label: string;
  /** The API lists "GPU Linodes" among the region's capabilities. */
  readonly gpu: boolean;
}

export interface TypeChoice {
  readonly id: string;
  readonly label: string;
  /** The API's class: gpu, dedicated, standard, highmem, premium, nanode… */
  readonly typeClass: string;
  readonly hourly?: number;
  readonly gpus: number;
  readonly vcpus: number;
  /** MB. */
  readonly memory: number;
}

export interface WizardOfferings {
  /** Only regions with the Metadata capability (without it the instance boots unconfigured). */
  readonly regions: readonly RegionChoice[];
  readonly types: readonly TypeChoice[];
}

export interface WizardAnswers {
  readonly template: TemplateChoice;
  readonly region: string;
  readonly type: string;
  readonly appName: string;
  readonly envName: string;
  /** As typed (relative to the dashboard's working directory). */
  readonly directory: string;
  /** Required variables' values, written to the project's .env (0600). Secret: never shown. */
  readonly envValues: Readonly<Record<string, string>>;
}

export interface WizardBackend {
  templates(): Promise<TemplateChoice[]>;
  offerings(): Promise<WizardOfferings>;
  /** Why the directory cannot take a new project, or undefined when it can. */
  checkDirectory(directory: string): string | undefined;
  /**
   * Writes the project and deploys it, reporting every stage to `session`. Never rejects:
   * a failure is reported as the session's outcome.
   */
  start(answers: WizardAnswers, session: MonitorSession): Promise<void>;
}

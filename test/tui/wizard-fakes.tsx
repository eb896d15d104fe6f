/** A scriptable wizard backend and an App render with it, for the wizard and monitor tests. */
import { render } from 'ink-testing-library';
import { App } from '../../src/tui/App.js';
import type { DataSource } from '../../src/tui/data.js';
import type { MonitorEvent, MonitorSession } from '../../src/tui/monitor/model.js';
import type {
  TemplateChoice,
  TypeChoice,
  WizardAnswers,
  WizardBackend,
  WizardOfferings,
} from '../../src/tui/wizard/types.js';
import { NOW } from './fake-source.js';
import { type Harness, sleep } from './harness.js';

export const TEMPLATES: TemplateChoice[] = [
  {
    name: 'embeddings-python',
    displayName: 'Embeddings API',
    description: 'Sentence embeddings over HTTP',
    source: 'bundled',
    requiredEnv: [],
    regionDefault: 'us-sea',
    typeDefault: 'g6-standard-2',
  },
  {
    name: 'llm-api',
    displayName: 'LLM API',
    description: 'An OpenAI-compatible LLM server',
    source: 'bundled',
    requiredEnv: [
      { name: 'HF_TOKEN', description: 'Hugging Face token' },
      { name: 'API_KEY', description: 'key clients must send' },
    ],
    regionDefault: 'us-ord',
    typeDefault: 'g2-gpu-rtx4000a1-s',
    needsGpu: true,
  },
];

/** 44 types over five classes: far more than the original's 15 visible choices. */
export function manyTypes(): TypeChoice[] {
  const types: TypeChoice[] = [];
  const classes: [string, number][] = [
    ['standard', 12],
    ['dedicated', 12],
    ['highmem', 8],
    ['gpu', 8],
    ['nanode', 1],
    ['premium', 3],
  ];
  for (const [typeClass, count] of classes) {
    for (let i = 1; i <= count; i++) {
      const gpus = typeClass === 'gpu' ? 1 + (i % 4) : 0;
      types.push({
        // GPU plans follow Linode's naming (g1-gpu-*/g2-gpu-*), which the GPU rule checks.
        id:
          typeClass === 'gpu'
            ? `g2-gpu-test-${i}`
            : typeClass === 'standard' && i === 2
              ? 'g6-standard-2'
              : `g6-${typeClass}-${i}`,
        label: `${typeClass} ${i}`,
        typeClass,
        hourly: Number((0.01 * i * (gpus > 0 ? 50 : 1)).toFixed(3)),
        gpus,
        vcpus: i,
        memory: 1024 * i,
      });
    }
  }
  types.push({
    id: 'g2-gpu-rtx4000a1-s',
    label: 'RTX4000 Ada x1 Small',
    typeClass: 'gpu',
    hourly: 0.52,
    gpus: 1,
    vcpus: 4,
    memory: 16384,
  });
  return types;
}

export const CATALOG: WizardOfferings = {
  regions: [
    { id: 'us-east', label: 'Newark, NJ', gpu: false },
    { id: 'us-ord', label: 'Chicago, IL', gpu: true },
    { id: 'us-sea', label: 'Seattle, WA', gpu: true },
  ],
  types: manyTypes(),
};

export class FakeWizard implements WizardBackend {
  started: WizardAnswers[] = [];
  sessions: MonitorSession[] = [];
  takenDirectories = new Set<string>(['./taken']);
  /** Events start() emits at once; later ones through `emit`. */
  script: MonitorEvent[] = [];
  finished = false;
  offeringsError: Error | undefined;

  async templates(): Promise<TemplateChoice[]> {
    return TEMPLATES;
  }

  async offerings(): Promise<WizardOfferings> {
    if (this.offeringsError) throw this.offeringsError;
    return CATALOG;
  }

  checkDirectory(directory: string): string | undefined {
    return this.takenDirectories.has(directory) ? `${directory} is not empty.` : undefined;
  }

  async start(answers: WizardAnswers, session: MonitorSession): Promise<void> {
    this.started.push(answers);
    this.sessions.push(session);
    for (const event of this.script) session.emit(event);
  }

  /** Emits into the running session, as the deploy would later on. */
  emit(event: MonitorEvent): void {
    this.sessions.at(-1)!.emit(event);
  }
}

export function renderWizardApp(source: DataSource, wizard: WizardBackend, rows = 30): Harness {
  const instance = render(
    <App
      source={source}
      wizard={wizard}
      intervalMs={0}
      now={() => NOW}
      tickMs={0}
      color={false}
      size={{ columns: 100, rows }}
    />,
  );
  const frame = () => instance.lastFrame() ?? '';
  return {
    frame,
    async press(...keys) {
      for (const key of keys) {
        await sleep(25);
        instance.stdin.write(key);
      }
      await sleep(25);
    },
    async waitFor(predicate, what = 'condition') {
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline) {
        if (predicate(frame())) return frame();
        await sleep(5);
      }
      throw new Error(`timed out waiting for ${what}; last frame:\n${frame()}`);
    },
    unmount: () => instance.unmount(),
    stdoutFrames: () => instance.frames,
  };
}

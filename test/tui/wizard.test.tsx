/**
 * The init wizard (`n` on the dashboard), step by step against a fake backend: templates,
 * Metadata regions with GPU marks, every type reachable by scrolling, names, directory,
 * required env (masked), confirm; Esc goes back; nothing starts before the confirm.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { orderTypes } from '../../src/tui/wizard/choices.js';
import { FakeSource, view } from './fake-source.js';
import { type Harness, KEYS } from './harness.js';
import { CATALOG, FakeWizard, renderWizardApp } from './wizard-fakes.js';

let app: Harness | undefined;
afterEach(() => {
  app?.unmount();
  app = undefined;
});

const END = '\u001b[F';
const selectedRow = (frame: string) => frame.split('\n').find((line) => line.includes('▶')) ?? '';

async function open(wizard = new FakeWizard(), source = new FakeSource([view('aaaa1111')])) {
  app = renderWizardApp(source, wizard);
  await app.waitFor((f) => f.includes('aaaa1111'), 'the dashboard');
  await app.press('n');
  await app.waitFor((f) => f.includes('New deployment · Template') && f.includes('llm-api'), 'the wizard');
  return { app, wizard };
}

/** Template (by position) → region → type with their defaults, up to the app name step. */
async function toAppStep(h: Harness, templateDowns = 0) {
  for (let i = 0; i < templateDowns; i++) await h.press(KEYS.down);
  await h.press(KEYS.enter);
  await h.waitFor((f) => f.includes('Region') && f.includes('us-east'), 'the region step');
  await h.press(KEYS.enter);
  await h.waitFor((f) => f.includes('Instance type') && f.includes('$'), 'the type step');
  await h.press(KEYS.enter);
  await h.waitFor((f) => f.includes('App name (instance'), 'the app step');
}

describe('wizard: template and region', () => {
  it('n opens the wizard with every template; Esc on the first step returns to the dashboard', async () => {
    const { app, wizard } = await open();
    const frame = app.frame();
    expect(frame).toContain('embeddings-python');
    expect(frame).toContain('llm-api');
    expect(frame).toContain('(needs 2 env)');
    expect(frame).toContain('step 1 of 8');
    await app.press(KEYS.escape);
    await app.waitFor((f) => f.includes('aaaa1111') && !f.includes('New deployment'), 'the dashboard again');
    expect(wizard.started).toEqual([]);
  });

  it('lists only the regions it is given (Metadata ones), marks GPU regions, preselects the default', async () => {
    const { app } = await open();
    await app.press(KEYS.enter);
    const frame = await app.waitFor((f) => f.includes('us-east'), 'the region step');
    expect(frame).toContain('Region (with cloud-init metadata)');
    expect(frame).toMatch(/us-ord +Chicago, IL +\[GPU\]/);
    expect(frame).not.toMatch(/us-east.*\[GPU\]/);
    // embeddings-python's region_default is us-sea.
    expect(selectedRow(frame)).toContain('us-sea');
    await app.press(KEYS.up);
    await app.waitFor((f) => selectedRow(f).includes('us-ord'), 'the selection to move up');
  });

  it('says why when the regions and types cannot be loaded', async () => {
    const wizard = new FakeWizard();
    wizard.offeringsError = new Error('no Linode token');
    const { app } = await open(wizard);
    await app.press(KEYS.enter);
    await app.waitFor((f) => f.includes('! no Linode token'), 'the load error');
  });
});

describe('wizard: instance types', () => {
  it('groups types by class with prices and GPU marks, and scrolls to every one of them', async () => {
    const { app, wizard } = await open();
    await app.press(KEYS.enter);
    await app.waitFor((f) => f.includes('us-east'), 'the region step');
    await app.press(KEYS.enter);
    let frame = await app.waitFor((f) => f.includes('Instance type'), 'the type step');
    const ordered = orderTypes(CATALOG.types);
    expect(ordered.length).toBeGreaterThan(40);
    // GPU types come first; the template's default (g6-standard-2) is preselected.
    expect(ordered[0]!.typeClass).toBe('gpu');
    expect(selectedRow(frame)).toContain('g6-standard-2');
    expect(frame).toMatch(/Shared CPU/);
    expect(frame).toMatch(/\$0\.020\/h/);
    expect(frame).toMatch(/\(\d+\/45\)/);

    // From the top, down 25 times: well past the 15th entry, the list scrolls.
    await app.press('\u001b[H');
    await app.waitFor((f) => f.includes('(1/45)'), 'the first type');
    for (let i = 0; i < 25; i++) await app.press(KEYS.down);
    const target = ordered[25]!;
    frame = await app.waitFor((f) => selectedRow(f).includes(`${target.id} `), `${target.id} selected`);
    expect(frame).toMatch(/↑ \d+ more/);
    expect(frame).toMatch(/↓ \d+ more/);
    expect(frame).toContain('(26/45)');
    expect(frame).not.toContain(ordered[0]!.id);

    // End reaches the last type; every line still fits the terminal.
    await app.press(END);
    const last = ordered.at(-1)!;
    frame = await app.waitFor((f) => selectedRow(f).includes(last.id), 'the last type');
    expect(frame).toContain('(45/45)');
    expect(frame.split('\n').every((line) => [...line].length <= 100)).toBe(true);

    // GPU types are marked: go to the first (Home) and check the mark.
    await app.press('\u001b[H');
    frame = await app.waitFor((f) => selectedRow(f).includes(ordered[0]!.id), 'the first type');
    expect(selectedRow(frame)).toMatch(/GPU×\d/);
    expect(frame).toContain('GPU');

    // The chosen type is what the deploy gets.
    await app.press(END, KEYS.enter, KEYS.enter, KEYS.enter, KEYS.enter);
    frame = await app.waitFor((f) => f.includes('Confirm'), 'the confirm step');
    expect(frame).toContain(last.id);
    await app.press(KEYS.enter);
    await app.waitFor(() => wizard.started.length === 1, 'the deploy to start');
    expect(wizard.started[0]!.type).toBe(last.id);
  });
});

describe('wizard: names, directory, required env, confirm', () => {
  it('takes the defaults through to a confirm that starts exactly one deploy', async () => {
    const { app, wizard } = await open();
    await toAppStep(app);
    expect(app.frame()).toContain('> embeddings-python');
    await app.press(KEYS.enter);
    await app.waitFor((f) => f.includes('> prod'), 'the env step');
    await app.press(KEYS.enter);
    await app.waitFor((f) => f.includes('> ./embeddings-python'), 'the directory step');
    await app.press(KEYS.enter);
    // No required env: straight to confirm.
    const frame = await app.waitFor((f) => f.includes('Template   embeddings-python'), 'the summary');
    expect(frame).toContain('Region     us-sea');
    expect(frame).toContain('g6-standard-2');
    expect(frame).toContain('.env       not needed');
    expect(wizard.started).toEqual([]);
    await app.press(KEYS.enter);
    await app.waitFor((f) => f.includes('Deploying ·'), 'the monitor');
    expect(wizard.started).toHaveLength(1);
    expect(wizard.started[0]).toMatchObject({
      region: 'us-sea',
      type: 'g6-standard-2',
      appName: 'embeddings-python',
      envName: 'prod',
      directory: './embeddings-python',
      envValues: {},
    });
  });

  it('refuses invalid names and a used directory, and keeps the user on that step', async () => {
    const { app, wizard } = await open();
    await toAppStep(app);
    await app.press(...Array(20).fill(KEYS.backspace), 'My', ' App', KEYS.enter);
    await app.waitFor((f) => f.includes('! App name: use lowercase'), 'the app name refusal');
    await app.press(...Array(6).fill(KEYS.backspace), 'chat', KEYS.enter);
    await app.waitFor((f) => f.includes('Environment name'), 'the env step');
    await app.press(KEYS.backspace, KEYS.backspace, KEYS.backspace, KEYS.backspace, 'staging', KEYS.enter);
    let frame = await app.waitFor((f) => f.includes('> ./chat'), 'the directory step (default ./<app>)');
    await app.press(...Array(6).fill(KEYS.backspace), './taken', KEYS.enter);
    frame = await app.waitFor((f) => f.includes('! ./taken is not empty.'), 'the directory refusal');
    expect(frame).toContain('Project directory');
    await app.press(...Array(5).fill(KEYS.backspace), 'fresh', KEYS.enter);
    frame = await app.waitFor((f) => f.includes('Confirm'), 'the confirm step');
    expect(frame).toContain('App / env  chat / staging');
    expect(frame).toContain('Directory  ./fresh');
    expect(wizard.started).toEqual([]);
  });

  it('asks for every required variable, masked, refuses an empty one, and passes them to the deploy', async () => {
    const canaryToken = 'hf_CANARY_4b1d9e';
    const canaryKey = 'key-CANARY-77';
    const { app, wizard } = await open();
    await toAppStep(app, 1);
    await app.press(KEYS.enter, KEYS.enter, KEYS.enter);
    let frame = await app.waitFor((f) => f.includes('1 of 2: HF_TOKEN'), 'the first variable');
    expect(frame).toContain('Hugging Face token');
    expect(frame).toContain('mode 0600');
    await app.press(KEYS.enter);
    await app.waitFor((f) => f.includes('! HF_TOKEN is required by this template.'), 'the refusal');
    await app.press(canaryToken);
    frame = await app.waitFor((f) => f.includes('•'.repeat(canaryToken.length)), 'the masked value');
    await app.press(KEYS.enter, canaryKey, KEYS.enter);
    frame = await app.waitFor((f) => f.includes('Confirm'), 'the confirm step');
    expect(frame).toContain('.env       HF_TOKEN, API_KEY (values hidden)');
    await app.press(KEYS.enter);
    await app.waitFor(() => wizard.started.length === 1, 'the deploy');
    expect(wizard.started[0]!.envValues).toEqual({ HF_TOKEN: canaryToken, API_KEY: canaryKey });
    expect(wizard.started[0]!.template.name).toBe('llm-api');
    expect(wizard.started[0]!.type).toBe('g2-gpu-rtx4000a1-s');
    // No frame ever showed a value.
    for (const shown of app.stdoutFrames()) {
      expect(shown).not.toContain(canaryToken);
      expect(shown).not.toContain(canaryKey);
    }
  });

  it('Esc goes back one step at a time, keeping what was typed, and never starts a deploy', async () => {
    const { app, wizard } = await open();
    await toAppStep(app, 1);
    await app.press(KEYS.backspace, KEYS.backspace, KEYS.backspace, 'xyz', KEYS.enter);
    await app.press(KEYS.enter, KEYS.enter);
    await app.waitFor((f) => f.includes('1 of 2: HF_TOKEN'), 'the first variable');
    await app.press('secret-one', KEYS.enter);
    await app.waitFor((f) => f.includes('2 of 2: API_KEY'), 'the second variable');
    const back = async (what: string, predicate: (f: string) => boolean) => {
      await app.press(KEYS.escape);
      return app.waitFor(predicate, what);
    };
    let frame = await back('the first variable again', (f) => f.includes('1 of 2: HF_TOKEN'));
    expect(frame).toContain('•'.repeat('secret-one'.length));
    await back('the directory', (f) => f.includes('> ./llm-xyz'));
    await back('the env name', (f) => f.includes('Environment name') && f.includes('> prod'));
    await back('the app name', (f) => f.includes('> llm-xyz'));
    frame = await back('the type list', (f) => f.includes('Instance type'));
    expect(selectedRow(frame)).toContain('g2-gpu-rtx4000a1-s');
    await back('the region list', (f) => f.includes('Region (with'));
    frame = await back('the template list', (f) => f.includes('New deployment · Template'));
    expect(selectedRow(frame)).toContain('llm-api');
    await back('the dashboard', (f) => f.includes('aaaa1111') && !f.includes('New deployment'));
    expect(wizard.started).toEqual([]);
  });

  it('a "?" typed into a name is text, not the help overlay', async () => {
    const { app } = await open();
    await toAppStep(app);
    await app.press('?');
    const frame = await app.waitFor((f) => f.includes('> embeddings-python?'), 'the typed ?');
    expect(frame).not.toContain('Keys');
  });

  it('a GPU template refuses a type without a GPU at the type step, with the rule init applies', async () => {
    const { app } = await open();
    await app.press(KEYS.down, KEYS.enter);
    await app.waitFor((f) => f.includes('Region (with'), 'regions');
    await app.press(KEYS.enter);
    await app.waitFor((f) => selectedRow(f).includes('g2-gpu-rtx4000a1-s'), 'the GPU default');
    await app.press(END, KEYS.enter);
    let frame = await app.waitFor((f) => f.includes('needs a GPU plan'), 'the refusal');
    expect(frame).toContain('Instance type');
    await app.press('\u001b[H', KEYS.enter);
    frame = await app.waitFor((f) => f.includes('App name (instance'), 'the app step after a GPU type');
    expect(frame).not.toContain('needs a GPU plan');
  });
});

/**
 * The wizard as a pure state machine: a key press moves it on, and the last step produces the
 * answers. Nothing is written or created here; the App acts on `finished` once the user has
 * confirmed. Esc always goes back one step (from the first step it cancels).
 */
import type { Key } from 'ink';
import { dotenvLine } from '../../env/dotenv.js';
import { CliError } from '../../errors.js';
import { gpuPlanProblem } from '../../template/rules.js';
import { indexOfId, orderTypes } from './choices.js';
import type { TemplateChoice, TypeChoice, WizardAnswers, WizardOfferings } from './types.js';

export type WizardStep = 'template' | 'region' | 'type' | 'app' | 'env' | 'directory' | 'secrets' | 'confirm';

export interface WizardState {
  readonly step: WizardStep;
  readonly templates?: readonly TemplateChoice[];
  readonly offerings?: WizardOfferings;
  /** The type list in display order (grouped by class). */
  readonly types?: readonly TypeChoice[];
  readonly loadError?: string;
  readonly templateIndex: number;
  /** Undefined: the template's default. */
  readonly regionIndex?: number;
  readonly typeIndex?: number;
  readonly appName?: string;
  readonly envName: string;
  /** Undefined: ./<app name>. */
  readonly directory?: string;
  readonly secretIndex: number;
  readonly secrets: Readonly<Record<string, string>>;
  /** What is wrong with the current step's input (shown until the next key). */
  readonly error?: string;
  readonly finished?:
    | { readonly kind: 'cancel' }
    | { readonly kind: 'confirm'; readonly answers: WizardAnswers };
}

export type WizardAction =
  | { readonly kind: 'templates'; readonly templates: readonly TemplateChoice[] }
  | { readonly kind: 'offerings'; readonly offerings: WizardOfferings }
  | { readonly kind: 'load-error'; readonly message: string }
  | {
      readonly kind: 'key';
      readonly input: string;
      readonly key: Partial<Key>;
      /** Why a directory cannot be used (I/O, passed in so this stays pure). */
      readonly checkDirectory: (directory: string) => string | undefined;
      /** Rows a page key moves. */
      readonly page: number;
    };

export const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
const NAME_HINT = 'use lowercase letters, digits and -, starting with a letter or digit';
const MAX_TEXT = 200;

export function initialWizard(): WizardState {
  return { step: 'template', templateIndex: 0, envName: 'prod', secretIndex: 0, secrets: {} };
}

export function selectedTemplate(state: WizardState): TemplateChoice | undefined {
  return state.templates?.[state.templateIndex];
}

export function regionIndex(state: WizardState): number {
  return (
    state.regionIndex ?? indexOfId(state.offerings?.regions ?? [], selectedTemplate(state)?.regionDefault)
  );
}

export function typeIndex(state: WizardState): number {
  return state.typeIndex ?? indexOfId(state.types ?? [], selectedTemplate(state)?.typeDefault);
}

export function appName(state: WizardState): string {
  return state.appName ?? selectedTemplate(state)?.name ?? '';
}

export function directory(state: WizardState): string {
  return state.directory ?? `./${appName(state)}`;
}

/** Why `.env` cannot hold this value exactly (names the variable, never the value), if it cannot. */
function dotenvProblem(name: string, value: string): string | undefined {
  try {
    dotenvLine(name, value);
    return undefined;
  } catch (error) {
    if (error instanceof CliError) return `${error.message}. ${error.hint ?? ''}`.trim();
    throw error;
  }
}

/** The steps in order (the secrets step is skipped when the template needs no variables). */
export const WIZARD_STEPS: readonly WizardStep[] = [
  'template',
  'region',
  'type',
  'app',
  'env',
  'directory',
  'secrets',
  'confirm',
];

function previous(state: WizardState): WizardState {
  if (state.step === 'template') return { ...state, finished: { kind: 'cancel' } };
  if (state.step === 'secrets' && state.secretIndex > 0)
    return { ...state, secretIndex: state.secretIndex - 1 };
  let step = WIZARD_STEPS[WIZARD_STEPS.indexOf(state.step) - 1]!;
  const required = selectedTemplate(state)?.requiredEnv ?? [];
  if (step === 'secrets' && required.length === 0) step = 'directory';
  return { ...state, step, secretIndex: step === 'secrets' ? required.length - 1 : 0 };
}

function next(state: WizardState): WizardState {
  let step = WIZARD_STEPS[WIZARD_STEPS.indexOf(state.step) + 1]!;
  if (step === 'secrets' && (selectedTemplate(state)?.requiredEnv.length ?? 0) === 0) step = 'confirm';
  return { ...state, step, secretIndex: 0 };
}

function move(index: number, delta: number | 'first' | 'last', length: number): number {
  if (length === 0) return 0;
  const target = delta === 'first' ? 0 : delta === 'last' ? length - 1 : index + delta;
  return Math.min(Math.max(0, target), length - 1);
}

function listMove(input: string, key: Partial<Key>, page: number): number | 'first' | 'last' | undefined {
  if (key.upArrow) return -1;
  if (key.downArrow) return 1;
  if (key.pageUp) return -page;
  if (key.pageDown) return page;
  if (key.home) return 'first';
  if (key.end) return 'last';
  // Letters are free on list steps (nothing is typed there), so vi keys work as on the dashboard.
  if (input === 'k') return -1;
  if (input === 'j') return 1;
  return undefined;
}

/** Printable characters only: control sequences never reach a name or a value. */
function printable(input: string): string {
  return input.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}

function editText(value: string, input: string, key: Partial<Key>): string {
  if (key.backspace || key.delete) return value.slice(0, -1);
  if (key.ctrl || key.meta || key.tab) return value;
  return (value + printable(input)).slice(0, MAX_TEXT);
}

export function answers(state: WizardState): WizardAnswers | undefined {
  const template = selectedTemplate(state);
  const region = state.offerings?.regions[regionIndex(state)];
  const type = state.types?.[typeIndex(state)];
  if (!template || !region || !type) return undefined;
  return {
    template,
    region: region.id,
    type: type.id,
    appName: appName(state),
    envName: state.envName,
    directory: directory(state),
    envValues: { ...state.secrets },
  };
}

export function wizardReducer(state: WizardState, action: WizardAction): WizardState {
  switch (action.kind) {
    case 'templates':
      return { ...state, templates: action.templates };
    case 'offerings':
      return { ...state, offerings: action.offerings, types: orderTypes(action.offerings.types) };
    case 'load-error':
      return { ...state, loadError: action.message };
    case 'key':
      if (state.finished) return state;
      return onKey({ ...state, error: undefined }, action);
  }
}

function onKey(state: WizardState, action: Extract<WizardAction, { kind: 'key' }>): WizardState {
  const { input, key } = action;
  if (key.escape) return previous(state);
  const delta = listMove(input, key, action.page);
  switch (state.step) {
    case 'template': {
      const count = state.templates?.length ?? 0;
      if (delta !== undefined) return { ...state, templateIndex: move(state.templateIndex, delta, count) };
      if (!key.return || count === 0) return state;
      // A new template brings its own defaults for region, type and app name.
      return next({
        ...state,
        regionIndex: undefined,
        typeIndex: undefined,
        appName: undefined,
        secrets: {},
      });
    }
    case 'region': {
      const count = state.offerings?.regions.length ?? 0;
      if (delta !== undefined) return { ...state, regionIndex: move(regionIndex(state), delta, count) };
      return key.return && count > 0 ? next(state) : state;
    }
    case 'type': {
      const count = state.types?.length ?? 0;
      if (delta !== undefined) return { ...state, typeIndex: move(typeIndex(state), delta, count) };
      if (!key.return || count === 0) return state;
      // The rule `init` applies, checked here so the user can pick again before anything runs.
      const chosen = state.types?.[typeIndex(state)];
      const problem = selectedTemplate(state)?.needsGpu && chosen ? gpuPlanProblem(chosen.id) : undefined;
      return problem ? { ...state, error: `${problem.message}; ${problem.hint ?? ''}` } : next(state);
    }
    case 'app': {
      if (!key.return) return { ...state, appName: editText(appName(state), input, key) };
      if (!NAME_PATTERN.test(appName(state))) return { ...state, error: `App name: ${NAME_HINT}.` };
      return next(state);
    }
    case 'env': {
      if (!key.return) return { ...state, envName: editText(state.envName, input, key) };
      if (!NAME_PATTERN.test(state.envName)) return { ...state, error: `Environment name: ${NAME_HINT}.` };
      return next(state);
    }
    case 'directory': {
      if (!key.return) return { ...state, directory: editText(directory(state), input, key) };
      const target = directory(state).trim();
      if (target === '') return { ...state, error: 'Directory: type where the project should go.' };
      const problem = action.checkDirectory(target);
      return problem ? { ...state, error: problem } : next({ ...state, directory: target });
    }
    case 'secrets': {
      const variable = selectedTemplate(state)?.requiredEnv[state.secretIndex];
      if (!variable) return next(state);
      const value = state.secrets[variable.name] ?? '';
      if (!key.return) {
        return { ...state, secrets: { ...state.secrets, [variable.name]: editText(value, input, key) } };
      }
      if (value === '') return { ...state, error: `${variable.name} is required by this template.` };
      // Refused here (by name, never showing the value) rather than after the project is written.
      const problem = dotenvProblem(variable.name, value);
      if (problem) return { ...state, error: problem };
      const last = state.secretIndex + 1 >= (selectedTemplate(state)?.requiredEnv.length ?? 0);
      return last ? next(state) : { ...state, secretIndex: state.secretIndex + 1 };
    }
    case 'confirm': {
      if (!key.return && input !== 'y') return state;
      const result = answers(state);
      return result ? { ...state, finished: { kind: 'confirm', answers: result } } : state;
    }
  }
}

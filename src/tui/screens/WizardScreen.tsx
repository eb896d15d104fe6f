/**
 * The init wizard's screens: template → region → type → app → env → directory → required env
 * → confirm. Keys go through the pure wizardReducer; this component only loads the choices,
 * draws the current step and hands the confirmed answers (or a cancel) to the App.
 */
import { Box, Text } from 'ink';
import { useEffect, useReducer, useRef } from 'react';
import { KeyHints, StatusLine, TitleBar } from '../components/chrome.js';
import { describeError } from '../hooks.js';
import type { ScreenKeys } from '../navigation.js';
import { sanitizeText } from '../sanitize.js';
import { useTone } from '../theme.js';
import { classTitle, hourlyLabel, regionLine, templateLine, typeLine } from '../wizard/choices.js';
import {
  appName,
  directory,
  initialWizard,
  regionIndex,
  selectedTemplate,
  typeIndex,
  WIZARD_STEPS,
  type WizardState,
  type WizardStep,
  wizardReducer,
} from '../wizard/state.js';
import type { WizardAnswers, WizardBackend } from '../wizard/types.js';

export interface WizardProps {
  readonly backend: WizardBackend;
  readonly width: number;
  readonly height: number;
  readonly keys: ScreenKeys;
  readonly onCancel: () => void;
  readonly onConfirm: (answers: WizardAnswers) => void;
}

const TITLES: Readonly<Record<WizardStep, string>> = {
  template: 'Template',
  region: 'Region (with cloud-init metadata)',
  type: 'Instance type',
  app: 'App name',
  env: 'Environment name',
  directory: 'Project directory',
  secrets: 'Required environment',
  confirm: 'Confirm',
};

export function WizardScreen(props: WizardProps) {
  const [state, dispatch] = useReducer(wizardReducer, undefined, initialWizard);
  const { backend } = props;
  const bodyHeight = Math.max(3, props.height - 4);

  useEffect(() => {
    let live = true;
    backend.templates().then(
      (templates) => live && dispatch({ kind: 'templates', templates }),
      (error: unknown) => live && dispatch({ kind: 'load-error', message: describeError(error) }),
    );
    // The regions and types (an API call) loads while the user picks a template.
    backend.offerings().then(
      (offerings) => live && dispatch({ kind: 'offerings', offerings }),
      (error: unknown) => live && dispatch({ kind: 'load-error', message: describeError(error) }),
    );
    return () => {
      live = false;
    };
  }, [backend]);

  props.keys.current = (input, key) =>
    dispatch({
      kind: 'key',
      input,
      key,
      checkDirectory: (target) => backend.checkDirectory(target),
      page: Math.max(1, bodyHeight - 3),
    });

  // The App acts once on the outcome (the ref guards against a second render seeing it too).
  const reported = useRef(false);
  const { onCancel, onConfirm } = props;
  useEffect(() => {
    if (!state.finished || reported.current) return;
    reported.current = true;
    if (state.finished.kind === 'cancel') onCancel();
    else onConfirm(state.finished.answers);
  }, [state.finished, onCancel, onConfirm]);

  const stepNumber = WIZARD_STEPS.indexOf(state.step) + 1;
  return (
    <Box flexDirection="column" width={props.width} height={props.height}>
      <TitleBar
        left={`New deployment · ${TITLES[state.step]}`}
        right={`step ${stepNumber} of ${WIZARD_STEPS.length}`}
      />
      <Box flexDirection="column" height={bodyHeight} overflow="hidden">
        <StepBody state={state} height={bodyHeight} />
      </Box>
      <StatusLine error={state.error ?? state.loadError} />
      <KeyHints hints={hintsFor(state.step)} />
    </Box>
  );
}

function hintsFor(step: WizardStep): (readonly [string, string])[] {
  const back: readonly [string, string] = ['Esc', step === 'template' ? 'cancel' : 'back'];
  if (step === 'confirm') return [['Enter', 'write project and deploy'], back];
  if (step === 'template' || step === 'region' || step === 'type') {
    return [['↑↓/jk', 'move'], ['PgUp/PgDn', 'page'], ['Enter', 'choose'], back];
  }
  return [['type', 'edit'], ['Enter', 'next'], back];
}

function StepBody({ state, height }: { state: WizardState; height: number }) {
  switch (state.step) {
    case 'template': {
      if (!state.templates) return <Text dimColor>loading templates…</Text>;
      if (state.templates.length === 0) return <Text>No valid templates installed.</Text>;
      const current = selectedTemplate(state);
      return (
        <>
          <ScrollList
            rows={state.templates.map((t, index) => ({ text: templateLine(t), index }))}
            selected={state.templateIndex}
            height={height - 2}
          />
          <Text dimColor wrap="truncate-end">
            {current ? sanitizeText(current.description) : ' '}
          </Text>
        </>
      );
    }
    case 'region': {
      if (!state.offerings) return <Text dimColor>loading regions from the Linode API…</Text>;
      return (
        <ScrollList
          rows={state.offerings.regions.map((region, index) => ({ text: regionLine(region), index }))}
          selected={regionIndex(state)}
          height={height}
        />
      );
    }
    case 'type': {
      if (!state.types) return <Text dimColor>loading types from the Linode API…</Text>;
      const rows: ListRow[] = [];
      let group: string | undefined;
      state.types.forEach((type, index) => {
        if (type.typeClass !== group) {
          group = type.typeClass;
          rows.push({ text: `${classTitle(group)}`, header: true });
        }
        rows.push({ text: typeLine(type), index });
      });
      return <ScrollList rows={rows} selected={typeIndex(state)} height={height} />;
    }
    case 'app':
      return <TextField label="App name (instance label, build-app tag)" value={appName(state)} />;
    case 'env':
      return <TextField label="Environment name (e.g. prod, staging)" value={state.envName} />;
    case 'directory':
      return <TextField label="Where to write the project (must be new or empty)" value={directory(state)} />;
    case 'secrets': {
      const required = selectedTemplate(state)?.requiredEnv ?? [];
      const variable = required[state.secretIndex];
      if (!variable) return null;
      const value = state.secrets[variable.name] ?? '';
      return (
        <>
          <Text>
            {`${state.secretIndex + 1} of ${required.length}: ${variable.name}`}
            {variable.description ? ` — ${sanitizeText(variable.description)}` : ''}
          </Text>
          <Text dimColor>Written to the project's .env (mode 0600); never shown.</Text>
          <TextField label={variable.name} value={'•'.repeat(value.length)} />
        </>
      );
    }
    case 'confirm':
      return <Summary state={state} />;
  }
}

function Summary({ state }: { state: WizardState }) {
  const template = selectedTemplate(state);
  const region = state.offerings?.regions[regionIndex(state)];
  const type = state.types?.[typeIndex(state)];
  const secrets = Object.keys(state.secrets);
  return (
    <>
      <Text>{`Template   ${template?.name ?? '?'} (${template ? sanitizeText(template.displayName) : ''})`}</Text>
      <Text>{`Region     ${region ? regionLine(region) : '?'}`}</Text>
      <Text>{`Type       ${type ? `${type.id}, ${hourlyLabel(type.hourly)} (billed until destroyed)` : '?'}`}</Text>
      <Text>{`App / env  ${appName(state)} / ${state.envName}`}</Text>
      <Text>{`Directory  ${directory(state)}`}</Text>
      <Text>{`.env       ${secrets.length > 0 ? `${secrets.join(', ')} (values hidden)` : 'not needed'}`}</Text>
      <Text> </Text>
      <Text bold>
        Enter writes the project and creates a billed Linode instance. Nothing is written before.
      </Text>
    </>
  );
}

function TextField({ label, value }: { label: string; value: string }) {
  return (
    <>
      <Text dimColor>{label}</Text>
      <Text>{`> ${value}█`}</Text>
    </>
  );
}

interface ListRow {
  readonly text: string;
  /** Position among the selectable items; headers have none. */
  readonly index?: number;
  readonly header?: boolean;
}

/**
 * A list that scrolls to keep the selected row in view, saying how many rows are above and
 * below, so no choice is ever out of reach (or out of mind).
 */
export function ScrollList({
  rows,
  selected,
  height,
}: {
  rows: readonly ListRow[];
  selected: number;
  height: number;
}) {
  const tone = useTone();
  const selectable = rows.filter((row) => row.index !== undefined).length;
  const at = Math.max(
    0,
    rows.findIndex((row) => row.index === selected),
  );
  const visible = Math.max(1, height - 2);
  const start = Math.min(Math.max(0, at - Math.floor(visible / 2)), Math.max(0, rows.length - visible));
  const shown = rows.slice(start, start + visible);
  const below = rows.length - start - shown.length;
  return (
    <>
      <Text dimColor>{start > 0 ? `↑ ${start} more` : ' '}</Text>
      {shown.map((row) =>
        row.header ? (
          <Text key={`h:${row.text}`} bold color={tone('cyan')} wrap="truncate-end">
            {row.text}
          </Text>
        ) : (
          <Text key={`r:${row.index}`} inverse={row.index === selected} wrap="truncate-end">
            {`${row.index === selected ? '▶' : ' '} ${sanitizeText(row.text)}`}
          </Text>
        ),
      )}
      <Text dimColor>
        {below > 0 ? `↓ ${below} more` : ' '}
        {`  (${selected + 1}/${selectable})`}
      </Text>
    </>
  );
}

/**
 * The live deploy monitor: the stages the deploy really went through with the time each took,
 * the watcher's boot steps when it runs one, what the deploy reported, and on failure the step
 * that failed with its last output lines. Leaving it (q/Esc) only leaves the screen: the
 * deploy goes on, and the deployment is on the dashboard.
 */
import { Box, Text } from 'ink';
import { useSyncExternalStore } from 'react';
import { KeyHints, LogLines, StatusLine, TitleBar } from '../components/chrome.js';
import { stepDuration, stepSymbol } from '../components/Detail.js';
import type { MonitorSession, MonitorState, Stage } from '../monitor/model.js';
import type { ScreenKeys } from '../navigation.js';
import { sanitizeLines, sanitizeText } from '../sanitize.js';
import { useTone } from '../theme.js';

export interface MonitorProps {
  readonly session: MonitorSession;
  readonly now: number;
  readonly width: number;
  readonly height: number;
  readonly keys: ScreenKeys;
  readonly onLeave: () => void;
}

/** "45s", "3m 07s": exact seconds, since these are measured. */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
}

function stageSymbol(stage: Stage): string {
  if (stage.state === 'done') return '✓';
  if (stage.state === 'failed') return '✗';
  return '▶';
}

export function MonitorScreen(props: MonitorProps) {
  const state = useSyncExternalStore(props.session.subscribe, props.session.getSnapshot);
  const tone = useTone();
  props.keys.current = (input, key) => {
    if (input === 'q' || key.escape) props.onLeave();
  };
  const now = props.now;
  const outcome = state.outcome;
  const end = outcome?.at ?? now;
  const bodyHeight = Math.max(4, props.height - 4);
  const fixed: React.ReactNode[] = [];
  for (const stage of state.stages) {
    const elapsed = formatElapsed((stage.finishedAt ?? end) - stage.startedAt);
    const color = stage.state === 'failed' ? 'red' : stage.state === 'done' ? 'green' : 'yellow';
    fixed.push(
      <Text key={`s-${stage.id}-${stage.startedAt}`} wrap="truncate-end">
        <Text color={tone(color)}>{stageSymbol(stage)}</Text>
        {` ${sanitizeText(stage.label).padEnd(52)} ${elapsed.padStart(7)}`}
      </Text>,
    );
  }
  if (state.bootSteps.length > 0) {
    fixed.push(
      <Text key="boot-h" bold>
        Boot steps (watcher)
      </Text>,
    );
    for (const [index, step] of state.bootSteps.entries()) {
      fixed.push(
        <Text key={`b-${index}`} wrap="truncate-end">
          {`  ${stepSymbol(step)} ${sanitizeText(step.name)}${stepDuration(step, now)}`}
        </Text>,
      );
    }
  }
  if (outcome?.kind === 'done') {
    fixed.push(
      <Text key="done" color={tone('green')} bold wrap="truncate-end">
        {`✓ ${sanitizeText(outcome.summary)} after ${formatElapsed(outcome.at - state.startedAt)}`}
      </Text>,
    );
  }
  let tail: readonly string[] = state.notes;
  let tailTitle = 'Activity';
  if (outcome?.kind === 'failed') {
    fixed.push(
      <Text key="fail" color={tone('red')} bold wrap="truncate-end">
        {`✗ Failed at ${sanitizeText(outcome.step)}`}
      </Text>,
      <Text key="message" wrap="wrap">
        {sanitizeText(outcome.message)}
      </Text>,
    );
    if (outcome.hint) {
      fixed.push(
        <Text key="hint" wrap="wrap">
          {sanitizeText(outcome.hint)}
        </Text>,
      );
    }
    if (outcome.lastLines.length > 0) {
      tail = outcome.lastLines;
      tailTitle = 'Last output';
    }
  }
  // Failure text wraps: count the rows it takes so the newest output lines stay on screen.
  const wrapped =
    outcome?.kind === 'failed'
      ? rowsFor(outcome.message, props.width) -
        1 +
        (outcome.hint ? rowsFor(outcome.hint, props.width) - 1 : 0)
      : 0;
  const tailHeight = Math.max(1, bodyHeight - fixed.length - wrapped - 2);
  const lines = sanitizeLines(tail).slice(-tailHeight);
  return (
    <Box flexDirection="column" width={props.width} height={props.height}>
      <TitleBar left={`Deploying · ${sanitizeText(state.title)}`} right={titleRight(state, end)} />
      <Box flexDirection="column" height={bodyHeight} overflow="hidden">
        <Box flexDirection="column" flexShrink={0}>
          {fixed}
          <Text> </Text>
          <Text bold>{tailTitle}</Text>
        </Box>
        {/* The output tail gives way when wrapped failure text needs the rows. */}
        <Box flexDirection="column" flexShrink={1} overflow="hidden">
          <LogLines lines={lines} height={tailHeight} />
        </Box>
      </Box>
      <StatusLine
        note={
          state.deployment
            ? `${state.deployment.id} · ${state.deployment.label}${state.deployment.ipv4 ? ` · ${state.deployment.ipv4}` : ''}`
            : 'no instance yet'
        }
      />
      <KeyHints
        hints={[
          ['q/Esc', outcome ? 'back to the dashboard' : 'back to the dashboard (the deploy continues)'],
          ['Ctrl-C', 'quit'],
        ]}
      />
    </Box>
  );
}

function rowsFor(text: string, width: number): number {
  return Math.max(1, Math.ceil(text.length / Math.max(1, width)));
}

function titleRight(state: MonitorState, end: number): string {
  const elapsed = formatElapsed(end - state.startedAt);
  if (state.outcome?.kind === 'failed') return `failed · ${elapsed}`;
  if (state.outcome?.kind === 'done') return `ready · ${elapsed}`;
  return `running · ${elapsed}`;
}

/**
 * Destroy confirmation and progress. The dialog names the deployment and only proceeds when
 * its full id is typed, so a stray `d` + Enter can never delete anything.
 */
import { Box, Text } from 'ink';
import type { DeploymentView } from '../../status/types.js';
import { sanitizeText } from '../sanitize.js';
import { useTone } from '../theme.js';

export interface ConfirmState {
  readonly phase: 'confirm';
  readonly target: DeploymentView;
  readonly typed: string;
  readonly mismatch: boolean;
}

export interface ProgressState {
  readonly phase: 'running' | 'done' | 'failed';
  readonly target: DeploymentView;
  readonly progress: readonly string[];
  readonly startedAt: number;
  readonly finishedAt?: number;
  readonly error?: string;
}

export type DestroyState = ConfirmState | ProgressState;

export function ConfirmDestroy({ state, width, now }: { state: DestroyState; width: number; now: number }) {
  const tone = useTone();
  const t = state.target;
  const name = `${t.id} (${sanitizeText(t.app)} / ${sanitizeText(t.env)}${t.label ? `, ${sanitizeText(t.label)}` : ''})`;
  const boxWidth = Math.min(width, 76);
  if (state.phase === 'confirm') {
    return (
      <Box flexDirection="column" borderStyle="round" borderColor={tone('red')} paddingX={1} width={boxWidth}>
        <Text bold color={tone('red')} wrap="truncate-end">
          Destroy {name}?
        </Text>
        <Text wrap="wrap">
          This deletes the Linode instance{t.linodeId ? ` ${t.linodeId}` : ''}, its firewall and the local
          record. It cannot be undone.
        </Text>
        <Text wrap="truncate-end">
          Type the id <Text bold>{t.id}</Text> and press Enter: <Text inverse>{`${state.typed} `}</Text>
        </Text>
        <Text
          color={state.mismatch ? tone('yellow') : undefined}
          dimColor={!state.mismatch}
          wrap="truncate-end"
        >
          {state.mismatch ? `That is not ${t.id}; type it exactly, or Esc to cancel.` : 'Esc cancels.'}
        </Text>
      </Box>
    );
  }
  const elapsed = Math.max(0, Math.floor(((state.finishedAt ?? now) - state.startedAt) / 1000));
  const heading =
    state.phase === 'running'
      ? `Destroying ${name}… ${elapsed}s`
      : state.phase === 'done'
        ? `Destroyed ${name} in ${elapsed}s.`
        : `Destroy of ${t.id} failed after ${elapsed}s.`;
  const color = state.phase === 'done' ? 'green' : state.phase === 'failed' ? 'red' : 'yellow';
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={tone(color)} paddingX={1} width={boxWidth}>
      <Text bold color={tone(color)} wrap="truncate-end">
        {heading}
      </Text>
      {state.progress.slice(-6).map((line, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: progress lines are positional.
        <Text key={index} wrap="truncate-end">
          {`  ${sanitizeText(line)}`}
        </Text>
      ))}
      {state.error ? (
        <Text color={tone('red')} wrap="truncate-end">
          {state.error}
        </Text>
      ) : null}
      {state.phase === 'running' ? null : <Text dimColor>Press any key to continue.</Text>}
    </Box>
  );
}

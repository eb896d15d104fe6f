/** A full-screen, scrollable view of a deployment's recent log lines (already sanitized). */
import { Box, Text } from 'ink';
import { KeyHints, LogLines, StatusLine, TitleBar } from './chrome.js';
import { logWindow } from './Detail.js';

export interface LogsProps {
  readonly title: string;
  readonly lines: readonly string[] | undefined;
  readonly error: string | undefined;
  readonly scroll: number;
  readonly width: number;
  readonly height: number;
  readonly updated: string;
}

export const LOGS_HINTS = [
  ['↑↓/jk', 'scroll'],
  ['PgUp/PgDn', 'page'],
  ['g/G', 'top/follow'],
  ['r', 'refresh'],
  ['?', 'help'],
  ['q/Esc', 'back'],
] as const;

export function Logs(props: LogsProps) {
  const rows = Math.max(1, props.height - 3);
  const { visible, scroll } = logWindow(props.lines ?? [], props.scroll, rows);
  const position = props.lines
    ? `${props.lines.length} lines${scroll > 0 ? ` · scrolled up ${scroll}` : ' · following'}`
    : '';
  return (
    <Box flexDirection="column" width={props.width} height={props.height}>
      <TitleBar left={props.title} right={[position, props.updated].filter(Boolean).join(' · ')} />
      <StatusLine
        error={props.error}
        note={props.lines && props.lines.length === 0 ? 'No log lines yet.' : undefined}
      />
      <LogLines
        lines={visible}
        height={rows}
        placeholder={
          props.lines === undefined ? (
            <Text dimColor>{props.error ? 'No log lines could be fetched.' : 'Loading logs…'}</Text>
          ) : undefined
        }
      />
      <KeyHints hints={LOGS_HINTS} />
    </Box>
  );
}

/** Lines every screen shares: the title bar, the status/error line and the key hints. */
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { useTone } from '../theme.js';

export function TitleBar({ left, right }: { left: string; right?: string }) {
  return (
    <Box width="100%">
      <Box flexGrow={1} flexShrink={1}>
        <Text bold wrap="truncate-end">
          {left}
        </Text>
      </Box>
      {right ? (
        <Box flexShrink={0} marginLeft={1}>
          <Text dimColor>{right}</Text>
        </Box>
      ) : null}
    </Box>
  );
}

/**
 * The error line: what failed, while the screen keeps showing the last good data.
 * Always one row (blank when all is well) so the layout never jumps.
 */
export function StatusLine({ error, note }: { error?: string | undefined; note?: string | undefined }) {
  const tone = useTone();
  if (error) {
    return (
      <Text color={tone('red')} wrap="truncate-end">
        ! {error}
      </Text>
    );
  }
  return (
    <Text dimColor wrap="truncate-end">
      {note ?? ' '}
    </Text>
  );
}

export function KeyHints({ hints }: { hints: readonly (readonly [string, string])[] }) {
  return (
    <Text dimColor wrap="truncate-end">
      {hints.map(([key, action]) => `${key} ${action}`).join('  ')}
    </Text>
  );
}

/** "updated 4s ago" (or why there is no data yet). */
export function updatedLabel(updatedAt: number | undefined, now: number, fetching: boolean): string {
  if (updatedAt === undefined) return fetching ? 'loading…' : 'no data yet';
  const seconds = Math.max(0, Math.floor((now - updatedAt) / 1000));
  return `${fetching ? 'refreshing · ' : ''}updated ${seconds}s ago`;
}

/** A fixed-height block of (sanitized) log lines, each cut to one row. */
export function LogLines({
  lines,
  height,
  placeholder,
}: {
  lines: readonly string[];
  height: number;
  placeholder?: ReactNode;
}) {
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      {placeholder ??
        lines.map((line, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: log lines are positional and may repeat.
          <Text key={index} wrap="truncate-end">
            {line === '' ? ' ' : line}
          </Text>
        ))}
    </Box>
  );
}

/** The help overlay: every key, on every screen. */
import { Box, Text } from 'ink';

export const HELP_KEYS: readonly (readonly [string, string])[] = [
  ['↑ ↓  j k', 'move the selection / scroll the log'],
  ['PgUp PgDn', 'move or scroll a page'],
  ['g G  Home End', 'first / last (G follows the log tail)'],
  ['Enter', 'open the selected deployment'],
  ['l', 'full log of the selected deployment'],
  ['d', 'destroy the selected deployment (asks you to type its id)'],
  ['r', 'refresh now (also automatic every interval)'],
  ['n', 'new deployment: init wizard, deploy, live monitor'],
  ['m', 'reopen the monitor of the last deploy started here'],
  ['?', 'show or hide this help'],
  ['q  Esc', 'back; quit from the deployment list'],
  ['Ctrl-C', 'quit at any time'],
];

export function Help({ width, height, interval }: { width: number; height: number; interval: number }) {
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box flexDirection="column" borderStyle="round" paddingX={1} width={Math.min(width, 72)}>
        <Text bold>Keys</Text>
        {HELP_KEYS.map(([key, action]) => (
          <Text key={key} wrap="truncate-end">
            <Text bold>{key.padEnd(15)}</Text>
            {action}
          </Text>
        ))}
        <Text
          dimColor
          wrap="truncate-end"
        >{`${interval > 0 ? `Data refreshes every ${interval / 1000}s` : 'Auto-refresh is off'}; errors keep the last good data on screen.`}</Text>
        <Text dimColor wrap="truncate-end">
          AGE shows EXP when a lifetime has passed: still billed until `linode-build reap`.
        </Text>
        <Text dimColor>Press ?, q or Esc to close.</Text>
      </Box>
    </Box>
  );
}

/** The list of deployments with totals, one row each, never wider than the terminal. */
import { Box, Text } from 'ink';
import type { DeploymentView } from '../../status/types.js';
import {
  type ColumnKey,
  cellText,
  fitCell,
  formatHourlyTotal,
  layoutColumns,
  MARKER_WIDTH,
  textWidth,
  totals,
} from '../format.js';
import { sanitizeText } from '../sanitize.js';
import { healthTone, statusTone, type Tone, useTone } from '../theme.js';
import { KeyHints, StatusLine, TitleBar } from './chrome.js';

export interface DashboardProps {
  readonly deployments: readonly DeploymentView[] | undefined;
  readonly selected: number;
  readonly now: number;
  readonly width: number;
  readonly height: number;
  readonly updated: string;
  readonly error: string | undefined;
  readonly notice?: string | undefined;
}

export const DASHBOARD_HINTS = [
  ['↑↓/jk', 'select'],
  ['⏎', 'details'],
  ['l', 'logs'],
  ['d', 'destroy'],
  ['r', 'refresh'],
  ['n', 'new'],
  ['?', 'help'],
  ['q', 'quit'],
] as const;

/** Rows taken by everything but the table body. */
const CHROME_ROWS = 4;

export function visibleWindow(count: number, selected: number, rows: number): { start: number; end: number } {
  const size = Math.max(1, rows);
  if (count <= size) return { start: 0, end: count };
  const start = Math.min(Math.max(0, selected - Math.floor(size / 2)), count - size);
  return { start, end: start + size };
}

/** The widest cell of each column, so the layout can widen columns to fit their content. */
function contentWidths(
  deployments: readonly DeploymentView[],
  now: number,
): Partial<Record<ColumnKey, number>> {
  const widths: Partial<Record<ColumnKey, number>> = {};
  for (const key of ['app', 'env', 'region', 'type', 'status'] as const) {
    widths[key] = Math.max(0, ...deployments.map((d) => textWidth(sanitizeText(cellText(d, key, now)))));
  }
  return widths;
}

export function Dashboard(props: DashboardProps) {
  const tone = useTone();
  const { deployments, width } = props;
  const columns = layoutColumns(width, contentWidths(deployments ?? [], props.now));
  const bodyRows = Math.max(1, props.height - CHROME_ROWS);
  const sum = deployments ? totals(deployments) : undefined;
  const summary = sum
    ? `${sum.count} deployment${sum.count === 1 ? '' : 's'} · ${sum.running} running · ${sum.unhealthy} unhealthy · ${formatHourlyTotal(sum)}`
    : 'deployments';

  let body: React.ReactNode;
  if (!deployments) {
    body = <Text dimColor>{props.error ? 'No data yet.' : 'Loading deployments…'}</Text>;
  } else if (deployments.length === 0) {
    body = (
      <Text wrap="truncate-end">
        No deployments. Run `linode-build deploy` in a project directory to create one.
      </Text>
    );
  } else {
    const { start, end } = visibleWindow(deployments.length, props.selected, bodyRows);
    body = deployments.slice(start, end).map((deployment, offset) => {
      const index = start + offset;
      const isSelected = index === props.selected;
      return (
        <Text key={deployment.id} inverse={isSelected} wrap="truncate-end">
          {isSelected ? '▶ ' : '  '}
          {columns.map((column, i) => {
            const text = fitCell(
              sanitizeText(cellText(deployment, column.key, props.now)),
              column.width,
              column.align,
            );
            let color: Tone | undefined;
            if (column.key === 'status') color = statusTone(deployment.instanceStatus);
            else if (column.key === 'health') color = healthTone(deployment.health);
            else if (column.key === 'issues' && (deployment.openIssues?.length ?? 0) > 0) color = 'red';
            return (
              <Text key={column.key} color={isSelected ? undefined : tone(color)}>
                {i > 0 ? ' ' : ''}
                {text}
              </Text>
            );
          })}
        </Text>
      );
    });
  }

  const scrollNote =
    deployments && deployments.length > bodyRows
      ? `${props.selected + 1}/${deployments.length} · ${props.updated}`
      : props.updated;

  // The totals matter more than the name: drop the name when both do not fit.
  const full = `linode-build · ${summary}`;
  const title = textWidth(full) + 1 + textWidth(scrollNote) <= width ? full : summary;
  return (
    <Box flexDirection="column" width={width} height={props.height}>
      <TitleBar left={title} right={scrollNote} />
      <StatusLine error={props.error} note={props.notice} />
      <Text bold wrap="truncate-end">
        {' '.repeat(MARKER_WIDTH)}
        {columns.map((column) => fitCell(column.header, column.width, column.align)).join(' ')}
      </Text>
      <Box flexDirection="column" height={bodyRows} overflow="hidden">
        {body}
      </Box>
      <KeyHints hints={DASHBOARD_HINTS} />
    </Box>
  );
}

/**
 * One deployment in detail: instance facts, health history, boot steps, open issues with
 * evidence, recent events and a scrollable log tail. Every section says "unknown" (or why it
 * is empty) rather than showing made-up values; stage times appear only when measured.
 */
import { Box, Text } from 'ink';
import { replaceLines, replaceMark } from '../../status/replace.js';
import { replicaCountText } from '../../status/replicas.js';
import { rollLines, rollMark } from '../../status/roll.js';
import type { DeploymentView } from '../../status/types.js';
import type { BootStep, DetailView } from '../data.js';
import { formatAge, formatHealth, formatPrice, lifetimeText, UNKNOWN } from '../format.js';
import { sanitizeText } from '../sanitize.js';
import { healthTone, severityTone, statusTone, useTone } from '../theme.js';
import { KeyHints, LogLines, StatusLine, TitleBar } from './chrome.js';

export interface DetailProps {
  readonly deployment: DeploymentView;
  readonly detail: DetailView | undefined;
  readonly detailError: string | undefined;
  readonly logs: readonly string[] | undefined;
  readonly logsError: string | undefined;
  /** Lines scrolled up from the newest log line (0 = following the tail). */
  readonly logScroll: number;
  readonly now: number;
  readonly width: number;
  readonly height: number;
  readonly updated: string;
}

export const DETAIL_HINTS = [
  ['↑↓/jk', 'scroll log'],
  ['l', 'full log'],
  ['d', 'destroy'],
  ['r', 'refresh'],
  ['?', 'help'],
  ['q/Esc', 'back'],
] as const;

const MAX_ISSUES = 3;
const FACT_ROWS = 5;
const MAX_EVENTS = 3;

function show(value: string | number | undefined): string {
  return value === undefined || value === '' ? UNKNOWN : sanitizeText(String(value));
}

function Fact({ label, value, color }: { label: string; value: string; color?: string | undefined }) {
  return (
    <Box width="50%" flexShrink={1} paddingRight={1}>
      <Text wrap="truncate-end">
        <Text dimColor>{label.padEnd(9)}</Text>
        <Text color={color}>{value}</Text>
      </Text>
    </Box>
  );
}

export function stepSymbol(step: BootStep): string {
  switch (step.state) {
    case 'done':
      return '✓';
    case 'failed':
      return '✗';
    case 'running':
      return '▶';
    case 'skipped':
      return '–';
    default:
      return '○';
  }
}

/** "12s" from the watcher's own timestamps; nothing when it did not measure the step. */
export function stepDuration(step: BootStep, now: number): string {
  if (!step.startedAt) return '';
  const start = Date.parse(step.startedAt);
  const end = step.finishedAt ? Date.parse(step.finishedAt) : step.state === 'running' ? now : Number.NaN;
  if (Number.isNaN(start) || Number.isNaN(end)) return '';
  return ` ${Math.max(0, Math.round((end - start) / 1000))}s`;
}

export function logWindow(
  lines: readonly string[],
  scroll: number,
  rows: number,
): { visible: string[]; scroll: number } {
  const maxScroll = Math.max(0, lines.length - rows);
  const clamped = Math.min(Math.max(0, scroll), maxScroll);
  const end = lines.length - clamped;
  return { visible: lines.slice(Math.max(0, end - rows), end), scroll: clamped };
}

/**
 * A deployment with replicas: its NodeBalancer's address, then one line per replica with its
 * instance status and its backend (mode, UP/DOWN) as the NodeBalancer reports it.
 */
export function replicaRows(d: DeploymentView, tone: ReturnType<typeof useTone>): React.ReactNode[] {
  if (!d.replicas) return [];
  const balancer = d.nodeBalancer;
  const address = balancer
    ? `NodeBalancer ${balancer.id} ${sanitizeText(balancer.label)} · ${show(balancer.hostname ?? balancer.ipv4)}${balancer.port !== undefined ? `:${balancer.port}` : ''}`
    : 'no NodeBalancer found';
  return [
    <Text key="replicas-h" bold wrap="truncate-end">
      {`Replicas (${replicaCountText(d.replicas)}) · ${address}`}
    </Text>,
    ...d.replicas.map((replica) => (
      <Text key={`replica-${replica.index}`} wrap="truncate-end">
        <Text dimColor>{`  ${String(replica.index).padStart(2)} `}</Text>
        {`linode ${replica.linodeId} · `}
        <Text color={tone(statusTone(replica.instanceStatus))}>{sanitizeText(replica.instanceStatus)}</Text>
        {' · '}
        <Text color={tone(healthTone(replica.health ?? 'unknown'))}>
          {formatHealth(replica.health ?? 'unknown')}
        </Text>
        {` · ${replica.backend ? sanitizeText(`${replica.backend.mode} ${replica.backend.status}`) : 'not registered'}`}
        {/* The label last: a narrow terminal truncates it, not the state. */}
        <Text dimColor>{` · ${sanitizeText(replica.label)}`}</Text>
      </Text>
    )),
    ...rollRows(d, tone),
    ...replaceRows(d, tone),
  ];
}

/** A roll no deploy finished: stopped at a replica (where, why, who runs what) or cut short. */
function rollRows(d: DeploymentView, tone: ReturnType<typeof useTone>): React.ReactNode[] {
  const lines = rollLines(d);
  if (!lines) return [];
  const color = tone(rollMark(d) === 'stopped' ? 'red' : 'yellow');
  const [what, then] = lines;
  return [
    <Text key="roll-what" wrap="truncate-end">
      <Text dimColor>{'roll'.padEnd(9)}</Text>
      <Text color={color}>{what}</Text>
    </Text>,
    <Text key="roll-then" wrap="truncate-end">
      {' '.repeat(9)}
      {then}
    </Text>,
  ];
}

/** A `deploy --replace` no deploy finished: stopped or cut short, who runs what, what is billed twice. */
function replaceRows(d: DeploymentView, tone: ReturnType<typeof useTone>): React.ReactNode[] {
  const lines = replaceLines(d);
  if (!lines) return [];
  const color = tone(replaceMark(d) === 'stopped' ? 'red' : 'yellow');
  const [what, ...rest] = lines;
  return [
    <Text key="replace-what" wrap="truncate-end">
      <Text dimColor>{'replace'.padEnd(9)}</Text>
      <Text color={color}>{what}</Text>
    </Text>,
    // The lines differ from one another, so each is its own key.
    ...rest.map((line) => (
      <Text key={`replace-${line}`} wrap="truncate-end">
        {' '.repeat(9)}
        {line}
      </Text>
    )),
  ];
}

export function Detail(props: DetailProps) {
  const tone = useTone();
  const d = props.detail?.deployment ?? props.deployment;
  const watcher = props.detail?.watcher;
  const age = formatAge(d.createdAt, props.now);
  const price = formatPrice(d.hourlyPrice);
  const accrued = formatPrice(d.accruedCost);

  const rows: React.ReactNode[] = [];
  const history = props.detail?.healthHistory;
  rows.push(
    <Text key="health" wrap="truncate-end">
      <Text dimColor>{'checks'.padEnd(9)}</Text>
      {history && history.length > 0
        ? `${history
            .slice(-20)
            .map((sample) => (sample.ok ? '✓' : '✗'))
            .join('')} (last ${Math.min(20, history.length)}, newest right)`
        : props.detail
          ? 'no health history recorded'
          : UNKNOWN}
    </Text>,
  );

  let bootLine: string;
  let issueRows: React.ReactNode[] = [];
  let eventRows: React.ReactNode[] = [];
  if (!watcher) bootLine = props.detailError ? UNKNOWN : 'loading…';
  else if (watcher.state === 'disabled')
    bootLine = 'watcher not enabled for this deployment (no boot steps, issues or events)';
  else if (watcher.state === 'unreachable') bootLine = `watcher unreachable: ${sanitizeText(watcher.error)}`;
  else {
    bootLine =
      watcher.bootSteps.length === 0
        ? 'no steps reported yet'
        : watcher.bootSteps
            .map((step) => `${stepSymbol(step)} ${sanitizeText(step.name)}${stepDuration(step, props.now)}`)
            .join('  ');
    const issues = watcher.issues.slice(0, MAX_ISSUES);
    issueRows = [
      <Text key="issues-h" bold>
        {`Open issues (${watcher.issues.length})`}
      </Text>,
      ...issues.flatMap((issue, index) => [
        // biome-ignore lint/suspicious/noArrayIndexKey: issues are positional within one render.
        <Text key={`issue-${index}`} wrap="truncate-end">
          <Text color={tone(severityTone(issue.severity))}>{`${issue.severity.toUpperCase()} `}</Text>
          {sanitizeText(
            `${issue.kind}${issue.container ? ` [${issue.container}]` : ''}: ${issue.message} (×${issue.count}, last ${formatAge(issue.lastSeen, props.now) ?? UNKNOWN} ago)`,
          )}
        </Text>,
        // biome-ignore lint/suspicious/noArrayIndexKey: issues are positional within one render.
        <Text key={`evidence-${index}`} dimColor wrap="truncate-end">
          {`  evidence: ${issue.evidence ? sanitizeText(issue.evidence) : 'none recorded'}`}
        </Text>,
      ]),
    ];
    const events = watcher.events.slice(0, MAX_EVENTS);
    eventRows = [
      <Text key="events-h" bold>
        {`Recent events${events.length === 0 ? ': none' : ''}`}
      </Text>,
      ...events.map((event, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: events are positional within one render.
        <Text key={`event-${index}`} wrap="truncate-end">
          <Text dimColor>{`${formatAge(event.at, props.now) ?? '?'} ago `}</Text>
          {sanitizeText(`${event.kind}: ${event.message}`)}
        </Text>
      )),
    ];
  }
  rows.push(...replicaRows(d, tone));
  rows.push(
    <Text key="boot" wrap="truncate-end">
      <Text dimColor>{'boot'.padEnd(9)}</Text>
      {bootLine}
    </Text>,
  );
  // Idle since when and the GPUs' latest samples (from the watcher, GPU deployments).
  for (const [index, line] of (watcher?.state === 'ok' ? (watcher.idleGpu ?? []) : []).entries()) {
    const [label, ...rest] = line.split(':');
    rows.push(
      <Text key={`gpu-${index}`} wrap="truncate-end">
        <Text dimColor>{(label ?? '').toLowerCase().padEnd(9)}</Text>
        {sanitizeText(rest.join(':').trim())}
      </Text>,
    );
  }

  // Title, status, 4 fact rows, the rows above, issues, events, log header, hints.
  const fixed = 2 + FACT_ROWS + rows.length + issueRows.length + eventRows.length + 1 + 1;
  const logRows = Math.max(1, props.height - fixed);
  const { visible, scroll } = logWindow(props.logs ?? [], props.logScroll, logRows);
  const logTitle = props.logs
    ? `Log tail (${props.logs.length} lines${scroll > 0 ? `, scrolled up ${scroll}` : ''})`
    : props.logsError
      ? `Log tail unavailable: ${props.logsError}`
      : 'Log tail: loading…';

  return (
    <Box flexDirection="column" width={props.width} height={props.height}>
      <TitleBar
        left={`${d.id} · ${sanitizeText(d.app)} / ${sanitizeText(d.env)} · ${sanitizeText(d.template)}`}
        right={props.updated}
      />
      <StatusLine error={props.detailError} />
      <Box>
        <Fact
          label="instance"
          value={`${show(d.instanceStatus)} (record: ${show(d.recordStatus)})`}
          color={tone(statusTone(d.instanceStatus))}
        />
        <Fact label="health" value={formatHealth(d.health)} color={tone(healthTone(d.health))} />
      </Box>
      <Box>
        <Fact label="region" value={show(d.region)} />
        <Fact label="type" value={show(d.type)} />
      </Box>
      <Box>
        <Fact label="linode" value={`${show(d.linodeId)}${d.label ? ` ${sanitizeText(d.label)}` : ''}`} />
        <Fact label="ipv4" value={show(d.ipv4)} />
      </Box>
      <Box>
        <Fact label="url" value={show(d.url)} />
        <Fact
          label="age"
          value={`${age ?? UNKNOWN}${d.expiresAt ? ` · ${lifetimeText(d.expiresAt, props.now)}` : ''}`}
        />
      </Box>
      <Box>
        <Fact
          label="cost"
          value={`${price ? `${price}/h` : `${UNKNOWN} $/h`} · accrued ${accrued ?? UNKNOWN}`}
        />
        <Fact label="known by" value={d.source === 'both' ? 'registry and tags' : d.source} />
      </Box>
      {rows}
      {issueRows}
      {eventRows}
      <Text bold wrap="truncate-end">
        {logTitle}
      </Text>
      <LogLines lines={visible} height={logRows} />
      <KeyHints hints={DETAIL_HINTS} />
    </Box>
  );
}

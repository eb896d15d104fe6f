/** Prometheus text exposition (format 0.0.4) of the watcher's counters and gauges. */
import { ISSUE_KINDS, type Issue } from './issues.js';

export interface MetricsInput {
  eventCounts: ReadonlyMap<string, number>;
  openIssues: readonly Issue[];
  containers: readonly { name: string; restart_count: number }[];
  oomCount: number;
  rssBytes: number;
  dockerConnected: boolean;
  reconnects: number;
  stateDirWritable: boolean;
}

/** Escapes a label value: backslash, double quote and newline, as the format requires. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function metric(
  lines: string[],
  name: string,
  type: string,
  help: string,
  samples: [string, number][],
): void {
  lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
}

export function renderMetrics(input: MetricsInput): string {
  const lines: string[] = [];
  metric(
    lines,
    'buildwatch_events_total',
    'counter',
    'Docker container events processed, by action.',
    [...input.eventCounts.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([action, count]) => [`{action="${escapeLabel(action)}"}`, count]),
  );
  const open = new Map<string, number>(ISSUE_KINDS.map((kind) => [kind, 0]));
  for (const issue of input.openIssues) open.set(issue.kind, (open.get(issue.kind) ?? 0) + 1);
  metric(
    lines,
    'buildwatch_open_issues',
    'gauge',
    'Open issues, by kind.',
    [...open.entries()].map(([kind, count]) => [`{kind="${kind}"}`, count]),
  );
  metric(
    lines,
    'buildwatch_container_restarts',
    'gauge',
    'Restart count Docker reports for each container.',
    input.containers.map((container) => [
      `{container="${escapeLabel(container.name)}"}`,
      container.restart_count,
    ]),
  );
  metric(lines, 'buildwatch_oom_kills_total', 'counter', 'Containers killed by the kernel OOM killer.', [
    ['', input.oomCount],
  ]);
  metric(lines, 'buildwatch_resident_memory_bytes', 'gauge', 'Resident memory of the watcher process.', [
    ['', input.rssBytes],
  ]);
  metric(lines, 'buildwatch_docker_connected', 'gauge', '1 while the Docker event stream is open.', [
    ['', input.dockerConnected ? 1 : 0],
  ]);
  metric(lines, 'buildwatch_docker_reconnects_total', 'counter', 'Times the Docker event stream was lost.', [
    ['', input.reconnects],
  ]);
  metric(lines, 'buildwatch_state_dir_writable', 'gauge', '0 when persisting to the state directory fails.', [
    ['', input.stateDirWritable ? 1 : 0],
  ]);
  return `${lines.join('\n')}\n`;
}

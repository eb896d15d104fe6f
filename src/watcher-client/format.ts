/** Text rendering of watcher data for the CLI (boot progress, issues, log lines). */
import type { BootProgress, Issue, LogLine } from './client.js';

const STEP_MARK: Record<string, string> = {
  ok: 'ok',
  done: 'ok',
  running: '..',
  pending: '  ',
  failed: '!!',
  skipped: '--',
};

/** Removes terminal control sequences from untrusted remote text before printing it. */
export function sanitize(text: string): string {
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}

function duration(start?: string, end?: string): string {
  if (!start || !end) return '';
  const ms = Date.parse(end) - Date.parse(start);
  return Number.isFinite(ms) && ms >= 0 ? ` (${(ms / 1000).toFixed(ms < 10000 ? 1 : 0)} s)` : '';
}

export function renderBoot(boot: BootProgress): string[] {
  const lines: string[] = [];
  const cloudInit = boot.cloud_init;
  lines.push(`cloud-init: ${cloudInit.status}${cloudInit.stage ? ` (${sanitize(cloudInit.stage)})` : ''}`);
  for (const error of cloudInit.errors) lines.push(`  error: ${sanitize(error)}`);
  if (boot.steps.length === 0) {
    lines.push(boot.state === 'unknown' ? 'boot steps: not reported yet' : `boot: ${boot.state}`);
    return lines;
  }
  const done = boot.steps.filter((step) => step.state === 'ok' || step.state === 'skipped').length;
  lines.push(`boot: ${sanitize(boot.state)}, ${done}/${boot.steps.length} steps done`);
  for (const step of boot.steps) {
    const mark = STEP_MARK[step.state] ?? '??';
    const exit = step.state === 'failed' && step.exit_code !== undefined ? `, exit ${step.exit_code}` : '';
    const label = step.description || step.name || step.id;
    lines.push(
      `  [${mark}] ${sanitize(step.capability)}: ${sanitize(label)}${duration(step.started_at, step.finished_at)}${exit}`,
    );
    if (step.state === 'failed' && step.output_tail) {
      for (const line of step.output_tail.split('\n').slice(-10)) lines.push(`       | ${sanitize(line)}`);
    }
  }
  return lines;
}

export function renderIssue(issue: Issue): string {
  const count = issue.count > 1 ? ` (x${issue.count})` : '';
  return `${issue.severity.toUpperCase()} ${issue.kind} ${sanitize(issue.container.name)}: ${sanitize(issue.message)}${count}`;
}

export function renderLogLine(line: LogLine, withTime: boolean): string {
  const text = sanitize(line.text);
  return withTime && line.time ? `${line.time} ${text}` : text;
}

/** Lines of `next` not already printed: drops the overlap with the previous poll's batch. */
export function newLines(previous: readonly LogLine[], next: readonly LogLine[]): LogLine[] {
  const seen = new Set(previous.map((line) => `${line.time ?? ''}|${line.stream}|${line.text}`));
  return next.filter((line) => !seen.has(`${line.time ?? ''}|${line.stream}|${line.text}`));
}

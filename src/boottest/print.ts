/** What `templates boot-test` prints: each boot step with its time, the health check and the totals. */
import { formatDuration, type Output } from '../cli/framework/output.js';
import type { BootTestResult } from './session.js';

export function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

export function printResult(out: Output, result: BootTestResult): void {
  out.line();
  out.line(out.style('bold', 'Boot steps'));
  out.table(result.steps, [
    { header: '  STEP', value: (step) => `  ${step.id}` },
    { header: 'STATE', value: (step) => step.state },
    {
      header: 'TIME',
      align: 'right',
      value: (step) => (step.seconds === undefined ? '-' : formatDuration(step.seconds * 1000)),
    },
  ]);
  out.line();
  if (result.failure) {
    out.line(`${out.style('red', '✗')} ${result.failure.message}`);
    for (const line of result.failure.lastLines) out.line(`    ${line}`);
  }
  out.line(`Health: ${result.healthDetail}`);
  if (result.bootToHealthySeconds !== undefined) {
    out.line(
      `${out.style('green', '✓')} healthy ${formatDuration(result.bootToHealthySeconds * 1000)} after boot`,
    );
  } else if (result.bootToFinishedSeconds !== undefined) {
    out.line(
      `Boot finished ${formatDuration(result.bootToFinishedSeconds * 1000)} after start (state: ${result.state})`,
    );
  }
  if (result.kept) {
    out.line();
    out.line(`Kept the container (${result.kept.root}). A shell in it:`);
    out.line(`  ${result.kept.shell}`);
    out.line(`Stop it: ${result.kept.stop}`);
  }
}

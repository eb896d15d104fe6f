/**
 * `status <id>`'s idle and GPU lines, from the watcher's /status: since when nothing reached
 * the app and what those idle hours cost, and each GPU's latest sample. Pure.
 */
import { idleCost } from '../reap/idle-policy.js';
import { formatDuration } from '../reap/lifetime.js';
import type { WatcherGpu, WatcherStatus } from '../watcher-client/client.js';
import { formatMoney } from './print.js';

function gpuLine(gpu: WatcherGpu): string {
  const parts = [
    gpu.utilization_gpu !== null ? `${gpu.utilization_gpu}% busy` : 'utilisation n/a',
    gpu.memory_used_mib !== null && gpu.memory_total_mib !== null
      ? `${gpu.memory_used_mib} of ${gpu.memory_total_mib} MiB`
      : 'memory n/a',
  ];
  if (gpu.temperature_c !== null) parts.push(`${gpu.temperature_c}°C`);
  if (gpu.power_draw_w !== null) parts.push(`${gpu.power_draw_w} W`);
  return `  GPU ${gpu.index}:     ${gpu.name}: ${parts.join(', ')}`;
}

export function idleGpuLines(
  watcher: Pick<WatcherStatus, 'idle' | 'gpu'> | undefined,
  hourlyPrice: number | undefined,
  now: Date,
): string[] {
  if (!watcher) return [];
  const lines: string[] = [];
  const { idle, gpu } = watcher;
  if (idle?.idle && idle.since) {
    const idleMs = Math.max(0, now.getTime() - Date.parse(idle.since));
    const cost = idleCost(idleMs, hourlyPrice);
    lines.push(
      `  Idle:      since ${idle.since} (${formatDuration(idleMs)}${cost !== undefined ? `, ${formatMoney(cost)} of idle time` : ''})`,
    );
  } else if (idle) {
    lines.push(`  Idle:      no (${idle.busy_reason ?? 'busy'})`);
  }
  if (gpu?.error) lines.push(`  GPU:       nvidia-smi ${gpu.error.reason}: ${gpu.error.message}`);
  for (const sample of gpu?.gpus ?? []) lines.push(gpuLine(sample));
  return lines;
}

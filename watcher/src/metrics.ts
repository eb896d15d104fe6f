/** Prometheus text exposition (format 0.0.4) of the watcher's counters and gauges. */
import type { GpuSample } from './gpu/query.js';
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
  /** Present when GPU sampling is on: the latest sample, with each GPU's last Xid (0: none). */
  gpus?: readonly (GpuSample & { last_xid: { xid: number } | null })[];
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
  if (input.gpus) renderGpuMetrics(lines, input.gpus);
  return `${lines.join('\n')}\n`;
}

/**
 * The names, types, units and labels NVIDIA's dcgm-exporter uses (its etc/default-counters.csv
 * and dcp-metrics-included.csv), so dashboards built for it work unchanged. Labels: `gpu`
 * (index), `UUID`, `device` (nvidia<index>), `modelName`, `pci_bus_id`. A field nvidia-smi
 * reported as [N/A] has no sample, as dcgm-exporter leaves out a blank field.
 */
const DCGM_FIELDS: readonly (readonly [
  string,
  string,
  string,
  (gpu: GpuSample & { last_xid: { xid: number } | null }) => number | null,
])[] = [
  ['DCGM_FI_DEV_GPU_UTIL', 'gauge', 'GPU utilization (in %).', (gpu) => gpu.utilization_gpu],
  ['DCGM_FI_DEV_MEM_COPY_UTIL', 'gauge', 'Memory utilization (in %).', (gpu) => gpu.utilization_memory],
  ['DCGM_FI_DEV_FB_USED', 'gauge', 'Framebuffer memory used (in MiB).', (gpu) => gpu.memory_used_mib],
  ['DCGM_FI_DEV_FB_FREE', 'gauge', 'Framebuffer memory free (in MiB).', (gpu) => gpu.memory_free_mib],
  ['DCGM_FI_DEV_GPU_TEMP', 'gauge', 'GPU temperature (in C).', (gpu) => gpu.temperature_c],
  ['DCGM_FI_DEV_POWER_USAGE', 'gauge', 'Power draw (in W).', (gpu) => gpu.power_draw_w],
  [
    'DCGM_FI_DEV_CLOCK_THROTTLE_REASONS',
    'gauge',
    'Current clock throttle reasons (bitmask).',
    (gpu) => gpu.throttle_reasons,
  ],
  [
    'DCGM_FI_DEV_ECC_DBE_VOL_TOTAL',
    'counter',
    'Total number of double-bit volatile ECC errors.',
    (gpu) => gpu.ecc_uncorrected_volatile,
  ],
  [
    'DCGM_FI_DEV_XID_ERRORS',
    'gauge',
    'Value of the last XID error encountered.',
    (gpu) => gpu.last_xid?.xid ?? 0,
  ],
];

function renderGpuMetrics(lines: string[], gpus: NonNullable<MetricsInput['gpus']>): void {
  const labels = gpus.map(
    (gpu) =>
      `{gpu="${gpu.index}",UUID="${escapeLabel(gpu.uuid)}",device="nvidia${gpu.index}",modelName="${escapeLabel(gpu.name)}",pci_bus_id="${escapeLabel(gpu.pci_bus_id)}"}`,
  );
  for (const [name, type, help, value] of DCGM_FIELDS) {
    const samples: [string, number][] = [];
    gpus.forEach((gpu, index) => {
      const number = value(gpu);
      if (number !== null) samples.push([labels[index] ?? '', number]);
    });
    metric(lines, name, type, help, samples);
  }
}

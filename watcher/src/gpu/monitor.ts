/**
 * GPU health: samples every GPU with nvidia-smi at an interval, follows Xid errors in the
 * kernel log, and keeps GPU issues in the watcher's issue book (opened with evidence, resolved
 * when the condition clears). Only started when the deployment has `gpu-nvidia`.
 */
import type { ContainerRef, IssueBook } from '../issues.js';
import {
  type GpuSample,
  MalformedOutput,
  parseQueryOutput,
  pciKey,
  queryFields,
  THROTTLE_FIELD_NAMES,
} from './query.js';
import { runSmi, type SmiRun } from './smi.js';
import { type KernelLogCursor, KernelLogTail, parseXidLine, xidMeaning } from './xid.js';

export interface GpuOptions {
  /** The nvidia-smi program (found on PATH unless a path). */
  command: string;
  intervalMs: number;
  timeoutMs: number;
  /** /dev/kmsg, or a log file with kernel lines. */
  kernelLog: string;
  /** GPU memory use (percent of total) that, while the app restarts, opens gpu_memory_high. */
  memoryPercent: number;
  /** Throttling must last this long to open gpu_throttle; an Xid issue resolves after this long without a new one. */
  windowMs: number;
}

export interface GpuHooks {
  issues: IssueBook;
  now: () => number;
  /** True once the boot runner reported the NVIDIA driver loaded and nvidia-smi working. */
  driverReady: () => boolean;
  /** When the container is running, since when (ms); undefined otherwise. */
  runningSince: (name: string) => number | undefined;
  /** Running this long resolves a container's gpu_memory_high (the detector's stable time). */
  stableMs: number;
  /** Where the previous run of this boot stopped reading the kernel log. */
  kernelLogCursor?: KernelLogCursor;
}

export interface SmiError {
  reason: 'missing' | 'timeout' | 'failed' | 'malformed';
  message: string;
  since: string;
}

export interface LastXid {
  xid: number;
  meaning: string;
  detail: string;
  pci: string;
  at: string;
  count: number;
}

const NVIDIA_SMI = 'nvidia-smi';

export class GpuMonitor {
  gpus: GpuSample[] = [];
  sampledAt: number | undefined;
  error: SmiError | undefined;
  samplesTaken = 0;
  /** Per PCI bus:device key. */
  readonly xids = new Map<string, LastXid>();
  private throttleField: string = THROTTLE_FIELD_NAMES[0];
  private readonly throttledSince = new Map<number, number>();
  private readonly kernelLog: KernelLogTail;
  private current: SmiRun | undefined;
  private startedAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: GpuOptions,
    private readonly hooks: GpuHooks,
  ) {
    this.kernelLog = new KernelLogTail(options.kernelLog, hooks.kernelLogCursor);
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.kernelLog.close();
  }

  private at(): string {
    return new Date(this.hooks.now()).toISOString();
  }

  /** One round: kernel log, then nvidia-smi (unless the previous one still hangs). */
  sample(): void {
    this.readXids();
    this.resolveStableMemoryIssues();
    if (this.current?.running()) {
      // Stuck in the kernel (typically a GPU that fell off the bus): report, do not pile up.
      this.failed(
        'timeout',
        `${NVIDIA_SMI} has not answered since ${new Date(this.startedAt ?? 0).toISOString()}`,
      );
      return;
    }
    const args = [
      `--query-gpu=${queryFields(this.throttleField).join(',')}`,
      '--format=csv,noheader,nounits',
    ];
    const run = runSmi(this.options.command, args, this.options.timeoutMs);
    this.current = run;
    this.startedAt = this.hooks.now();
    run.done.then((result) => {
      if (result.ok) {
        try {
          this.accept(parseQueryOutput(result.stdout));
        } catch (error) {
          if (!(error instanceof MalformedOutput)) throw error;
          this.failed('malformed', `${NVIDIA_SMI} printed something unexpected: ${error.message}`);
        }
        return;
      }
      // Drivers before 530 do not know the throttle field's current name: ask with the old one.
      if (
        result.reason === 'failed' &&
        /not a valid field/i.test(result.message) &&
        this.throttleField === THROTTLE_FIELD_NAMES[0]
      ) {
        this.throttleField = THROTTLE_FIELD_NAMES[1];
        this.sample();
        return;
      }
      this.failed(result.reason, result.message);
    });
  }

  private failed(reason: SmiError['reason'], message: string): void {
    const changed = !this.error || this.error.reason !== reason;
    if (!this.error || changed) this.error = { reason, message, since: this.at() };
    else this.error.message = message;
    // Before the boot says the driver works, a missing or failing nvidia-smi is expected.
    if (!this.hooks.driverReady()) return;
    this.hooks.issues.raise(
      'gpu_unavailable',
      { id: '', name: NVIDIA_SMI, image: '' },
      this.at(),
      `${message} (the NVIDIA driver was ready at boot)`,
      { reason, since: this.error.since },
      // A new kind of failure updates the open issue; the same one only keeps it open.
      { increment: changed },
    );
  }

  private gpuRef(gpu: GpuSample): ContainerRef {
    return { id: gpu.uuid, name: `gpu${gpu.index}`, image: gpu.name };
  }

  private accept(gpus: GpuSample[]): void {
    const now = this.hooks.now();
    const at = this.at();
    this.gpus = gpus;
    this.sampledAt = now;
    this.samplesTaken += 1;
    if (this.error) {
      this.hooks.issues.resolve('gpu_unavailable', NVIDIA_SMI, at, `${NVIDIA_SMI} answered again`);
      this.error = undefined;
    }
    const { issues } = this.hooks;
    for (const gpu of gpus) {
      const ref = this.gpuRef(gpu);
      const ecc = gpu.ecc_uncorrected_volatile;
      if (ecc !== null && ecc > 0) {
        const open = issues
          .list('open')
          .find((issue) => issue.kind === 'gpu_ecc' && issue.container.name === ref.name);
        if (!open || open.evidence.uncorrected_volatile !== ecc) {
          issues.raise(
            'gpu_ecc',
            ref,
            at,
            `GPU ${gpu.index} (${gpu.name}) reports ${ecc} uncorrected ECC error(s) since the driver loaded: its memory is failing; reset the GPU or replace the instance`,
            { uncorrected_volatile: ecc, uuid: gpu.uuid },
          );
        }
      } else if (ecc !== null) {
        issues.resolve('gpu_ecc', ref.name, at, 'no uncorrected ECC errors since the last GPU reset');
      }
      if (gpu.throttle.length > 0) {
        const since = this.throttledSince.get(gpu.index) ?? now;
        this.throttledSince.set(gpu.index, since);
        if (now - since >= this.options.windowMs) {
          issues.raise(
            'gpu_throttle',
            ref,
            at,
            `GPU ${gpu.index} (${gpu.name}) has been slowed by ${gpu.throttle.join(', ')} for ${Math.round((now - since) / 1000)} s`,
            {
              reasons: gpu.throttle.join(','),
              since: new Date(since).toISOString(),
              temperature_c: gpu.temperature_c ?? 'n/a',
              power_draw_w: gpu.power_draw_w ?? 'n/a',
            },
            { increment: false },
          );
        }
      } else if (gpu.throttle_reasons !== null) {
        this.throttledSince.delete(gpu.index);
        issues.resolve('gpu_throttle', ref.name, at, 'no thermal or power throttling');
      }
      const xid = this.xids.get(pciKey(gpu.pci_bus_id));
      if (xid && now - Date.parse(xid.at) >= this.options.windowMs) {
        // Also the name an Xid got when it came before the GPU's first sample.
        for (const name of [ref.name, `gpu@${pciKey(gpu.pci_bus_id)}`])
          issues.resolve(
            'gpu_xid',
            name,
            at,
            `no Xid error for ${Math.round(this.options.windowMs / 1000)} s`,
          );
      }
    }
  }

  private readXids(): void {
    for (const line of this.kernelLog.read()) {
      const event = parseXidLine(line);
      if (!event) continue;
      const key = pciKey(event.pci);
      const previous = this.xids.get(key);
      const xid: LastXid = {
        xid: event.xid,
        meaning: xidMeaning(event.xid),
        detail: event.detail,
        pci: event.pci,
        at: this.at(),
        count: (previous?.count ?? 0) + 1,
      };
      this.xids.set(key, xid);
      if (this.xids.size > 64) this.xids.delete(this.xids.keys().next().value as string);
      const gpu = this.gpus.find((candidate) => pciKey(candidate.pci_bus_id) === key);
      const ref = gpu ? this.gpuRef(gpu) : { id: '', name: `gpu@${key}`, image: '' };
      this.hooks.issues.raise(
        'gpu_xid',
        ref,
        xid.at,
        `Xid ${event.xid} on GPU ${gpu ? gpu.index : event.pci}: ${xid.meaning}`,
        { xid: event.xid, meaning: xid.meaning, pci: event.pci, detail: event.detail },
      );
    }
  }

  /**
   * The app died: if a GPU's memory was nearly full in the latest sample (taken at most two
   * intervals ago), that is the likely cause of the restart.
   */
  onContainerDie(container: ContainerRef): void {
    const now = this.hooks.now();
    if (this.sampledAt === undefined || now - this.sampledAt > 2 * this.options.intervalMs) return;
    for (const gpu of this.gpus) {
      if (gpu.memory_used_mib === null || !gpu.memory_total_mib) continue;
      const percent = (100 * gpu.memory_used_mib) / gpu.memory_total_mib;
      if (percent < this.options.memoryPercent) continue;
      this.hooks.issues.raise(
        'gpu_memory_high',
        container,
        this.at(),
        `${container.name} restarted while GPU ${gpu.index} memory was ${Math.round(percent)}% full (${gpu.memory_used_mib} of ${gpu.memory_total_mib} MiB): likely out of GPU memory`,
        {
          gpu: gpu.index,
          memory_used_mib: gpu.memory_used_mib,
          memory_total_mib: gpu.memory_total_mib,
          sampled_at: new Date(this.sampledAt).toISOString(),
        },
      );
      return;
    }
  }

  private resolveStableMemoryIssues(): void {
    for (const issue of this.hooks.issues.list('open')) {
      if (issue.kind !== 'gpu_memory_high') continue;
      const since = this.hooks.runningSince(issue.container.name);
      if (since === undefined || this.hooks.now() - since < this.hooks.stableMs) continue;
      this.hooks.issues.resolve('gpu_memory_high', issue.container.name, this.at(), 'running stably');
    }
  }

  kernelLogCursor(): KernelLogCursor {
    return this.kernelLog.cursor();
  }

  status() {
    return {
      sampled_at: this.sampledAt !== undefined ? new Date(this.sampledAt).toISOString() : null,
      interval_seconds: this.options.intervalMs / 1000,
      error: this.error ?? null,
      kernel_log_error: this.kernelLog.error ?? null,
      gpus: this.gpus.map((gpu) => ({ ...gpu, last_xid: this.xids.get(pciKey(gpu.pci_bus_id)) ?? null })),
    };
  }
}

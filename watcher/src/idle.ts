/**
 * The idle guard's view: since when the deployment has served nothing. Idle means no requests
 * reached the app (its container received at most `maxPackets` packets in a check interval)
 * and, with GPU sampling, every GPU below `gpuPercent` utilisation.
 *
 * Why the container's received packets (Docker's stats API): it counts every connection to the
 * app whatever way its port is published (docker-proxy in the host's namespace or iptables
 * DNAT straight to the container, which the host's /proc/net/tcp never sees), needs nothing but
 * the Docker socket the watcher already has (conntrack needs the module loaded and its table is
 * root-only), and touches neither the app nor its traffic. It errs on the side of "busy": the
 * app's own outbound traffic (downloading a model) also brings packets in.
 */
import type { DockerClient } from './docker/client.js';
import type { GpuSample } from './gpu/query.js';

export interface IdleOptions {
  intervalMs: number;
  /** Packets received per interval that still count as no requests (ARP, neighbour discovery). */
  maxPackets: number;
  /** GPU utilisation (percent) below which a GPU counts as idle. */
  gpuPercent: number;
}

export interface IdleInputs {
  docker: DockerClient;
  container: string;
  now: () => number;
  /**
   * The latest GPU sample; undefined without GPU sampling; null when sampling fails; 'pending'
   * before the first sample (the check then waits: it decides nothing on no data).
   */
  gpus: () => readonly GpuSample[] | null | undefined | 'pending';
  /** After each check (the watcher saves the state below with its snapshot). */
  onChange?: () => void;
  /** What a previous run saved: an idle stretch continues if the next check is idle too. */
  restored?: IdleSnapshot;
}

/** Kept in state.json, so a watcher restart does not reset the idle time. */
export interface IdleSnapshot {
  since?: number;
  packets?: number;
}

export class IdleTracker {
  /** Since when idle (ms), or undefined while busy or not yet known. */
  idleSince: number | undefined;
  checkedAt: number | undefined;
  lastPackets: number | undefined;
  /** Why the last check did not count as idle, for /status. */
  busyReason: string | undefined = 'not checked yet';
  private previous: number | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: IdleOptions,
    private readonly inputs: IdleInputs,
  ) {
    const restored = inputs.restored;
    if (typeof restored?.packets === 'number') this.previous = restored.packets;
    // Only a stretch the first check confirms (no packets since the save) continues.
    if (typeof restored?.since === 'number' && this.previous !== undefined)
      this.pendingSince = restored.since;
  }

  private pendingSince: number | undefined;

  snapshot(): IdleSnapshot {
    const snapshot: IdleSnapshot = {};
    if (this.idleSince !== undefined) snapshot.since = this.idleSince;
    if (this.previous !== undefined) snapshot.packets = this.previous;
    return snapshot;
  }

  start(): void {
    this.timer = setInterval(() => {
      this.check().catch(() => {});
    }, this.options.intervalMs);
    this.timer.unref();
    this.check().catch(() => {});
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async check(): Promise<void> {
    if (this.inputs.gpus() === 'pending') return;
    let packets: number | undefined;
    try {
      packets = await this.inputs.docker.receivedPackets(this.inputs.container);
    } catch {
      // No such container (stopped and removed, or not created yet): nothing reaches it.
      packets = undefined;
    }
    const now = this.inputs.now();
    this.checkedAt = now;
    let busy: string | undefined;
    if (packets !== undefined) {
      // A restarted container starts counting from zero again.
      const delta =
        this.previous === undefined || packets < this.previous ? undefined : packets - this.previous;
      this.previous = packets;
      this.lastPackets = delta;
      if (delta === undefined) busy = 'first packet count';
      else if (delta > this.options.maxPackets) busy = `${delta} packets received in the last interval`;
    } else {
      this.previous = undefined;
      this.lastPackets = undefined;
    }
    const gpus = this.inputs.gpus();
    if (!busy && (gpus === null || gpus === 'pending')) busy = 'GPU utilisation unknown (nvidia-smi failing)';
    if (!busy && gpus && gpus !== 'pending') {
      const working = gpus.find(
        (gpu) => gpu.utilization_gpu === null || gpu.utilization_gpu >= this.options.gpuPercent,
      );
      if (working) busy = `GPU ${working.index} at ${working.utilization_gpu ?? 'unknown'}% utilisation`;
    }
    this.busyReason = busy;
    if (busy) this.idleSince = undefined;
    else if (this.idleSince === undefined) this.idleSince = this.pendingSince ?? now;
    this.pendingSince = undefined;
    this.inputs.onChange?.();
  }

  status() {
    const now = this.inputs.now();
    return {
      idle: this.idleSince !== undefined,
      since: this.idleSince !== undefined ? new Date(this.idleSince).toISOString() : null,
      idle_seconds: this.idleSince !== undefined ? Math.round((now - this.idleSince) / 1000) : 0,
      busy_reason: this.busyReason ?? null,
      checked_at: this.checkedAt !== undefined ? new Date(this.checkedAt).toISOString() : null,
      packets_last_interval: this.lastPackets ?? null,
      container: this.inputs.container,
      interval_seconds: this.options.intervalMs / 1000,
      max_packets: this.options.maxPackets,
      gpu_percent: this.options.gpuPercent,
    };
  }
}

/**
 * The watcher: keeps an event stream open to Docker (reconnecting with `since`), feeds the
 * detector, persists events/issues, and answers the HTTP API's questions.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readBootProgress } from './boot.js';
import { type ContainerState, Detector, type Thresholds } from './detector.js';
import { type ContainerInspect, DockerClient, DockerError, WATCHED_ACTIONS } from './docker/client.js';
import {
  EventDeduper,
  msFromNano,
  type ParsedEvent,
  parseEventLine,
  type WatchEvent,
} from './docker/events.js';
import type { LogLine } from './docker/logframe.js';
import { EventRing } from './eventring.js';
import { GpuMonitor, type GpuOptions } from './gpu/monitor.js';
import type { KernelLogCursor } from './gpu/xid.js';
import { type IdleOptions, type IdleSnapshot, IdleTracker } from './idle.js';
import { type Issue, IssueBook } from './issues.js';
import { JsonLinesLog, readJson, type StoreHealth, writeJsonAtomic } from './store.js';

export interface WatcherOptions {
  dockerSocket: string;
  stateDir: string;
  thresholds: Thresholds;
  cloudInitDir: string;
  bootStatusFile: string;
  /** Events kept in memory for /events (and restored after a restart). */
  maxEvents: number;
  /** Size at which events.jsonl rotates (one rotated file is kept). */
  eventsMaxBytes: number;
  /** Resolved issues kept. */
  maxIssues: number;
  /** Restored history older than this is dropped. */
  retentionDays: number;
  log: (message: string) => void;
  now?: () => number;
  /** GPU sampling (deployments with gpu-nvidia); absent: no GPU code runs. */
  gpu?: GpuOptions;
  /** The idle guard's checks (absent: off, as in unit tests). */
  idle?: IdleOptions;
  /** The app's container, whose received packets count as requests. */
  appContainer?: string;
}

/** The boot runner's step that loads the NVIDIA driver and checks nvidia-smi. */
const DRIVER_STEP = { capability: 'gpu-nvidia', name: 'load-driver' };

interface Snapshot {
  seq: number;
  watermark?: string;
  /** Dedupe keys of the events at the watermark time. */
  watermarkKeys?: string[];
  oomCount: number;
  containers: ContainerState[];
  eventCounts: Record<string, number>;
  idle?: IdleSnapshot;
  /** The kernel log cursor, valid for this boot and file only. */
  kernelLog?: { bootId: string; file: string } & KernelLogCursor;
}

export interface DockerStatus {
  connected: boolean;
  api_version?: string;
  engine_version?: string;
  reconnects: number;
  last_error?: string;
  last_event_at?: string;
}

const KNOWN_ACTIONS = new Set(WATCHED_ACTIONS);
const MAX_PENDING_INSPECTS = 64;
const LOG_SCAN_INTERVAL_MS = 2000;
const INSPECT_INTERVAL_MS = 1000;
const BACKOFF_MS = [250, 500, 1000, 2000, 5000];

export class Watcher {
  readonly docker: DockerClient;
  readonly issues: IssueBook;
  readonly detector: Detector;
  readonly events: EventRing;
  readonly eventCounts = new Map<string, number>();
  readonly storeHealth: StoreHealth = { writable: true };
  readonly dockerStatus: DockerStatus = { connected: false, reconnects: 0 };
  readonly startedAt: number;
  readonly gpu: GpuMonitor | undefined;
  readonly idle: IdleTracker | undefined;
  private restoredIdle: IdleSnapshot | undefined;
  private restoredKernelLog: Snapshot['kernelLog'];
  private readonly bootId = readBootId();
  eventsProcessed = 0;
  private seq = 0;
  /** The newest event cursor handed to the events log. */
  private loggedSeq = 0;
  private deduper = new EventDeduper();
  private floorNano: string | undefined;
  private readonly eventLog: JsonLinesLog<WatchEvent>;
  private readonly issueLog: JsonLinesLog<Issue>;
  private readonly snapshotFile: string;
  private readonly now: () => number;
  private stopped = false;
  private closeStream: (() => void) | undefined;
  private timers: NodeJS.Timeout[] = [];
  private dirty = false;
  /** Replaced at each flush (clearing a long-lived Map reallocates its table in the old generation). */
  private changedIssues = new Map<string, Issue>();
  private readonly pendingInspects = new Set<string>();
  private readonly lastInspect = new Map<string, number>();
  private inspecting = 0;
  private readonly lastLogScan = new Map<string, number>();
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly options: WatcherOptions) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.docker = new DockerClient(options.dockerSocket);
    try {
      fs.mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
    } catch (error) {
      // An unusable state directory (full disk, a file in its place) must not stop the watcher:
      // it keeps watching and serving, and /health reports the reason.
      this.storeHealth.writable = false;
      this.storeHealth.lastError = `${options.stateDir}: ${(error as Error).message}`;
    }
    // Written from the event ring at each flush (see flush()), so it keeps no pending records.
    this.eventLog = new JsonLinesLog(
      path.join(options.stateDir, 'events.jsonl'),
      options.eventsMaxBytes,
      this.storeHealth,
    );
    this.issues = new IssueBook((issue) => {
      // Coalesced: a crash loop updates its issue on every die; one line per flush is enough.
      this.changedIssues.set(issue.id, issue);
      if (issue.state === 'open' && issue.count === 1) {
        options.log(`issue ${issue.id} ${issue.kind} (${issue.severity}): ${issue.message}`);
      } else if (issue.state === 'resolved') {
        options.log(`issue ${issue.id} ${issue.kind} resolved: ${issue.resolution}`);
      }
    }, options.maxIssues);
    this.issueLog = new JsonLinesLog(
      path.join(options.stateDir, 'issues.jsonl'),
      Math.max(64 * 1024, options.eventsMaxBytes / 4),
      this.storeHealth,
      () => this.issues.list('all').reverse(),
    );
    this.snapshotFile = path.join(options.stateDir, 'state.json');
    this.detector = new Detector(this.issues, options.thresholds);
    this.events = new EventRing(options.maxEvents);
    this.restore();
    this.gpu = options.gpu
      ? new GpuMonitor(options.gpu, {
          issues: this.issues,
          now: this.now,
          driverReady: () =>
            this.boot().steps.some(
              (step) =>
                step.capability === DRIVER_STEP.capability &&
                step.name === DRIVER_STEP.name &&
                step.state === 'ok',
            ),
          runningSince: (name) => {
            const state = this.detector.snapshot().find((candidate) => candidate.name === name);
            return state?.status === 'running' ? state.startedAtMs : undefined;
          },
          stableMs: options.thresholds.stableMs,
          ...this.kernelLogCursor(options.gpu.kernelLog),
        })
      : undefined;
    const gpu = this.gpu;
    this.idle = options.idle
      ? new IdleTracker(options.idle, {
          docker: this.docker,
          container: options.appContainer ?? 'app',
          now: this.now,
          // A failing nvidia-smi: utilisation unknown, so not idle; no answer yet: wait for one.
          gpus: () => {
            if (!gpu) return undefined;
            if (gpu.error) return null;
            return gpu.sampledAt === undefined ? 'pending' : gpu.gpus;
          },
          onChange: () => {
            this.dirty = true;
          },
          ...(this.restoredIdle ? { restored: this.restoredIdle } : {}),
        })
      : undefined;
  }

  /** The saved kernel log cursor, if it belongs to this boot and this file. */
  private kernelLogCursor(file: string): { kernelLogCursor?: KernelLogCursor } {
    const saved = this.restoredKernelLog;
    if (!saved || saved.bootId !== this.bootId || saved.file !== file) return {};
    const cursor: KernelLogCursor = {};
    if (typeof saved.seq === 'number') cursor.seq = saved.seq;
    if (typeof saved.position === 'number') cursor.position = saved.position;
    return { kernelLogCursor: cursor };
  }

  /** Restores events, issues and detector state written by a previous run. */
  private restore(): void {
    const cutoff = this.now() - this.options.retentionDays * 86400000;
    const latest = new Map<string, Issue>();
    for (const issue of this.issueLog.readAll()) {
      if (!issue || typeof issue.id !== 'string') continue;
      if (issue.state === 'resolved' && Date.parse(issue.resolved_at ?? '') < cutoff) latest.delete(issue.id);
      else latest.set(issue.id, issue);
    }
    this.issues.restore(latest.values());
    const snapshot = readJson<Snapshot>(this.snapshotFile);
    for (const event of this.eventLog.readAll()) {
      if (!event || typeof event.timeNano !== 'string' || !/^\d+$/.test(event.timeNano)) continue;
      if (typeof event.seq !== 'number' || typeof event.action !== 'string') continue;
      if (typeof event.container?.id !== 'string') continue;
      if (msFromNano(event.timeNano) < cutoff) continue;
      this.events.push(event);
      this.deduper.accept(event);
      if (event.seq > this.seq) this.seq = event.seq;
    }
    // Those are on disk already.
    this.loggedSeq = this.seq;
    if (snapshot) {
      if (snapshot.seq > this.seq) this.seq = snapshot.seq;
      if (snapshot.watermark && /^\d+$/.test(snapshot.watermark) && !this.deduper.newest) {
        this.deduper = new EventDeduper(
          snapshot.watermark,
          undefined,
          Array.isArray(snapshot.watermarkKeys) ? snapshot.watermarkKeys : [],
        );
      }
      this.detector.restore(
        Array.isArray(snapshot.containers) ? snapshot.containers : [],
        snapshot.oomCount ?? 0,
      );
      for (const [action, count] of Object.entries(snapshot.eventCounts ?? {}))
        this.eventCounts.set(action, count);
      if (snapshot.idle && typeof snapshot.idle === 'object') this.restoredIdle = snapshot.idle;
      if (snapshot.kernelLog && typeof snapshot.kernelLog === 'object')
        this.restoredKernelLog = snapshot.kernelLog;
    }
    if (this.events.size || latest.size) {
      this.options.log(`restored ${this.events.size} events and ${this.issues.openCount()} open issues`);
    }
  }

  start(): void {
    this.timers.push(
      setInterval(() => this.tick(), 1000),
      setInterval(() => this.flush(), 250),
    );
    for (const timer of this.timers) timer.unref();
    this.gpu?.start();
    this.idle?.start();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.gpu?.stop();
    this.idle?.stop();
    this.closeStream?.();
    this.wake?.();
    await this.loop;
    this.flush();
    this.saveSnapshot();
  }

  private tick(): void {
    this.detector.tick(this.now());
    if (this.dirty) this.saveSnapshot();
  }

  private flush(): void {
    if (this.changedIssues.size > 0) {
      for (const issue of this.changedIssues.values()) this.issueLog.append(issue);
      this.changedIssues = new Map();
    }
    // Straight from the ring, one event at a time; after a failed write the same ones are
    // retried next time (those the ring still holds: a restart would restore no more).
    if (this.loggedSeq < this.seq && this.eventLog.write(this.events.after(this.loggedSeq)))
      this.loggedSeq = this.seq;
    this.issueLog.flush();
  }

  private saveSnapshot(): void {
    this.dirty = false;
    const snapshot: Snapshot = {
      seq: this.seq,
      watermark: this.deduper.newest,
      watermarkKeys: this.deduper.keysAtWatermark(),
      oomCount: this.detector.oomCount,
      containers: this.detector.snapshot(),
      eventCounts: Object.fromEntries(this.eventCounts),
      ...(this.idle ? { idle: this.idle.snapshot() } : {}),
      ...(this.gpu && this.options.gpu
        ? {
            kernelLog: {
              bootId: this.bootId,
              file: this.options.gpu.kernelLog,
              ...this.gpu.kernelLogCursor(),
            },
          }
        : {}),
    };
    writeJsonAtomic(this.snapshotFile, snapshot, this.storeHealth);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Connect, reconcile, stream; on loss, back off (bounded) and resume from the last event. */
  private async run(): Promise<void> {
    let failures = 0;
    let initial = true;
    while (!this.stopped) {
      try {
        const { apiVersion, engine } = await this.docker.negotiate();
        this.dockerStatus.api_version = apiVersion;
        this.dockerStatus.engine_version = engine;
        const since = this.deduper.newest ?? this.floorNano;
        const stream = this.docker.streamEvents(since, {
          onOpen: () => {
            this.dockerStatus.connected = true;
            this.dockerStatus.last_error = undefined;
            // With no event yet, resume after a daemon restart from when we first connected.
            if (!this.floorNano) this.floorNano = `${this.now() - 1000}000000`;
            failures = 0;
          },
          onLine: (line) => this.ingestLine(line),
        });
        this.closeStream = stream.close;
        // Reconcile after subscribing, so nothing happens in between unseen.
        const reconcile = this.reconcile(initial).catch((error: Error) => {
          this.options.log(`reconcile failed: ${error.message}`);
        });
        initial = false;
        await stream.done;
        await reconcile;
        if (!this.stopped) this.options.log('Docker event stream ended; reconnecting');
      } catch (error) {
        const message = error instanceof DockerError ? error.message : String(error);
        if (this.dockerStatus.last_error !== message) this.options.log(message);
        this.dockerStatus.last_error = message;
      }
      if (this.dockerStatus.connected) this.dockerStatus.reconnects += 1;
      this.dockerStatus.connected = false;
      if (this.stopped) break;
      await this.sleep(BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)] ?? 5000);
      failures += 1;
    }
  }

  private async reconcile(initial: boolean): Promise<void> {
    const containers = await this.docker.listContainers();
    for (const summary of containers.slice(0, 200)) {
      try {
        const info = await this.docker.inspect(summary.Id);
        this.detector.onInspect(info, this.now(), initial);
      } catch {
        // Removed between list and inspect: nothing to reconcile.
      }
    }
    this.dirty = true;
  }

  /** One line of the event stream: parse, drop duplicates, record, detect, follow up. */
  ingestLine(line: string): void {
    const parsed = parseEventLine(line);
    if (parsed) this.ingest(parsed);
  }

  ingest(parsed: ParsedEvent): void {
    if (!this.deduper.accept(parsed)) return;
    this.seq += 1;
    // The shared container object: detector state and issues keep it, not this event's copy.
    const event: WatchEvent = { seq: this.seq, ...parsed, container: this.events.ref(parsed.container) };
    this.eventsProcessed += 1;
    this.events.push(event);
    const action = KNOWN_ACTIONS.has(event.action) ? event.action : 'other';
    this.eventCounts.set(action, (this.eventCounts.get(action) ?? 0) + 1);
    this.dockerStatus.last_event_at = event.time;
    this.detector.onEvent(event);
    this.dirty = true;
    if (event.action === 'die' || event.action === 'start' || event.action === 'oom') {
      this.scheduleInspect(event.container.id);
    }
    if (event.action === 'die' && event.exitCode !== 0) {
      this.scanLogs(event);
      this.gpu?.onContainerDie(event.container);
    }
  }

  /**
   * Inspect after die/start (OOMKilled, restart count, health check): coalesced per container,
   * at most one per INSPECT_INTERVAL_MS each (a trailing one catches the final state), bounded.
   */
  private scheduleInspect(id: string): void {
    if (this.pendingInspects.has(id) || this.pendingInspects.size >= MAX_PENDING_INSPECTS) return;
    this.pendingInspects.add(id);
    const wait = (this.lastInspect.get(id) ?? 0) + INSPECT_INTERVAL_MS - this.now();
    if (wait > 0) setTimeout(() => this.drainInspects(), wait).unref();
    else this.drainInspects();
  }

  private drainInspects(): void {
    const now = this.now();
    for (const id of this.pendingInspects) {
      if (this.inspecting >= 2) break;
      if (now - (this.lastInspect.get(id) ?? 0) < INSPECT_INTERVAL_MS) continue;
      this.pendingInspects.delete(id);
      this.lastInspect.set(id, now);
      if (this.lastInspect.size > 1000) this.lastInspect.clear();
      this.inspecting += 1;
      this.docker
        .inspect(id)
        .then((info: ContainerInspect) => {
          this.detector.onInspect(info, this.now(), false);
          this.dirty = true;
        })
        .catch(() => {
          // Already removed, or Docker went away: the stream loop handles the latter.
        })
        .then(() => {
          this.inspecting -= 1;
          this.drainInspects();
        });
    }
  }

  /** GPU OOM shows only in the app's output: read the log tail when it dies (rate-limited). */
  private scanLogs(event: WatchEvent): void {
    const now = this.now();
    const last = this.lastLogScan.get(event.container.name) ?? 0;
    if (now - last < LOG_SCAN_INTERVAL_MS) return;
    this.lastLogScan.set(event.container.name, now);
    if (this.lastLogScan.size > 500) this.lastLogScan.clear();
    this.docker
      .logs(event.container.id, 200)
      .then((lines) => {
        this.detector.onLogs(
          event.container,
          lines.map((line) => line.text),
          now,
        );
      })
      .catch(() => {
        // Container gone before we could read it.
      });
  }

  /** Events after cursor `since` (exclusive), oldest first. */
  eventsSince(since: number, limit: number): { events: WatchEvent[]; oldest?: number } {
    return { events: this.events.since(since, limit), oldest: this.events.oldestSeq() };
  }

  containerLogs(container: string, lines: number, since?: string): Promise<LogLine[]> {
    return this.docker.logs(container, lines, since);
  }

  boot() {
    return readBootProgress(this.options.cloudInitDir, this.options.bootStatusFile);
  }

  containers() {
    return this.detector.snapshot().map((state) => ({
      id: state.id,
      name: state.name,
      image: state.image,
      state: state.status,
      health: state.health ?? null,
      restart_count: state.restartCount,
      exit_code: state.exitCode ?? null,
      oom_killed: state.oomKilled,
      started_at: state.startedAtMs !== undefined ? new Date(state.startedAtMs).toISOString() : null,
    }));
  }
}

/** This boot's id: kernel log sequence numbers start again at every boot. */
function readBootId(): string {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

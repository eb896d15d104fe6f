/**
 * Turns container events and inspect results into issues. Pure: time comes from the events
 * (or the `now` the caller passes to tick), so recorded streams give the same issues every run.
 */
import type { ContainerInspect } from './docker/client.js';
import { msFromNano, type ParsedEvent } from './docker/events.js';
import type { ContainerRef, IssueBook } from './issues.js';

export interface Thresholds {
  /** Dies within the window that make a crash loop. */
  crashLoopCount: number;
  crashLoopWindowMs: number;
  /** No healthy (or running, without a health check) this long after start → slow_start. */
  slowStartMs: number;
  /** Running this long without a die resolves exit/OOM/crash-loop issues. */
  stableMs: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  crashLoopCount: 3,
  crashLoopWindowMs: 300000,
  slowStartMs: 600000,
  stableMs: 300000,
};

/** Exits within this long after a stop/kill request are the user's doing, not a failure. */
const INTENTIONAL_STOP_MS = 30000;
const MAX_CONTAINERS = 500;

export const GPU_OOM_PATTERN = /CUDA out of memory|torch\.cuda\.OutOfMemoryError|CUDA error: out of memory/;

export interface ContainerState {
  id: string;
  name: string;
  image: string;
  status: string;
  createdAtMs?: number;
  startedAtMs?: number;
  health?: string;
  hasHealthcheck: boolean;
  healthySinceStart: boolean;
  restartCount: number;
  exitCode?: number;
  oomKilled: boolean;
  dies: number[];
  stopRequestedAtMs?: number;
  lastSeenMs: number;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function seconds(ms: number): number {
  return Math.round(ms / 1000);
}

/**
 * Adds a die at `atMs` to `dies`, drops those outside the window and keeps at most `max` (the
 * newest), in place: a new array per die would outlive the next few hundred events and be
 * promoted to the old generation, which under a storm is what sets peak memory.
 */
function keepRecentDies(dies: number[], atMs: number, windowMs: number, max: number): void {
  let kept = 0;
  for (const time of dies) if (atMs - time < windowMs) dies[kept++] = time;
  dies[kept++] = atMs;
  const skip = Math.max(0, kept - max);
  for (let index = 0; index + skip < kept; index++) dies[index] = dies[index + skip] as number;
  dies.length = kept - skip;
}

export class Detector {
  readonly containers = new Map<string, ContainerState>();
  oomCount = 0;

  constructor(
    private readonly issues: IssueBook,
    private readonly thresholds: Thresholds = DEFAULT_THRESHOLDS,
  ) {}

  private ref(state: ContainerState): ContainerRef {
    return { id: state.id, name: state.name, image: state.image };
  }

  private container(ref: ContainerRef, atMs: number): ContainerState {
    let state = this.containers.get(ref.name);
    if (!state) {
      state = {
        ...ref,
        status: 'unknown',
        hasHealthcheck: false,
        healthySinceStart: false,
        restartCount: 0,
        oomKilled: false,
        dies: [],
        lastSeenMs: atMs,
      };
      this.containers.set(ref.name, state);
      this.prune();
    }
    state.id = ref.id;
    if (ref.image) state.image = ref.image;
    state.lastSeenMs = Math.max(state.lastSeenMs, atMs);
    return state;
  }

  /** Forgets the longest-idle containers beyond MAX_CONTAINERS (bounded memory under churn). */
  private prune(): void {
    if (this.containers.size <= MAX_CONTAINERS) return;
    const byAge = [...this.containers.values()].sort((a, b) => a.lastSeenMs - b.lastSeenMs);
    for (const state of byAge.slice(0, this.containers.size - MAX_CONTAINERS)) {
      if (!this.issues.isOpen('crash_loop', state.name)) this.containers.delete(state.name);
    }
  }

  onEvent(event: ParsedEvent): void {
    const atMs = msFromNano(event.timeNano);
    const at = event.time;
    const state = this.container(event.container, atMs);
    const ref = this.ref(state);
    switch (event.action) {
      case 'create':
        state.status = 'created';
        state.createdAtMs = atMs;
        state.startedAtMs = undefined;
        break;
      case 'start':
        state.status = 'running';
        state.startedAtMs = atMs;
        state.oomKilled = false;
        state.healthySinceStart = false;
        state.health = state.hasHealthcheck ? 'starting' : undefined;
        if (!state.hasHealthcheck) this.issues.resolve('slow_start', state.name, at, 'container started');
        break;
      case 'kill':
      case 'stop':
        state.stopRequestedAtMs = atMs;
        break;
      case 'oom':
        state.oomKilled = true;
        this.oomCount += 1;
        this.issues.raise('oom_killed', ref, at, `${state.name} was killed by the kernel OOM killer`, {
          source: 'oom event',
        });
        break;
      case 'die':
        this.onDie(state, event.exitCode, atMs);
        break;
      case 'health_status':
        this.onHealth(state, event.health, at);
        break;
      case 'destroy':
        state.status = 'removed';
        this.issues.resolve('slow_start', state.name, at, 'container removed');
        break;
      case 'pause':
        state.status = 'paused';
        break;
      case 'unpause':
        state.status = 'running';
        break;
      default:
        break;
    }
  }

  private onDie(state: ContainerState, exitCode: number | undefined, atMs: number): void {
    const at = iso(atMs);
    const ref = this.ref(state);
    state.status = 'exited';
    state.exitCode = exitCode;
    const intentional =
      state.stopRequestedAtMs !== undefined && atMs - state.stopRequestedAtMs <= INTENTIONAL_STOP_MS;
    state.stopRequestedAtMs = undefined;
    state.startedAtMs = undefined;
    if (intentional) return;
    const { crashLoopCount, crashLoopWindowMs } = this.thresholds;
    keepRecentDies(state.dies, atMs, crashLoopWindowMs, crashLoopCount * 4);
    if (state.dies.length >= crashLoopCount) {
      this.issues.raise(
        'crash_loop',
        ref,
        at,
        `${state.name} exited ${state.dies.length} times within ${seconds(crashLoopWindowMs)} s`,
        {
          dies_in_window: state.dies.length,
          window_seconds: seconds(crashLoopWindowMs),
          last_exit_code: exitCode ?? 'unknown',
          restart_count: state.restartCount,
        },
      );
    }
    // An OOM kill already says why it died; 137 alone is just SIGKILL and is not called OOM.
    if (exitCode !== undefined && exitCode !== 0 && !state.oomKilled) {
      const evidence: Record<string, string | number> = { exit_code: exitCode };
      if (exitCode === 137) evidence.note = 'SIGKILL (137) without an OOM report from Docker';
      this.issues.raise('nonzero_exit', ref, at, `${state.name} exited with code ${exitCode}`, evidence);
    }
  }

  private onHealth(state: ContainerState, health: string | undefined, at: string): void {
    if (!health) return;
    state.hasHealthcheck = true;
    state.health = health;
    if (health === 'unhealthy') {
      this.issues.raise('unhealthy', this.ref(state), at, `${state.name} health check is failing`, {
        health: 'unhealthy',
      });
    } else if (health === 'healthy') {
      state.healthySinceStart = true;
      this.issues.resolve('unhealthy', state.name, at, 'health check passing again');
      this.issues.resolve('slow_start', state.name, at, 'became healthy');
    }
  }

  /**
   * Folds in what inspect reports: OOMKilled (Docker sometimes sets it without an `oom`
   * event), health, restart count. `initial` is the start-up reconcile, when exits that
   * happened while we were not watching are reported once.
   */
  onInspect(info: ContainerInspect, nowMs: number, initial: boolean): void {
    const name = (info.Name ?? info.Id.slice(0, 12)).replace(/^\//, '');
    const state = this.container({ id: info.Id, name, image: info.Config?.Image ?? '' }, nowMs);
    const ref = this.ref(state);
    const at = iso(nowMs);
    const docker = info.State ?? {};
    const test = info.Config?.Healthcheck?.Test;
    state.hasHealthcheck = Array.isArray(test) && test.length > 0 && test[0] !== 'NONE';
    state.restartCount = info.RestartCount ?? state.restartCount;
    if (docker.Status) state.status = docker.Status;
    if (docker.Running && docker.StartedAt && state.startedAtMs === undefined) {
      const started = Date.parse(docker.StartedAt);
      if (Number.isFinite(started)) state.startedAtMs = started;
    }
    if (docker.OOMKilled && !this.issues.isOpen('oom_killed', name)) {
      if (!state.oomKilled) this.oomCount += 1;
      state.oomKilled = true;
      this.issues.raise('oom_killed', ref, at, `${name} was killed by the kernel OOM killer`, {
        source: 'State.OOMKilled',
        exit_code: docker.ExitCode ?? 'unknown',
      });
    }
    const health = docker.Health?.Status;
    if (health && health !== state.health) this.onHealth(state, health, at);
    if (
      initial &&
      !docker.Running &&
      docker.Status === 'exited' &&
      docker.ExitCode !== undefined &&
      docker.ExitCode !== 0 &&
      !docker.OOMKilled &&
      // 143/137 after `docker stop` look the same as failures; without the event we cannot tell.
      docker.ExitCode !== 143 &&
      docker.ExitCode !== 137
    ) {
      state.exitCode = docker.ExitCode;
      this.issues.raise(
        'nonzero_exit',
        ref,
        docker.FinishedAt && Date.parse(docker.FinishedAt) > 0
          ? new Date(docker.FinishedAt).toISOString()
          : at,
        `${name} exited with code ${docker.ExitCode}`,
        { exit_code: docker.ExitCode, source: 'inspect at start-up' },
        { increment: false },
      );
    }
  }

  /** GPU out-of-memory: the application's own error in its log, not a cgroup OOM. */
  onLogs(ref: ContainerRef, lines: readonly string[], atMs: number): void {
    const line = lines.find((text) => GPU_OOM_PATTERN.test(text));
    if (!line) return;
    this.container(ref, atMs);
    this.issues.raise('gpu_oom', ref, iso(atMs), `${ref.name} ran out of GPU memory`, {
      log_line: line.slice(0, 300),
    });
  }

  /** Time-based rules: slow start, and resolving issues once a container runs stably. */
  tick(nowMs: number): void {
    const at = iso(nowMs);
    const { slowStartMs, stableMs } = this.thresholds;
    for (const state of this.containers.values()) {
      const ref = this.ref(state);
      if (state.status === 'running' && state.startedAtMs !== undefined) {
        const up = nowMs - state.startedAtMs;
        if (up >= stableMs && state.health !== 'unhealthy') {
          const reason = `running stably for ${seconds(up)} s`;
          for (const kind of ['crash_loop', 'nonzero_exit', 'oom_killed', 'gpu_oom'] as const) {
            this.issues.resolve(kind, state.name, at, reason);
          }
          state.dies = [];
        }
        if (state.hasHealthcheck && !state.healthySinceStart && up >= slowStartMs) {
          this.issues.raise(
            'slow_start',
            ref,
            at,
            `${state.name} not healthy ${seconds(up)} s after start`,
            { threshold_seconds: seconds(slowStartMs), health: state.health ?? 'none' },
            { increment: false },
          );
        }
      } else if (state.status === 'created' && state.createdAtMs !== undefined) {
        const waiting = nowMs - state.createdAtMs;
        if (waiting >= slowStartMs) {
          this.issues.raise(
            'slow_start',
            ref,
            at,
            `${state.name} created ${seconds(waiting)} s ago and not running`,
            { threshold_seconds: seconds(slowStartMs) },
            { increment: false },
          );
        }
      }
    }
  }

  /** Per-container state worth keeping across a watcher restart (crash-loop windows). */
  snapshot(): ContainerState[] {
    return [...this.containers.values()];
  }

  restore(states: readonly ContainerState[], oomCount: number): void {
    for (const state of states) this.containers.set(state.name, { ...state, dies: [...state.dies] });
    this.oomCount = oomCount;
  }
}

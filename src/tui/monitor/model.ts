/**
 * What the deploy monitor knows, built only from events the deploy actually produced: a stage
 * starts when the deploy reaches it (an API status change, the health check starting…) and ends
 * when the next one starts, so every elapsed time shown was measured, never estimated. Pure:
 * events carry their own time.
 */
import type { BootStep } from '../data.js';

export type MonitorEvent =
  /** A new stage began (the previous one, if still running, is done). */
  | { readonly kind: 'stage'; readonly id: string; readonly label: string; readonly at: number }
  /** Something the deploy reported along the way (one line, untrusted text is sanitized on display). */
  | { readonly kind: 'note'; readonly text: string; readonly at: number }
  /** The deployment exists: from here on it is listed on the dashboard. */
  | {
      readonly kind: 'deployment';
      readonly id: string;
      readonly label: string;
      readonly ipv4?: string;
      readonly at: number;
    }
  /** The watcher's boot steps, as it last reported them. */
  | { readonly kind: 'boot'; readonly steps: readonly BootStep[]; readonly at: number }
  | { readonly kind: 'done'; readonly at: number; readonly summary: string }
  | {
      readonly kind: 'failed';
      readonly at: number;
      readonly message: string;
      readonly hint?: string;
      readonly lastLines: readonly string[];
    };

export type StageState = 'running' | 'done' | 'failed';

export interface Stage {
  readonly id: string;
  readonly label: string;
  readonly state: StageState;
  readonly startedAt: number;
  readonly finishedAt?: number;
}

export type Outcome =
  | { readonly kind: 'done'; readonly at: number; readonly summary: string }
  | {
      readonly kind: 'failed';
      readonly at: number;
      /** The stage or boot step that failed. */
      readonly step: string;
      readonly message: string;
      readonly hint?: string;
      readonly lastLines: readonly string[];
    };

export interface MonitorState {
  readonly title: string;
  readonly startedAt: number;
  readonly stages: readonly Stage[];
  readonly deployment?: { readonly id: string; readonly label: string; readonly ipv4?: string };
  readonly bootSteps: readonly BootStep[];
  /** Newest last, at most NOTES_KEPT. */
  readonly notes: readonly string[];
  readonly outcome?: Outcome;
}

export const NOTES_KEPT = 50;

export function initialMonitor(title: string, at: number): MonitorState {
  return { title, startedAt: at, stages: [], bootSteps: [], notes: [] };
}

function closeRunning(stages: readonly Stage[], at: number, state: StageState): Stage[] {
  return stages.map((stage) => (stage.state === 'running' ? { ...stage, state, finishedAt: at } : stage));
}

export function applyEvent(state: MonitorState, event: MonitorEvent): MonitorState {
  // Once the outcome is known nothing more happens in this session.
  if (state.outcome) return state;
  switch (event.kind) {
    case 'stage':
      return {
        ...state,
        stages: [
          ...closeRunning(state.stages, event.at, 'done'),
          { id: event.id, label: event.label, state: 'running', startedAt: event.at },
        ],
      };
    case 'note':
      return { ...state, notes: [...state.notes, event.text].slice(-NOTES_KEPT) };
    case 'deployment':
      return {
        ...state,
        deployment: {
          id: event.id,
          label: event.label,
          ...(event.ipv4 !== undefined ? { ipv4: event.ipv4 } : {}),
        },
      };
    case 'boot':
      return { ...state, bootSteps: event.steps };
    case 'done':
      return {
        ...state,
        stages: closeRunning(state.stages, event.at, 'done'),
        outcome: { kind: 'done', at: event.at, summary: event.summary },
      };
    case 'failed': {
      const failedBoot = state.bootSteps.find((step) => step.state === 'failed');
      const running = state.stages.find((stage) => stage.state === 'running');
      return {
        ...state,
        stages: closeRunning(state.stages, event.at, 'failed'),
        outcome: {
          kind: 'failed',
          at: event.at,
          step: failedBoot ? `boot step ${failedBoot.name}` : (running?.label ?? 'start'),
          message: event.message,
          ...(event.hint !== undefined ? { hint: event.hint } : {}),
          lastLines: event.lastLines.length > 0 ? event.lastLines : bootOutput(failedBoot),
        },
      };
    }
  }
}

function bootOutput(step: BootStep | undefined): readonly string[] {
  return (step?.detail ?? '')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-15);
}

/**
 * Holds one deploy's monitor state outside React, so leaving the monitor (the deploy goes on)
 * and coming back shows everything that happened meanwhile.
 */
export class MonitorSession {
  private current: MonitorState;
  private readonly listeners = new Set<() => void>();

  constructor(title: string, at: number) {
    this.current = initialMonitor(title, at);
  }

  get state(): MonitorState {
    return this.current;
  }

  emit = (event: MonitorEvent): void => {
    this.current = applyEvent(this.current, event);
    for (const listener of this.listeners) listener();
  };

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): MonitorState => this.current;
}

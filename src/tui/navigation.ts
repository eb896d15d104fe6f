/**
 * The dashboard's routing and keys: which screen and overlay are shown, and what a key does
 * there. Pure (no React, no Ink rendering), so App only applies the action a key maps to, and
 * a key's meaning can be read, and tested, in one place.
 */
import type { Key } from 'ink';
import type { DeploymentView } from '../status/types.js';
import type { DestroyState } from './components/Confirm.js';
import type { MonitorSession } from './monitor/model.js';
import { sanitizeText } from './sanitize.js';

export type Screen =
  | { readonly kind: 'list' }
  | { readonly kind: 'detail'; readonly id: string }
  | { readonly kind: 'logs'; readonly id: string; readonly back: 'list' | 'detail' }
  | { readonly kind: 'wizard' }
  | { readonly kind: 'monitor'; readonly session: MonitorSession };

export type Overlay =
  | { readonly kind: 'help' }
  | { readonly kind: 'destroy'; readonly state: DestroyState }
  | undefined;

/** A screen's own key handler, set by the screen while it is shown. */
export type KeyHandler = (input: string, key: Key) => void;
export interface ScreenKeys {
  current: KeyHandler | undefined;
}

export interface Selection {
  readonly index: number;
  readonly id?: string;
}

const PAGE = 10;

export type Movement = number | 'first' | 'last';

/** The selected row: the same deployment by id across refreshes, else the same position. */
export function resolveSelection(
  selection: Selection,
  deployments: readonly DeploymentView[] | undefined,
): number {
  if (!deployments || deployments.length === 0) return 0;
  const byId = selection.id === undefined ? -1 : deployments.findIndex((d) => d.id === selection.id);
  return byId >= 0 ? byId : Math.min(selection.index, deployments.length - 1);
}

/** Scroll/selection movement shared by every screen: returns the delta for a key, or undefined. */
export function movement(input: string, key: Key, page = PAGE): Movement | undefined {
  if (key.upArrow || input === 'k') return -1;
  if (key.downArrow || input === 'j') return 1;
  if (key.pageUp) return -page;
  if (key.pageDown) return page;
  if (key.home || input === 'g') return 'first';
  if (key.end || input === 'G') return 'last';
  return undefined;
}

/** Applies a movement to a scroll offset counted up from the newest line. */
export function scrollBy(scroll: number, move: Movement, total: number): number {
  if (move === 'first') return total;
  if (move === 'last') return 0;
  return Math.max(0, Math.min(total, scroll - move));
}

/** What the dashboard knows when a key arrives (the latest values, not a render's). */
export interface KeyState {
  readonly screen: Screen;
  readonly overlay: Overlay;
  readonly deployments: readonly DeploymentView[] | undefined;
  readonly selection: Selection;
  readonly canCreate: boolean;
  /** The deploy started here most recently, if any. */
  readonly monitored: MonitorSession | undefined;
  /** That deploy has not finished: quitting stops following it. */
  readonly deployRunning: boolean;
  /** `q` was pressed once while a deploy runs, and nothing else since. */
  readonly quitWarned: boolean;
}

export type KeyAction =
  | { readonly kind: 'none' }
  | { readonly kind: 'exit' }
  /** Hand the key to the screen shown (its own handler). */
  | { readonly kind: 'screen-key' }
  | { readonly kind: 'show'; readonly screen: Screen }
  | { readonly kind: 'overlay'; readonly overlay: Overlay }
  | { readonly kind: 'close-destroy'; readonly state: DestroyState }
  | { readonly kind: 'run-destroy'; readonly target: DeploymentView }
  | { readonly kind: 'warn-quit' }
  | { readonly kind: 'refresh' }
  | { readonly kind: 'move'; readonly move: Movement };

const none: KeyAction = { kind: 'none' };

/** The destroy overlay as it opens: asking for the id to be typed. */
export function confirmDestroy(target: DeploymentView): Overlay {
  return { kind: 'destroy', state: { phase: 'confirm', target, typed: '', mismatch: false } };
}

/** The action for a key, and whether a second `q` now quits. */
export function dashboardKey(
  state: KeyState,
  input: string,
  key: Key,
): { readonly action: KeyAction; readonly quitWarned: boolean } {
  const keep = (action: KeyAction) => ({ action, quitWarned: state.quitWarned });
  if (key.ctrl && input === 'c') return keep({ kind: 'exit' });
  const { overlay, screen } = state;
  if (overlay?.kind === 'help') {
    return keep(
      input === '?' || input === 'q' || key.escape ? { kind: 'overlay', overlay: undefined } : none,
    );
  }
  if (overlay?.kind === 'destroy') return keep(destroyKey(overlay.state, input, key));
  // The wizard takes every key (a name may contain '?').
  if (screen.kind === 'wizard') return keep({ kind: 'screen-key' });
  if (input === '?') return keep({ kind: 'overlay', overlay: { kind: 'help' } });
  // One dispatcher: the other screens get the keys only while they are shown, so a key that
  // navigates back is never also handled by the list.
  if (screen.kind !== 'list') return keep({ kind: 'screen-key' });
  if (input === 'q' || key.escape) {
    // Quitting stops following a deploy started here: say so once before doing it.
    if (state.deployRunning && !state.quitWarned) return { action: { kind: 'warn-quit' }, quitWarned: true };
    return keep({ kind: 'exit' });
  }
  return { action: listKey(state, input, key), quitWarned: false };
}

/** The destroy overlay: type the id, Enter to destroy; any key closes it once it has finished. */
function destroyKey(state: DestroyState, input: string, key: Key): KeyAction {
  if (state.phase === 'running') return none;
  if (state.phase !== 'confirm') return { kind: 'close-destroy', state };
  if (key.escape) return { kind: 'overlay', overlay: undefined };
  if (key.return) {
    return state.typed.trim() === state.target.id
      ? { kind: 'run-destroy', target: state.target }
      : { kind: 'overlay', overlay: { kind: 'destroy', state: { ...state, mismatch: true } } };
  }
  if (key.backspace || key.delete) {
    return {
      kind: 'overlay',
      overlay: { kind: 'destroy', state: { ...state, typed: state.typed.slice(0, -1), mismatch: false } },
    };
  }
  if (input && !key.ctrl && !key.meta && state.typed.length < 64) {
    return {
      kind: 'overlay',
      overlay: {
        kind: 'destroy',
        state: { ...state, typed: state.typed + sanitizeText(input), mismatch: false },
      },
    };
  }
  return none;
}

/** The list: r refresh, movement, n new, m the running deploy, Enter detail, l logs, d destroy. */
function listKey(state: KeyState, input: string, key: Key): KeyAction {
  if (input === 'r') return { kind: 'refresh' };
  const move = movement(input, key);
  if (move !== undefined) return { kind: 'move', move };
  if (input === 'n' && state.canCreate) return { kind: 'show', screen: { kind: 'wizard' } };
  if (input === 'm' && state.monitored)
    return { kind: 'show', screen: { kind: 'monitor', session: state.monitored } };
  const rows = state.deployments;
  const current = rows?.[resolveSelection(state.selection, rows)];
  if (!current) return none;
  if (key.return) return { kind: 'show', screen: { kind: 'detail', id: current.id } };
  if (input === 'l') return { kind: 'show', screen: { kind: 'logs', id: current.id, back: 'list' } };
  if (input === 'd') return { kind: 'overlay', overlay: confirmDestroy(current) };
  return none;
}

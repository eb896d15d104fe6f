/** The dashboard's key map (src/tui/navigation.ts), without rendering: one key, one action. */
import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import type { MonitorSession } from '../../src/tui/monitor/model.js';
import { confirmDestroy, dashboardKey, type KeyState, scrollBy } from '../../src/tui/navigation.js';
import { view } from './fake-source.js';

const noKey: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};
const key = (patch: Partial<Key> = {}): Key => ({ ...noKey, ...patch });

const rows = [view('aaaa1111'), view('bbbb2222')];
const onList: KeyState = {
  screen: { kind: 'list' },
  overlay: undefined,
  deployments: rows,
  selection: { index: 0, id: 'bbbb2222' },
  canCreate: true,
  monitored: undefined,
  deployRunning: false,
  quitWarned: false,
};
const action = (state: KeyState, input: string, k = key()) => dashboardKey(state, input, k).action;

describe('dashboard keys', () => {
  it('opens the selected deployment (by id, not position) with Enter, its log with l, destroy with d', () => {
    expect(action(onList, '', key({ return: true }))).toEqual({
      kind: 'show',
      screen: { kind: 'detail', id: 'bbbb2222' },
    });
    expect(action(onList, 'l')).toEqual({
      kind: 'show',
      screen: { kind: 'logs', id: 'bbbb2222', back: 'list' },
    });
    expect(action(onList, 'd')).toEqual({ kind: 'overlay', overlay: confirmDestroy(rows[1]!) });
    expect(action(onList, 'j')).toEqual({ kind: 'move', move: 1 });
    expect(action(onList, '', key({ end: true }))).toEqual({ kind: 'move', move: 'last' });
    expect(action({ ...onList, deployments: [] }, '', key({ return: true }))).toEqual({ kind: 'none' });
  });

  it('n opens the wizard only with a backend, m only with a deploy to show', () => {
    expect(action(onList, 'n')).toEqual({ kind: 'show', screen: { kind: 'wizard' } });
    expect(action({ ...onList, canCreate: false }, 'n')).toEqual({ kind: 'none' });
    expect(action(onList, 'm')).toEqual({ kind: 'none' });
    const session = {} as MonitorSession;
    expect(action({ ...onList, monitored: session }, 'm')).toEqual({
      kind: 'show',
      screen: { kind: 'monitor', session },
    });
  });

  it('q quits, but warns once first while a deploy started here runs; another key re-arms it', () => {
    expect(action(onList, 'q')).toEqual({ kind: 'exit' });
    const running = { ...onList, deployRunning: true };
    const first = dashboardKey(running, 'q', key());
    expect(first).toEqual({ action: { kind: 'warn-quit' }, quitWarned: true });
    expect(dashboardKey({ ...running, quitWarned: true }, 'q', key()).action).toEqual({ kind: 'exit' });
    expect(dashboardKey({ ...running, quitWarned: true }, 'j', key()).quitWarned).toBe(false);
  });

  it('hands every key to the wizard (a name may hold ?), and non-list keys to the screen shown', () => {
    const wizard = { ...onList, screen: { kind: 'wizard' } } as const;
    expect(action(wizard, '?')).toEqual({ kind: 'screen-key' });
    expect(action(wizard, 'q')).toEqual({ kind: 'screen-key' });
    const detail = { ...onList, screen: { kind: 'detail', id: 'aaaa1111' } } as const;
    expect(action(detail, 'q')).toEqual({ kind: 'screen-key' });
    expect(action(detail, '?')).toEqual({ kind: 'overlay', overlay: { kind: 'help' } });
    expect(action(detail, 'c', key({ ctrl: true }))).toEqual({ kind: 'exit' });
  });

  it('help closes on ? q or Escape and swallows other keys', () => {
    const help = { ...onList, overlay: { kind: 'help' } } as const;
    expect(action(help, 'q')).toEqual({ kind: 'overlay', overlay: undefined });
    expect(action(help, '', key({ escape: true }))).toEqual({ kind: 'overlay', overlay: undefined });
    expect(action(help, 'd')).toEqual({ kind: 'none' });
  });

  it('the destroy prompt types the id (escape sequences dropped), and destroys only the exact id', () => {
    const asking = (typed: string): KeyState => ({
      ...onList,
      overlay: { kind: 'destroy', state: { phase: 'confirm', target: rows[0]!, typed, mismatch: false } },
    });
    expect(action(asking('aaaa111'), '1')).toMatchObject({
      overlay: { state: { typed: 'aaaa1111', mismatch: false } },
    });
    expect(action(asking('aaaa'), '\u001b[2J1')).toMatchObject({ overlay: { state: { typed: 'aaaa1' } } });
    expect(action(asking('aaaa'), '', key({ return: true }))).toMatchObject({
      overlay: { state: { mismatch: true } },
    });
    expect(action(asking('aaaa1111'), '', key({ return: true }))).toEqual({
      kind: 'run-destroy',
      target: rows[0],
    });
    expect(action(asking('aaaa1111'), '', key({ backspace: true }))).toMatchObject({
      overlay: { state: { typed: 'aaaa111' } },
    });
  });

  it('scrolls a log from the newest line up, within its length', () => {
    expect(scrollBy(0, -1, 10)).toBe(1);
    expect(scrollBy(0, 1, 10)).toBe(0);
    expect(scrollBy(3, 'first', 10)).toBe(10);
    expect(scrollBy(3, 'last', 10)).toBe(0);
    expect(scrollBy(5, -100, 10)).toBe(10);
  });
});

/**
 * The dashboard application: screens (list → detail → logs), overlays (help, destroy) and
 * key handling. Each screen owns its polling, so only what is on screen is fetched.
 */
import { Box, type Key, useApp, useInput } from 'ink';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { DeploymentView } from '../../status/types.js';
import type { DataSource } from '../data.js';
import {
  describeError,
  type TerminalSize,
  useLatestState,
  useNow,
  usePolling,
  useTerminalSize,
} from '../hooks.js';
import { Monitor } from '../monitor/Monitor.js';
import type { MonitorSession } from '../monitor/model.js';
import { useDeploySessions } from '../monitor/sessions.js';
import { sanitizeLines, sanitizeText } from '../sanitize.js';
import { ColorContext } from '../theme.js';
import type { WizardBackend } from '../wizard/types.js';
import { Wizard } from '../wizard/Wizard.js';
import { ConfirmDestroy, type DestroyState, type ProgressState } from './Confirm.js';
import { updatedLabel } from './chrome.js';
import { Dashboard } from './Dashboard.js';
import { Detail } from './Detail.js';
import { Help } from './Help.js';
import { Logs } from './Logs.js';

export interface AppProps {
  readonly source: DataSource;
  /** Auto-refresh period in ms (0 disables it). */
  readonly intervalMs: number;
  readonly now?: () => number;
  /** How often the clock display ticks (ms); tests pass 0 and drive `now`. */
  readonly tickMs?: number;
  readonly color?: boolean;
  /** Forces a terminal size (tests); otherwise the real size, updated on resize. */
  readonly size?: TerminalSize;
  /** How many log lines to ask for. */
  readonly logLines?: number;
  /** The init wizard's backend (`n`); without it the key does nothing. */
  readonly wizard?: WizardBackend;
}

type Screen =
  | { readonly kind: 'list' }
  | { readonly kind: 'detail'; readonly id: string }
  | { readonly kind: 'logs'; readonly id: string; readonly back: 'list' | 'detail' }
  | { readonly kind: 'wizard' }
  | { readonly kind: 'monitor'; readonly session: MonitorSession };

type KeyHandler = (input: string, key: Key) => void;

type Overlay =
  | { readonly kind: 'help' }
  | { readonly kind: 'destroy'; readonly state: DestroyState }
  | undefined;

const PAGE = 10;

interface Selection {
  readonly index: number;
  readonly id?: string;
}

/** The selected row: the same deployment by id across refreshes, else the same position. */
function resolveSelection(selection: Selection, deployments: readonly DeploymentView[] | undefined): number {
  if (!deployments || deployments.length === 0) return 0;
  const byId = selection.id === undefined ? -1 : deployments.findIndex((d) => d.id === selection.id);
  return byId >= 0 ? byId : Math.min(selection.index, deployments.length - 1);
}

/** Scroll/selection movement shared by every screen: returns the delta for a key, or undefined. */
export function movement(input: string, key: Key, page = PAGE): number | 'first' | 'last' | undefined {
  if (key.upArrow || input === 'k') return -1;
  if (key.downArrow || input === 'j') return 1;
  if (key.pageUp) return -page;
  if (key.pageDown) return page;
  if (key.home || input === 'g') return 'first';
  if (key.end || input === 'G') return 'last';
  return undefined;
}

export function App(props: AppProps) {
  const now = props.now ?? Date.now;
  const size = useTerminalSize(props.size);
  const clock = useNow(now, props.tickMs ?? 1000);
  const { exit } = useApp();
  const [screen, screenRef, setScreen] = useLatestState<Screen>({ kind: 'list' });
  const [overlay, overlayRef, setOverlay] = useLatestState<Overlay>(undefined);
  const screenKeys = useRef<KeyHandler | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const quitWarned = useRef(false);
  const [selection, selectionRef, setSelection] = useLatestState<Selection>({ index: 0 });

  const source = props.source;
  const list = usePolling(() => source.list(), props.intervalMs, now);
  const deployments = list.data;
  const deploymentsRef = useRef(deployments);
  deploymentsRef.current = deployments;

  const selected = resolveSelection(selection, deployments);

  // Keys can arrive faster than renders: each moves from the latest position (the ref), not
  // from the one the handler saw when it was attached.
  const moveSelection = useCallback(
    (move: number | 'first' | 'last') => {
      const list = deploymentsRef.current;
      if (!list || list.length === 0) return;
      const from = resolveSelection(selectionRef.current, list);
      const target = move === 'first' ? 0 : move === 'last' ? list.length - 1 : from + move;
      const index = Math.min(Math.max(0, target), list.length - 1);
      setSelection({ index, id: list[index]!.id });
    },
    [selectionRef, setSelection],
  );

  const height = Math.max(8, size.rows - 1);
  const width = Math.max(40, size.columns);
  const screenDeployment = 'id' in screen ? deployments?.find((d) => d.id === screen.id) : undefined;
  const deploys = useDeploySessions(props.wizard, now, list.refresh);

  const startDestroy = useCallback(
    (target: DeploymentView) => {
      setOverlay({ kind: 'destroy', state: { phase: 'confirm', target, typed: '', mismatch: false } });
    },
    [setOverlay],
  );

  const runDestroy = useCallback(
    (target: DeploymentView) => {
      const startedAt = now();
      const progress: string[] = [];
      const update = (patch: Partial<ProgressState>) =>
        setOverlay({
          kind: 'destroy',
          state: { phase: 'running', target, progress: [...progress], startedAt, ...patch },
        });
      update({});
      source
        .destroy(target.id, (message) => {
          progress.push(message);
          update({});
        })
        .then(
          () => {
            update({ phase: 'done', finishedAt: now() });
            setNotice(`Destroyed ${target.id}.`);
            list.refresh();
          },
          (error: unknown) => update({ phase: 'failed', finishedAt: now(), error: describeError(error) }),
        );
    },
    [source, now, list.refresh, setOverlay],
  );

  const closeDestroy = useCallback(
    (state: DestroyState) => {
      setOverlay(undefined);
      const screen = screenRef.current;
      if (state.phase === 'done' && 'id' in screen && screen.id === state.target.id) {
        setScreen({ kind: 'list' });
      }
    },
    [screenRef, setScreen, setOverlay],
  );

  useInput((input, key) => {
    if (key.ctrl && input === 'c') {
      exit();
      return;
    }
    const overlay = overlayRef.current;
    const screen = screenRef.current;
    if (overlay?.kind === 'help') {
      if (input === '?' || input === 'q' || key.escape) setOverlay(undefined);
      return;
    }
    if (overlay?.kind === 'destroy') {
      const state = overlay.state;
      if (state.phase === 'running') return;
      if (state.phase !== 'confirm') {
        closeDestroy(state);
        return;
      }
      if (key.escape) setOverlay(undefined);
      else if (key.return) {
        if (state.typed.trim() === state.target.id) runDestroy(state.target);
        else setOverlay({ kind: 'destroy', state: { ...state, mismatch: true } });
      } else if (key.backspace || key.delete) {
        setOverlay({
          kind: 'destroy',
          state: { ...state, typed: state.typed.slice(0, -1), mismatch: false },
        });
      } else if (input && !key.ctrl && !key.meta && state.typed.length < 64) {
        setOverlay({
          kind: 'destroy',
          state: { ...state, typed: state.typed + sanitizeText(input), mismatch: false },
        });
      }
      return;
    }
    if (screen.kind === 'wizard') {
      // The wizard takes every key (a name may contain '?').
      screenKeys.current?.(input, key);
      return;
    }
    if (input === '?') {
      setOverlay({ kind: 'help' });
      return;
    }
    if (screen.kind !== 'list') {
      // One dispatcher: the detail and logs screens get the keys only while they are shown,
      // so a key that navigates back is never also handled by the list.
      screenKeys.current?.(input, key);
      return;
    }
    if (input === 'q' || key.escape) {
      // Quitting stops following a deploy started here: say so once before doing it.
      const following = deploys.last();
      if (following && !following.state.outcome && !quitWarned.current) {
        quitWarned.current = true;
        setNotice('A deploy started here is still running: press q again to quit (m shows it).');
        return;
      }
      exit();
      return;
    }
    quitWarned.current = false;
    if (input === 'r') {
      setNotice(undefined);
      list.refresh();
      return;
    }
    const move = movement(input, key);
    if (move !== undefined) {
      moveSelection(move);
      return;
    }
    if (input === 'n' && props.wizard) {
      setScreen({ kind: 'wizard' });
      return;
    }
    const monitored = deploys.last();
    if (input === 'm' && monitored) {
      setScreen({ kind: 'monitor', session: monitored });
      return;
    }
    const rows = deploymentsRef.current;
    const current = rows?.[resolveSelection(selectionRef.current, rows)];
    if (!current) return;
    if (key.return) setScreen({ kind: 'detail', id: current.id });
    else if (input === 'l') setScreen({ kind: 'logs', id: current.id, back: 'list' });
    else if (input === 'd') startDestroy(current);
  });

  const screenProps = {
    source,
    intervalMs: props.intervalMs,
    now,
    clock,
    width,
    height,
    keys: screenKeys,
    logLines: props.logLines ?? 500,
  };
  let body: React.ReactNode;
  if (overlay?.kind === 'help') {
    body = <Help width={width} height={height} interval={props.intervalMs} />;
  } else if (screen.kind === 'detail' && screenDeployment) {
    body = (
      <DetailScreen
        {...screenProps}
        deployment={screenDeployment}
        onBack={() => setScreen({ kind: 'list' })}
        onLogs={() => setScreen({ kind: 'logs', id: screen.id, back: 'detail' })}
        onDestroy={() => startDestroy(screenDeployment)}
        onRefresh={list.refresh}
      />
    );
  } else if (screen.kind === 'wizard' && props.wizard) {
    body = (
      <Wizard
        backend={props.wizard}
        width={width}
        height={height}
        keys={screenKeys}
        onCancel={() => setScreen({ kind: 'list' })}
        onConfirm={(answers) => setScreen({ kind: 'monitor', session: deploys.start(answers) })}
      />
    );
  } else if (screen.kind === 'monitor') {
    body = (
      <Monitor
        session={screen.session}
        now={clock}
        width={width}
        height={height}
        keys={screenKeys}
        onLeave={() => {
          // Leaving only leaves the screen: the deploy keeps running.
          setScreen({ kind: 'list' });
          list.refresh();
        }}
      />
    );
  } else if (screen.kind === 'logs') {
    body = (
      <LogsScreen
        {...screenProps}
        id={screen.id}
        title={`Log · ${screen.id}${screenDeployment ? ` · ${sanitizeText(screenDeployment.app)} / ${sanitizeText(screenDeployment.env)}` : ''}`}
        onBack={() =>
          setScreen(screen.back === 'detail' ? { kind: 'detail', id: screen.id } : { kind: 'list' })
        }
      />
    );
  } else {
    body = (
      <Dashboard
        deployments={deployments}
        selected={selected}
        now={clock}
        width={width}
        height={height}
        updated={updatedLabel(list.updatedAt, clock, list.fetching)}
        error={list.error}
        notice={
          screen.kind === 'detail' && deployments && !screenDeployment
            ? `${screen.id} is no longer listed.`
            : notice
        }
      />
    );
  }

  // A detail screen whose deployment disappeared (destroyed elsewhere) falls back to the list.
  useEffect(() => {
    if (screen.kind === 'detail' && deployments && !deployments.some((d) => d.id === screen.id)) {
      setNotice(`${screen.id} is no longer listed.`);
      setScreen({ kind: 'list' });
    }
  }, [screen, deployments, setScreen]);

  return (
    <ColorContext.Provider value={props.color ?? true}>
      {overlay?.kind === 'destroy' ? (
        <Box flexDirection="column" width={width} height={height}>
          <ConfirmDestroy state={overlay.state} width={width} now={clock} />
        </Box>
      ) : (
        body
      )}
    </ColorContext.Provider>
  );
}

interface ScreenProps {
  readonly source: DataSource;
  readonly intervalMs: number;
  readonly now: () => number;
  readonly clock: number;
  readonly width: number;
  readonly height: number;
  /** Where the screen puts its key handler for the App's dispatcher. */
  readonly keys: { current: KeyHandler | undefined };
  readonly logLines: number;
  readonly onBack: () => void;
}

function useLogs(source: DataSource, id: string, lines: number, intervalMs: number, now: () => number) {
  const polled = usePolling(async () => sanitizeLines(await source.logs(id, lines)), intervalMs, now, id);
  return polled;
}

/** Applies a movement to a scroll offset counted up from the newest line. */
function scrollBy(scroll: number, move: number | 'first' | 'last', total: number): number {
  if (move === 'first') return total;
  if (move === 'last') return 0;
  return Math.max(0, Math.min(total, scroll - move));
}

function DetailScreen(
  props: ScreenProps & {
    readonly deployment: DeploymentView;
    readonly onLogs: () => void;
    readonly onDestroy: () => void;
    readonly onRefresh: () => void;
  },
) {
  const { source, deployment } = props;
  const detail = usePolling(() => source.detail(deployment.id), props.intervalMs, props.now, deployment.id);
  const logs = useLogs(source, deployment.id, props.logLines, props.intervalMs, props.now);
  const [scroll, setScroll] = useState(0);
  props.keys.current = (input, key) => {
    if (input === 'q' || key.escape) props.onBack();
    else if (input === 'r') {
      detail.refresh();
      logs.refresh();
      props.onRefresh();
    } else if (input === 'l') props.onLogs();
    else if (input === 'd') props.onDestroy();
    else {
      const move = movement(input, key);
      if (move !== undefined) setScroll((value) => scrollBy(value, move, logs.data?.length ?? 0));
    }
  };
  return (
    <Detail
      deployment={deployment}
      detail={detail.data}
      detailError={detail.error}
      logs={logs.data}
      logsError={logs.error}
      logScroll={scroll}
      now={props.clock}
      width={props.width}
      height={props.height}
      updated={updatedLabel(detail.updatedAt, props.clock, detail.fetching)}
    />
  );
}

function LogsScreen(props: ScreenProps & { readonly id: string; readonly title: string }) {
  const logs = useLogs(props.source, props.id, props.logLines, props.intervalMs, props.now);
  const [scroll, setScroll] = useState(0);
  const page = Math.max(1, props.height - 4);
  props.keys.current = (input, key) => {
    if (input === 'q' || key.escape) props.onBack();
    else if (input === 'r') logs.refresh();
    else {
      const move = movement(input, key, page);
      if (move !== undefined) setScroll((value) => scrollBy(value, move, logs.data?.length ?? 0));
    }
  };
  return (
    <Logs
      title={props.title}
      lines={logs.data}
      error={logs.error}
      scroll={scroll}
      width={props.width}
      height={props.height}
      updated={updatedLabel(logs.updatedAt, props.clock, logs.fetching)}
    />
  );
}

/**
 * The dashboard application: which screen is shown (list → detail → logs, wizard, monitor)
 * and its overlays (help, destroy). A key's meaning is navigation.ts's; App applies it. Each
 * screen (src/tui/screens/) owns its polling, so only what is on screen is fetched.
 */
import { Box, useApp, useInput } from 'ink';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { DeploymentView } from '../status/types.js';
import { ConfirmDestroy, type DestroyState, type ProgressState } from './components/Confirm.js';
import { Help } from './components/Help.js';
import type { DataSource } from './data.js';
import {
  describeError,
  type TerminalSize,
  useLatestState,
  useNow,
  usePolling,
  useTerminalSize,
} from './hooks.js';
import { useDeploySessions } from './monitor/sessions.js';
import {
  confirmDestroy,
  dashboardKey,
  type Movement,
  type Overlay,
  resolveSelection,
  type Screen,
  type ScreenKeys,
  type Selection,
} from './navigation.js';
import { sanitizeText } from './sanitize.js';
import { DetailScreen } from './screens/DetailScreen.js';
import { ListScreen } from './screens/ListScreen.js';
import { LogsScreen } from './screens/LogsScreen.js';
import { MonitorScreen } from './screens/MonitorScreen.js';
import { WizardScreen } from './screens/WizardScreen.js';
import { ColorContext } from './theme.js';
import type { WizardBackend } from './wizard/types.js';

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

export function App(props: AppProps) {
  const now = props.now ?? Date.now;
  const size = useTerminalSize(props.size);
  const clock = useNow(now, props.tickMs ?? 1000);
  const { exit } = useApp();
  const [screen, screenRef, setScreen] = useLatestState<Screen>({ kind: 'list' });
  const [overlay, overlayRef, setOverlay] = useLatestState<Overlay>(undefined);
  const screenKeys: ScreenKeys = useRef(undefined);
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
    (move: Movement) => {
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
      setOverlay(confirmDestroy(target));
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
    const following = deploys.last();
    const { action, quitWarned: warned } = dashboardKey(
      {
        screen: screenRef.current,
        overlay: overlayRef.current,
        deployments: deploymentsRef.current,
        selection: selectionRef.current,
        canCreate: props.wizard !== undefined,
        monitored: following,
        deployRunning: following !== undefined && !following.state.outcome,
        quitWarned: quitWarned.current,
      },
      input,
      key,
    );
    quitWarned.current = warned;
    switch (action.kind) {
      case 'exit':
        exit();
        break;
      case 'screen-key':
        screenKeys.current?.(input, key);
        break;
      case 'show':
        setScreen(action.screen);
        break;
      case 'overlay':
        setOverlay(action.overlay);
        break;
      case 'close-destroy':
        closeDestroy(action.state);
        break;
      case 'run-destroy':
        runDestroy(action.target);
        break;
      case 'warn-quit':
        setNotice('A deploy started here is still running: press q again to quit (m shows it).');
        break;
      case 'refresh':
        setNotice(undefined);
        list.refresh();
        break;
      case 'move':
        moveSelection(action.move);
        break;
      default:
        break;
    }
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
      <WizardScreen
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
      <MonitorScreen
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
      <ListScreen
        list={list}
        selected={selected}
        clock={clock}
        width={width}
        height={height}
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

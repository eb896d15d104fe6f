/**
 * Starts the dashboard on the terminal. Loaded only by the `tui` handler through dynamic
 * import, so no other command pays for Ink and React.
 */
import { render } from 'ink';
import { colorEnabled } from '../util/color.js';
import { App } from './App.js';
import type { DataSource } from './data.js';
import type { WizardBackend } from './wizard/types.js';

export interface RunTuiOptions {
  readonly source: DataSource;
  readonly intervalMs: number;
  readonly env: NodeJS.ProcessEnv;
  readonly stdout?: NodeJS.WriteStream;
  readonly stdin?: NodeJS.ReadStream;
  /** The init wizard (`n`). */
  readonly wizard?: WizardBackend;
}

// The alternate screen keeps the user's scrollback intact and is restored on every exit path.
const ENTER_ALTERNATE_SCREEN = '\u001b[?1049h\u001b[H';
const LEAVE_ALTERNATE_SCREEN = '\u001b[?1049l';
const SHOW_CURSOR = '\u001b[?25h';

export async function runTui(options: RunTuiOptions): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stdin = options.stdin ?? process.stdin;
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    stdout.write(SHOW_CURSOR + LEAVE_ALTERNATE_SCREEN);
  };
  const onSignal = () => {
    instance.unmount();
    restore();
    process.exit(130);
  };
  stdout.write(ENTER_ALTERNATE_SCREEN);
  process.once('exit', restore);
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
  process.once('SIGINT', onSignal);
  const instance = render(
    <App
      source={options.source}
      intervalMs={options.intervalMs}
      color={colorEnabled(stdout, options.env)}
      {...(options.wizard ? { wizard: options.wizard } : {})}
    />,
    { stdout, stdin, exitOnCtrlC: true, patchConsole: true },
  );
  try {
    await instance.waitUntilExit();
  } finally {
    instance.cleanup();
    restore();
    process.off('exit', restore);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    process.off('SIGINT', onSignal);
  }
  return 0;
}

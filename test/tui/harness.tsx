/** Renders the App with ink-testing-library at a fixed size and gives tests keys and waits. */
import { render } from 'ink-testing-library';
import { App } from '../../src/tui/App.js';
import type { DataSource } from '../../src/tui/data.js';
import { NOW } from './fake-source.js';

export const KEYS = {
  up: '\u001b[A',
  down: '\u001b[B',
  enter: '\r',
  escape: '\u001b',
  backspace: '\u007f',
  pageDown: '\u001b[6~',
  ctrlC: '\u0003',
} as const;

export interface Harness {
  frame(): string;
  press(...keys: string[]): Promise<void>;
  waitFor(predicate: (frame: string) => boolean, what?: string): Promise<string>;
  unmount(): void;
  stdoutFrames(): readonly string[];
}

export function renderApp(
  source: DataSource,
  options: { columns?: number; rows?: number; color?: boolean; intervalMs?: number; now?: () => number } = {},
): Harness {
  const instance = render(
    <App
      source={source}
      intervalMs={options.intervalMs ?? 0}
      now={options.now ?? (() => NOW)}
      tickMs={0}
      color={options.color ?? false}
      size={{ columns: options.columns ?? 100, rows: options.rows ?? 30 }}
    />,
  );
  const frame = () => instance.lastFrame() ?? '';
  const waitFor = async (predicate: (frame: string) => boolean, what = 'condition') => {
    // Generous: it returns as soon as the frame matches, and CI machines can be busy.
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (predicate(frame())) return frame();
      await sleep(5);
    }
    throw new Error(`timed out waiting for ${what}; last frame:\n${frame()}`);
  };
  return {
    frame,
    async press(...keys) {
      for (const key of keys) {
        // Input handlers attach in effects that run just after a frame is drawn, and Ink parses
        // each chunk as one key sequence: give both a moment, as a person typing would.
        await sleep(25);
        instance.stdin.write(key);
      }
      await sleep(25);
    },
    waitFor,
    unmount: () => instance.unmount(),
    stdoutFrames: () => instance.frames,
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Display width of a frame line (the tests' text is ASCII plus a few single-width symbols). */
export function lineWidths(frame: string): number[] {
  return frame.split('\n').map((line) => [...line].length);
}

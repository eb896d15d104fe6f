/**
 * Data fetching off the render path. Fetches run in effects, never during render, so keys
 * stay responsive while the API is slow; each poll is scheduled after the previous one
 * finishes (no pile-up), and a manual refresh always runs — if a fetch is in flight it runs
 * right after it — unlike the original, whose limiter swallowed the refresh it was asked for.
 */
import { useStdout } from 'ink';
import { useCallback, useEffect, useRef, useState } from 'react';
import { CliError } from '../errors.js';
import { sanitizeText } from './sanitize.js';

export interface Polled<T> {
  /** The last successful result (kept when a later fetch fails). */
  readonly data: T | undefined;
  /** When `data` was fetched (clock ms), for "updated Ns ago". */
  readonly updatedAt: number | undefined;
  /** The last fetch's failure, cleared by the next success. */
  readonly error: string | undefined;
  /** True while a fetch is in flight. */
  readonly fetching: boolean;
  readonly refresh: () => void;
}

export function usePolling<T>(
  fetch: () => Promise<T>,
  intervalMs: number,
  now: () => number,
  /** Changing the key starts over (e.g. another deployment's detail). */
  key = '',
): Polled<T> {
  const [state, setState] = useState<Omit<Polled<T>, 'refresh'>>({
    data: undefined,
    updatedAt: undefined,
    error: undefined,
    fetching: true,
  });
  const fetchRef = useRef(fetch);
  fetchRef.current = fetch;
  const control = useRef({ inFlight: false, again: false, timer: undefined as NodeJS.Timeout | undefined });
  const runRef = useRef<() => void>(() => undefined);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` deliberately restarts polling.
  useEffect(() => {
    let alive = true;
    const c = control.current;
    setState({ data: undefined, updatedAt: undefined, error: undefined, fetching: true });
    const schedule = () => {
      clearTimeout(c.timer);
      if (alive && intervalMs > 0) c.timer = setTimeout(run, intervalMs);
    };
    const run = () => {
      if (!alive) return;
      if (c.inFlight) {
        c.again = true;
        return;
      }
      clearTimeout(c.timer);
      c.inFlight = true;
      setState((previous) => ({ ...previous, fetching: true }));
      fetchRef
        .current()
        .then(
          (data) => {
            if (alive) setState({ data, updatedAt: now(), error: undefined, fetching: false });
          },
          (error: unknown) => {
            if (alive)
              setState((previous) => ({ ...previous, error: describeError(error), fetching: false }));
          },
        )
        .finally(() => {
          c.inFlight = false;
          if (!alive) return;
          if (c.again) {
            c.again = false;
            run();
          } else schedule();
        });
    };
    runRef.current = run;
    run();
    return () => {
      alive = false;
      clearTimeout(c.timer);
      c.inFlight = false;
      c.again = false;
    };
  }, [key, intervalMs]);

  const refresh = useCallback(() => runRef.current(), []);
  return { ...state, refresh };
}

/** One display-safe line for an error from a data source (CliError hints included). */
export function describeError(error: unknown): string {
  if (error instanceof CliError) {
    return sanitizeText(error.hint ? `${error.message} ${error.hint}` : error.message);
  }
  const message = error instanceof Error ? error.message : String(error);
  return sanitizeText(message.split('\n')[0] ?? message);
}

/** The clock, re-read every `everyMs` so "updated Ns ago" and ages move. */
export function useNow(now: () => number, everyMs: number): number {
  const [value, setValue] = useState(now);
  useEffect(() => {
    if (everyMs <= 0) return;
    const timer = setInterval(() => setValue(now()), everyMs);
    return () => clearInterval(timer);
  }, [now, everyMs]);
  return value;
}

export interface TerminalSize {
  readonly columns: number;
  readonly rows: number;
}

/** The terminal size, updated on resize (a fixed size can be forced, as tests do). */
export function useTerminalSize(fixed?: TerminalSize): TerminalSize {
  const { stdout } = useStdout();
  const read = useCallback(
    (): TerminalSize => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 }),
    [stdout],
  );
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (fixed) return;
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, read, fixed]);
  return fixed ?? size;
}

/**
 * State whose latest value key handlers can read synchronously. Keys can arrive faster than
 * renders; a handler must act on the state left by the previous key, not the last render's.
 */
export function useLatestState<T>(initial: T): [T, { readonly current: T }, (next: T) => void] {
  const [value, setValue] = useState(initial);
  const ref = useRef(value);
  const set = useCallback((next: T) => {
    ref.current = next;
    setValue(next);
  }, []);
  return [value, ref, set];
}

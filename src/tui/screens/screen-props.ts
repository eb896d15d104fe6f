/** What every full screen gets from App, and the log polling the detail and logs screens share. */
import type { DataSource } from '../data.js';
import { usePolling } from '../hooks.js';
import type { ScreenKeys } from '../navigation.js';
import { sanitizeLines } from '../sanitize.js';

export interface ScreenProps {
  readonly source: DataSource;
  readonly intervalMs: number;
  readonly now: () => number;
  readonly clock: number;
  readonly width: number;
  readonly height: number;
  /** Where the screen puts its key handler for the App's dispatcher. */
  readonly keys: ScreenKeys;
  readonly logLines: number;
  readonly onBack: () => void;
}

export function useLogs(
  source: DataSource,
  id: string,
  lines: number,
  intervalMs: number,
  now: () => number,
) {
  return usePolling(async () => sanitizeLines(await source.logs(id, lines)), intervalMs, now, id);
}

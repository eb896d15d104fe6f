/** Which processes are still running, for tests that check nothing is left behind (Linux /proc). */
import { readdirSync, readFileSync } from 'node:fs';

/** PIDs whose command line mentions `text` (e.g. an ssh forwarding into a directory). */
export function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

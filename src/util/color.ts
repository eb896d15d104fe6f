/** Whether output may be coloured: one rule for the CLI's text and the TUI. */

/** Colour only on a terminal, never with NO_COLOR (any value) or TERM=dumb; FORCE_COLOR forces it. */
export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

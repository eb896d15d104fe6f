/** Which command argv names: the CLI's one dispatch rule (run.ts). */
import type { AnyCommand } from './command.js';

/** Splits argv into the longest matching command name and the rest. */
export function findCommand<C extends Pick<AnyCommand, 'name'>>(
  commands: readonly C[],
  argv: readonly string[],
): { command: C; rest: string[] } | { prefix: string; rest: string[] } {
  const words = argv.filter((word) => !word.startsWith('-'));
  for (let length = Math.min(words.length, 3); length > 0; length--) {
    const name = words.slice(0, length).join(' ');
    const command = commands.find((c) => c.name === name);
    if (command) {
      const rest = [...argv];
      // Remove the command words (they are the first `length` non-flag words).
      let removed = 0;
      for (let i = 0; i < rest.length && removed < length; ) {
        if (!rest[i]!.startsWith('-')) {
          rest.splice(i, 1);
          removed++;
        } else i++;
      }
      return { command, rest };
    }
  }
  const first = words[0] ?? '';
  return { prefix: first, rest: argv.filter((word) => word !== first) };
}

/**
 * Turns `container.command` into argv without running a shell, so that nothing in a template
 * or an env value can execute on the instance.
 *
 * String form: split into words the way a POSIX shell would (whitespace separates words,
 * '…' is literal, "…" honours \\ \" \$ and \` escapes, a backslash outside quotes escapes the
 * next character), with `${…}` expanded (see expand.ts). As in a shell, an expansion outside
 * double quotes is split on whitespace and an empty one disappears, so
 * `${MAX_LEN:+--max-model-len ${MAX_LEN}}` yields two words or none. What a shell would run
 * or reinterpret is an error instead of a surprise: `$(…)`, backticks, a bare `$NAME`, and the
 * operators ; & | < > ( ). No globbing, no `~`, and `#` is an ordinary character.
 *
 * List form: each item is expanded and kept as exactly one argument.
 */
import { CliError } from '../errors.js';
import { EXPANSION_HINT, expandString, type Lookup, parseExpansion } from './expand.js';

const WHITESPACE = /[ \t\n]/;
const OPERATORS = new Set([';', '&', '|', '<', '>', '(', ')']);
const LIST_HINT =
  'Use the list form (command: [arg, arg, …]) for exact arguments, or ["sh", "-c", "…"] for a shell.';

export function commandArgv(
  command: string | readonly string[] | undefined,
  lookup: Lookup,
  where: string,
): string[] {
  if (command === undefined) return [];
  if (typeof command !== 'string') {
    return command.map((item, i) => expandString(item, lookup, `${where}[${i}]`));
  }
  return splitCommand(command, lookup, where);
}

export function splitCommand(text: string, lookup: Lookup, where: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  const endWord = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const fail = (what: string, hint = LIST_HINT): never => {
    throw new CliError(`${where}: ${what} is not supported (the command is not run by a shell)`, hint);
  };
  /** Handles `$` at `index`; returns the new index. `quoted`: inside double quotes. */
  const dollar = (index: number, quoted: boolean): number => {
    const next = text[index + 1];
    if (next === '$') {
      word += '$';
      inWord = true;
      return index + 2;
    }
    if (next === '(') fail('command substitution "$("');
    if (next === '{') {
      const expansion = parseExpansion(text, index, lookup, where);
      if (quoted) {
        word += expansion.value;
      } else {
        // Field splitting, as a shell does for an unquoted expansion.
        const pieces = expansion.value.split(/[ \t\n]+/);
        pieces.forEach((piece, i) => {
          if (i > 0) endWord();
          if (piece !== '') {
            word += piece;
            inWord = true;
          }
        });
      }
      return expansion.end;
    }
    if (next !== undefined && /[A-Za-z_]/.test(next)) {
      fail(`"$${next}…" without braces`, EXPANSION_HINT);
    }
    word += '$';
    inWord = true;
    return index + 1;
  };

  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    if (WHITESPACE.test(char)) {
      endWord();
      index += 1;
    } else if (char === "'") {
      const close = text.indexOf("'", index + 1);
      if (close < 0) throw new CliError(`${where}: unterminated single quote`, 'Close the quote.');
      word += text.slice(index + 1, close);
      inWord = true;
      index = close + 1;
    } else if (char === '"') {
      inWord = true;
      index += 1;
      for (;;) {
        const inner = text[index];
        if (inner === undefined)
          throw new CliError(`${where}: unterminated double quote`, 'Close the quote.');
        if (inner === '"') {
          index += 1;
          break;
        }
        if (inner === '\\' && index + 1 < text.length && '$`"\\\n'.includes(text[index + 1]!)) {
          if (text[index + 1] !== '\n') word += text[index + 1];
          index += 2;
        } else if (inner === '`') {
          fail('command substitution "`"');
        } else if (inner === '$') {
          index = dollar(index, true);
        } else {
          word += inner;
          index += 1;
        }
      }
    } else if (char === '\\') {
      // A trailing backslash is literal and backslash-newline continues the line, as in a shell.
      const next = text[index + 1] ?? '\\';
      if (next !== '\n') {
        word += next;
        inWord = true;
      }
      index += 2;
    } else if (char === '`') {
      fail('command substitution "`"');
    } else if (char === '$') {
      index = dollar(index, false);
    } else if (OPERATORS.has(char)) {
      fail(`the shell operator "${char}"`);
    } else {
      word += char;
      inWord = true;
      index += 1;
    }
  }
  endWord();
  return words;
}

/**
 * `${VAR}` expansion for template strings, done on the client so nothing is left for a shell
 * on the instance to interpret. The grammar is a small, documented subset of POSIX:
 *
 *   ${NAME}           the value of NAME, or empty when unset
 *   ${NAME:-word}     the value of NAME, or `word` when NAME is unset or empty
 *   ${NAME:+word}     `word` when NAME is set and non-empty, otherwise empty
 *   $$                a literal `$`
 *
 * `word` may itself contain expansions (nested). Any other `$` is literal. Quotes inside
 * `word` are ordinary characters. Values come only from the lookup passed in (never from the
 * process environment), so the same inputs always give the same plan.
 */
import { CliError } from '../errors.js';

export type Lookup = (name: string) => string | undefined;

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

/** The supported forms, for hints (`$` + `{` so that no linter mistakes it for a JS template). */
const OPEN = '$' + '{';
export const EXPANSION_HINT = `Write ${OPEN}NAME}, ${OPEN}NAME:-default} or ${OPEN}NAME:+alternative}; write $$ for a literal $.`;

/** Where a string came from, for error messages (e.g. `deploy.linode.container.env.MODEL`). */
export type Where = string;

export interface ParsedExpansion {
  /** The expanded value. */
  readonly value: string;
  /** Index just after the closing `}`. */
  readonly end: number;
  /** Variable names referenced, nested ones included. */
  readonly names: readonly string[];
}

/** Parses and evaluates the `${...}` starting at `start` (which points at `$`). */
export function parseExpansion(text: string, start: number, lookup: Lookup, where: Where): ParsedExpansion {
  NAME.lastIndex = start + 2;
  const match = NAME.exec(text);
  if (!match) {
    throw new CliError(
      `${where}: "\${" must be followed by a variable name (at offset ${start})`,
      EXPANSION_HINT,
    );
  }
  const name = match[0];
  let index = start + 2 + name.length;
  const names = [name];
  const current = lookup(name);
  if (text[index] === '}') return { value: current ?? '', end: index + 1, names };
  if (index >= text.length) throw unclosed(where);
  const operator = text.slice(index, index + 2);
  if (operator !== ':-' && operator !== ':+') {
    throw new CliError(
      `${where}: unsupported expansion after \${${name} (only ":-" and ":+" are supported)`,
      EXPANSION_HINT,
    );
  }
  index += 2;
  const word = expandFrom(text, index, lookup, where, true);
  names.push(...word.names);
  const isSet = current !== undefined && current !== '';
  const value = operator === ':-' ? (isSet ? current : word.value) : isSet ? word.value : '';
  return { value, end: word.end, names };
}

function unclosed(where: Where): CliError {
  return new CliError(`${where}: "${OPEN}" is not closed with "}"`, `Close every ${OPEN}…} with a brace.`);
}

/** Expands a whole string (an env value, a list-form command item). */
export function expandString(text: string, lookup: Lookup, where: Where): string {
  return expandWithNames(text, lookup, where).value;
}

/** Expands a whole string and reports which variables it referenced. */
export function expandWithNames(
  text: string,
  lookup: Lookup,
  where: Where,
): { value: string; names: string[] } {
  const { value, names } = expandFrom(text, 0, lookup, where, false);
  return { value, names: [...names] };
}

/**
 * Expands from `start` to the end of the text, or (`inWord`) to the closing brace of a
 * `${NAME:-word}`, which it consumes.
 */
function expandFrom(
  text: string,
  start: number,
  lookup: Lookup,
  where: Where,
  inWord: boolean,
): ParsedExpansion {
  let value = '';
  const names: string[] = [];
  let index = start;
  while (index < text.length) {
    const char = text[index]!;
    if (inWord && char === '}') return { value, end: index + 1, names };
    if (char === '$' && text[index + 1] === '$') {
      value += '$';
      index += 2;
    } else if (char === '$' && text[index + 1] === '{') {
      const inner = parseExpansion(text, index, lookup, where);
      value += inner.value;
      names.push(...inner.names);
      index = inner.end;
    } else {
      value += char;
      index += 1;
    }
  }
  if (inWord) throw unclosed(where);
  return { value, end: index, names };
}

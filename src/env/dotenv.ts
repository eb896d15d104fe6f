/**
 * `.env` files are parsed with dotenv (quotes, `#` comments, multi-line double-quoted values).
 * The values are data: they are never sourced by a shell and never expanded themselves.
 * One rule is ours: a quote that is never closed is an error (dotenv would keep the quote as
 * part of the value, so `TOKEN="abc` silently became `"abc`). docs/plan.md § Env rules.
 *
 * renderDotenv is the one writer of `.env` text: every value reads back exactly through
 * parseDotenv (dotenv's `parse`, its line regex). dotenv trims an unquoted value and cuts it at
 * `#`, strips one pair of matching quotes, reads a backslash before a quote as part of the
 * value (so a quoted value may not end in a backslash), and turns `\n`/`\r` into line breaks
 * inside double quotes only. So a value is written bare only when none of that can touch it,
 * else inside the first quote character it does not contain.
 */
import { parse } from 'dotenv';
import { CliError } from '../errors.js';
import { checkEnvValue } from './envfile.js';

/** `NAME=` (dotenv's key syntax, optional `export`) followed by an opening quote. */
const QUOTED_ASSIGNMENT = /^\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(['"`])/;

export function parseDotenv(text: string): Record<string, string> {
  const values = parse(text);
  const lines = text.split(/\r\n?|\n/);
  lines.forEach((line, index) => {
    const opened = QUOTED_ASSIGNMENT.exec(line);
    if (!opened) return;
    const [, name, quote] = opened;
    // dotenv strips a matched pair; a value still starting with the opening quote had none.
    if (values[name!]?.startsWith(quote!) && !line.slice(opened[0].length).includes(quote!)) {
      throw new CliError(
        `the .env value of ${name} opens a ${quote} quote on line ${index + 1} that is never closed.`,
        'Close the quote at the end of the value, or remove it.',
      );
    }
  });
  return values;
}

/** A value dotenv reads back unchanged without quotes: nothing it trims, cuts or unquotes. */
function isBare(value: string): boolean {
  return value === '' || (!value.includes('#') && value.trim() === value && !/^['"`]/.test(value));
}

/** dotenv's line breaks besides \r and \n (its line regex is multi-line: U+2028 and U+2029). */
const DOTENV_LINE_BREAK = /[\u2028\u2029]/;

/** The quote character that keeps `value` exact, if one does. */
function quoteFor(value: string): string | undefined {
  // `\'` inside quotes is read as part of the value: a closing quote after a backslash is not one.
  if (value.endsWith('\\')) return undefined;
  if (!value.includes("'")) return "'";
  if (!value.includes('`')) return '`';
  // Inside double quotes dotenv turns a backslash-n or backslash-r into a line break.
  if (!value.includes('"') && !/\\[nr]/.test(value)) return '"';
  return undefined;
}

/** One `NAME=value` line that parseDotenv reads back as exactly `value`. */
export function dotenvLine(name: string, value: string): string {
  checkEnvValue(name, value);
  if (DOTENV_LINE_BREAK.test(value)) {
    throw new CliError(
      `Environment variable ${name} contains a Unicode line separator (U+2028/U+2029), which a .env file cannot carry exactly`,
      'Remove it, or ship the content as a file (setup.files) and pass its path.',
    );
  }
  if (isBare(value)) return `${name}=${value}`;
  const quote = quoteFor(value);
  if (quote !== undefined) return `${name}=${quote}${value}${quote}`;
  throw new CliError(
    `Environment variable ${name} cannot be written to .env exactly: it needs quoting, but holds every quote kind (', \`, ") or ends in a backslash`,
    'Change the value (drop one kind of quote, or the trailing backslash, or the spaces or # that need quoting), or ship it as a file (setup.files).',
  );
}

/** `.env` text with one line per variable, in the order given, ending with a newline. */
export function renderDotenv(values: Readonly<Record<string, string>>): string {
  return Object.entries(values)
    .map(([name, value]) => `${dotenvLine(name, value)}\n`)
    .join('');
}

/**
 * The env file passed to `docker run --env-file`. Docker reads each line literally: leading
 * whitespace trimmed, `#` lines skipped, split at the first `=`, no quote or escape
 * processing, and a trailing `\r` dropped by its line scanner. So a value arrives byte-exact
 * exactly when it has no line break and no NUL, and is valid UTF-8. Anything else is refused
 * here with the variable's name (never its value).
 */
import { CliError } from '../errors.js';
import { isEnvName } from '../quote/index.js';

/** Half of a UTF-16 surrogate pair on its own: not encodable as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function checkEnvValue(name: string, value: string): void {
  if (!isEnvName(name)) {
    throw new CliError(
      `Invalid environment variable name ${JSON.stringify(name)}`,
      'Names use letters, digits and underscores and do not start with a digit.',
    );
  }
  if (/[\r\n]/.test(value)) {
    throw new CliError(
      `Environment variable ${name} contains a line break, which an env file cannot carry exactly`,
      'Keep the value on one line, or ship multi-line content as a file (setup.files) and pass its path.',
    );
  }
  if (value.includes('\0') || LONE_SURROGATE.test(value)) {
    throw new CliError(
      `Environment variable ${name} contains a NUL or an invalid Unicode character`,
      'Remove it; environment values must be valid UTF-8 text without NUL.',
    );
  }
}

/** `KEY=VALUE` lines sorted by name, ending with a newline. */
export function renderEnvFile(values: Readonly<Record<string, string>>): string {
  const names = Object.keys(values).sort();
  let text = '';
  for (const name of names) {
    const value = values[name]!;
    checkEnvValue(name, value);
    text += `${name}=${value}\n`;
  }
  return text;
}

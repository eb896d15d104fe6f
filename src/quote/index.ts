/**
 * The one place where strings are escaped for another language: POSIX shell, systemd unit
 * files and YAML (cloud-init). Everything security-sensitive that the planner writes onto an
 * instance goes through here, and test/quote/ checks each function against the real consumer
 * (bash/dash, a systemd-compatible parser, PyYAML via cloud-init).
 */

/** Characters that never need quoting in a POSIX shell word. */
const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Rejects what no quoting can carry: NUL cannot appear in an argv element or a C string. */
function assertNoNul(value: string, what: string): void {
  if (value.includes('\0')) throw new Error(`${what} contains a NUL character, which cannot be quoted`);
}

/**
 * Unicode noncharacters (U+FDD0..U+FDEF and U+xFFFE/U+xFFFF): systemd's UTF-8 check refuses
 * them in any setting, escaped or not, ignores the assignment and fails to load the unit.
 */
function isNoncharacter(code: number): boolean {
  return (code >= 0xfdd0 && code <= 0xfdef) || (code & 0xfffe) === 0xfffe;
}

function assertSystemdClean(value: string, what: string): void {
  assertNoNul(value, what);
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (isNoncharacter(code)) {
      throw new Error(
        `${what} contains U+${code.toString(16).toUpperCase()}, a Unicode noncharacter systemd refuses`,
      );
    }
  }
}

/**
 * Quotes one argument for a POSIX shell (sh, dash, bash): the shell reads back exactly `arg`.
 * Plain words stay readable; anything else is single-quoted, with `'` written as `'\''`.
 */
export function shellQuote(arg: string): string {
  assertNoNul(arg, 'shell argument');
  if (SHELL_SAFE.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Quotes an argv array into one shell command line whose words are exactly `argv`. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** A shell variable assignment `NAME='value'`, for files our own scripts source. */
export function shellAssignment(name: string, value: string): string {
  if (!isEnvName(name)) throw new Error(`invalid shell variable name: ${JSON.stringify(name)}`);
  return `${name}=${shellQuote(value)}`;
}

/** A portable environment variable name (what shells, docker and systemd all accept). */
export function isEnvName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

/**
 * C-style escapes inside a double-quoted systemd word: backslash, double quote, and every
 * control character (systemd would otherwise end the line or reject the byte).
 */
function systemdCEscape(value: string): string {
  let result = '';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === '\\') result += '\\\\';
    else if (char === '"') result += '\\"';
    else if (char === '\n') result += '\\n';
    else if (char === '\t') result += '\\t';
    else if (char === '\r') result += '\\r';
    else if (code < 0x20 || code === 0x7f) result += `\\x${code.toString(16).padStart(2, '0')}`;
    else result += char;
  }
  return result;
}

/**
 * Quotes one argument of an `ExecStart=`-style line. systemd expands `%` specifiers and
 * `$VAR`/`${VAR}` in command lines, so both are doubled; the word is double-quoted with
 * C escapes so that spaces, quotes and control characters survive.
 */
export function systemdExecArg(arg: string): string {
  assertSystemdClean(arg, 'systemd argument');
  // A lone `;` separates commands on Exec lines; no call site needs one as an argument.
  if (arg === ';') throw new Error('a lone ";" cannot be an ExecStart argument');
  const escaped = systemdCEscape(arg).replaceAll('%', '%%').replaceAll('$', '$$$$');
  return `"${escaped}"`;
}

/** Quotes an argv array for an `ExecStart=` line. The first element must be an absolute path. */
export function systemdExecLine(argv: readonly string[]): string {
  const [program] = argv;
  if (program === undefined || !program.startsWith('/')) {
    throw new Error('a systemd command line needs an absolute program path first');
  }
  return argv.map(systemdExecArg).join(' ');
}

/**
 * One `Environment=` assignment. systemd unquotes it with C escapes and expands `%`
 * specifiers; `$` has no meaning there, so only `%` is doubled.
 */
export function systemdEnvironment(name: string, value: string): string {
  if (!isEnvName(name)) throw new Error(`invalid environment variable name: ${JSON.stringify(name)}`);
  assertSystemdClean(value, 'systemd environment value');
  return `Environment="${name}=${systemdCEscape(value).replaceAll('%', '%%')}"`;
}

/**
 * A single-line value for a systemd setting that does not unquote (e.g. `Description=`):
 * specifiers doubled, line breaks and other control characters replaced by spaces,
 * noncharacters by U+FFFD.
 */
export function systemdPlainValue(value: string): string {
  // A trailing backslash would continue the line onto the next directive: drop it (and the
  // trailing blanks systemd strips anyway).
  return Array.from(value, (char) => (isNoncharacter(char.codePointAt(0)!) ? '\uFFFD' : char))
    .join('')
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replaceAll('%', '%%')
    .replace(/[\s\\]+$/, '');
}

/** A unit name systemd accepts in dependency lists (`After=`, `Requires=`, `WantedBy=`). */
const UNIT_NAME = /^[A-Za-z0-9:_.\\@-]+\.(service|socket|target|timer|path|mount|device|slice|scope)$/;

/** A space-separated list of unit names, each checked, for `After=`/`Requires=`-style settings. */
export function systemdUnitList(names: readonly string[]): string {
  for (const name of names) {
    if (!UNIT_NAME.test(name)) throw new Error(`not a systemd unit name: ${JSON.stringify(name)}`);
  }
  return names.join(' ');
}

/** `[Section]` followed by `Key=value` lines; each value already quoted for its setting. */
export interface SystemdSection {
  readonly name: string;
  readonly directives: readonly (readonly [key: string, value: string])[];
}

/**
 * A unit file built from sections, never by filling placeholders in text. Each directive is
 * checked to stay one directive: the key is a setting name, the value has no line break (which
 * would start another directive) and does not end in a backslash (which would join the next
 * line). Values must already be quoted for their setting (systemdPlainValue, systemdExecLine,
 * systemdEnvironment, systemdUnitList).
 */
export function systemdUnitFile(sections: readonly SystemdSection[]): string {
  const blocks = sections.map((section) => {
    if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(section.name)) {
      throw new Error(`not a systemd section name: ${JSON.stringify(section.name)}`);
    }
    const lines = section.directives.map(([key, value]) => {
      if (!/^[A-Za-z][A-Za-z0-9]*$/.test(key))
        throw new Error(`not a systemd setting: ${JSON.stringify(key)}`);
      assertNoNul(value, `systemd ${key}= value`);
      if (/[\n\r]/.test(value)) throw new Error(`the ${key}= value contains a line break`);
      if (/\\\s*$/.test(value)) throw new Error(`the ${key}= value ends in a backslash (line continuation)`);
      return `${key}=${value}`;
    });
    return [`[${section.name}]`, ...lines].join('\n');
  });
  return `${blocks.join('\n\n')}\n`;
}

export { type YamlValue, yamlDocument } from './yaml.js';

/**
 * Quotes one word for fish: inside single quotes fish reads `\'` and `\\` as escapes and
 * nothing else, so those two characters are escaped and everything else is literal.
 */
export function fishQuote(word: string): string {
  assertNoNul(word, 'fish word');
  return `'${word.replace(/[\\']/g, '\\$&')}'`;
}

/**
 * A YAML emitter for cloud-init's reader, PyYAML (YAML 1.1). The `yaml` package's own
 * stringifier is not safe here: it leaves characters raw that PyYAML rejects (C1 controls,
 * U+FFFE) or reads as line breaks (U+0085, U+2028, U+2029), and writes tabs in plain
 * scalars, which PyYAML refuses. Our documents are small trees of mappings, sequences,
 * strings and booleans, so the emitter is short and every choice is explicit:
 *
 * - plain scalars only for conservative words (`/usr/bin/x`, `root:root`) that YAML 1.1 reads
 *   as strings (never `yes`, `on`, `0644`, `null`, `1:20` …);
 * - multi-line text as a literal block (`|`, with indentation and chomping indicators), byte
 *   exact, when every character may appear raw;
 * - everything else double-quoted, escaping whatever is not printable for PyYAML.
 */

export type YamlValue = string | boolean | readonly YamlValue[] | { readonly [key: string]: YamlValue };

/** Words YAML 1.1 resolves to booleans or null, whatever their case. */
const YAML11_WORDS = /^(y|yes|n|no|true|false|on|off|null|~)$/i;
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./:@+-]*$/;
/** `e5`: some YAML 1.1 readers take an exponent without digits before it as a float. */
const EXPONENT = /^[eE][0-9]+$/;

function plainOk(text: string): boolean {
  return PLAIN.test(text) && !YAML11_WORDS.test(text) && !EXPONENT.test(text);
}

/**
 * Characters PyYAML accepts raw inside a scalar (its reader's printable set), minus the BOM
 * and the line and paragraph separators U+2028/U+2029, which its scanner takes as line breaks
 * (raw inside a literal block, they end the line and break the document).
 */
function printable(code: number): boolean {
  return (
    (code >= 0x20 && code <= 0x7e) ||
    (code >= 0xa0 && code <= 0xd7ff && code !== 0x2028 && code !== 0x2029) ||
    (code >= 0xe000 && code <= 0xfffd && code !== 0xfeff) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

function assertWellFormed(text: string): void {
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text)) {
    throw new Error('text contains a lone UTF-16 surrogate, which UTF-8 cannot encode');
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\t': '\\t',
  '\r': '\\r',
  '\0': '\\0',
};

function hex(code: number, width: number): string {
  return code.toString(16).toUpperCase().padStart(width, '0');
}

/** Printable ASCII without `"` and `\\`: the common case, which needs no escaping at all. */
const NOTHING_TO_ESCAPE = /^[ !#-[\]-~]*$/;

export function doubleQuoted(text: string): string {
  // Large base64 payloads take this path: char-by-char escaping was a visible share of `plan`.
  if (NOTHING_TO_ESCAPE.test(text)) return `"${text}"`;
  let result = '"';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const escaped = ESCAPES[char];
    if (escaped !== undefined) result += escaped;
    else if (printable(code)) result += char;
    else if (code <= 0xff) result += `\\x${hex(code, 2)}`;
    else if (code <= 0xffff) result += `\\u${hex(code, 4)}`;
    else result += `\\U${hex(code, 8)}`;
  }
  return `${result}"`;
}

/**
 * Whether text can be a literal block: printable characters, tabs and newlines only, and no
 * line made only of blanks (readers disagree on whether those are content or empty lines).
 */
function blockSafe(text: string): boolean {
  if (!text.includes('\n') || /^\n*$/.test(text) || /^[ \t]+$/m.test(text)) return false;
  return !NOT_IN_BLOCK.test(text);
}

/**
 * Anything but newline, tab and `printable()`, as one regular expression: documents are
 * mostly long scripts, and a character-by-character loop over them was a visible share of
 * `plan` start-up. The property tests hold it to the same output as before.
 */
const NOT_IN_BLOCK =
  /[^\n\t\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\u{10000}-\u{10ffff}]/u;

/** A scalar: its text after `key: ` / `- `, and the block lines that follow (indented). */
function scalar(value: string | boolean, indent: number): { head: string; lines: string[] } {
  if (typeof value === 'boolean') return { head: String(value), lines: [] };
  assertWellFormed(value);
  if (plainOk(value)) return { head: value, lines: [] };
  if (!blockSafe(value)) return { head: doubleQuoted(value), lines: [] };
  const trailing = /\n*$/.exec(value)![0].length;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const body = trailing === 0 ? value : value.slice(0, -1);
  const lines = body.split('\n');
  const first = lines.find((line) => line !== '') ?? '';
  // A first content line starting with a space would be taken as deeper indentation.
  const indicator = first.startsWith(' ') ? '2' : '';
  const pad = ' '.repeat(indent);
  return {
    head: `|${indicator}${chomp}`,
    lines: lines.map((line) => (line === '' ? '' : `${pad}${line}`)),
  };
}

function key(name: string): string {
  return plainOk(name) ? name : doubleQuoted(name);
}

function isScalar(value: YamlValue): value is string | boolean {
  return typeof value === 'string' || typeof value === 'boolean';
}

function mapping(value: { readonly [key: string]: YamlValue }, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  for (const [name, item] of Object.entries(value)) {
    if (isScalar(item)) {
      const { head, lines } = scalar(item, indent + 2);
      out.push(`${pad}${key(name)}: ${head}`, ...lines);
    } else if (Array.isArray(item)) {
      if (item.length === 0) out.push(`${pad}${key(name)}: []`);
      else out.push(`${pad}${key(name)}:`, ...sequence(item, indent + 2));
    } else {
      const entries = item as { readonly [key: string]: YamlValue };
      if (Object.keys(entries).length === 0) out.push(`${pad}${key(name)}: {}`);
      else out.push(`${pad}${key(name)}:`, ...mapping(entries, indent + 2));
    }
  }
  return out;
}

function sequence(items: readonly YamlValue[], indent: number): string[] {
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  for (const item of items) {
    if (isScalar(item)) {
      const { head, lines } = scalar(item, indent + 2);
      out.push(`${pad}- ${head}`, ...lines);
      continue;
    }
    const empty = Array.isArray(item) ? item.length === 0 : Object.keys(item).length === 0;
    if (empty) {
      out.push(`${pad}- ${Array.isArray(item) ? '[]' : '{}'}`);
      continue;
    }
    const nested = Array.isArray(item)
      ? sequence(item, indent + 2)
      : mapping(item as { readonly [key: string]: YamlValue }, indent + 2);
    // The first nested line moves up onto the dash: `- key: value` / `- - item`.
    out.push(`${pad}- ${nested[0]!.slice(indent + 2)}`, ...nested.slice(1));
  }
  return out;
}

/** A YAML 1.1 document body (no directives, no `---`) for a mapping, ending with a newline. */
export function yamlDocument(value: { readonly [key: string]: YamlValue } | readonly YamlValue[]): string {
  const lines = Array.isArray(value)
    ? sequence(value, 0)
    : mapping(value as { readonly [key: string]: YamlValue }, 0);
  if (lines.length === 0) return Array.isArray(value) ? '[]\n' : '{}\n';
  return `${lines.join('\n')}\n`;
}

/** One string as a YAML scalar (plain, or double-quoted), for single-line use. */
export function yamlString(value: string): string {
  assertWellFormed(value);
  return plainOk(value) ? value : doubleQuoted(value);
}

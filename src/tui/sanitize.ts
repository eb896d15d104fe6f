/**
 * Untrusted text (log lines, names, API messages) is displayed literally: terminal escape
 * sequences are removed and every other control character becomes a visible symbol, so a log
 * line can neither restyle the screen, move the cursor, retitle the window nor break the layout.
 * (The original fed log lines into a markup renderer, so `[red]` in a log changed the UI.)
 */

// ESC-introduced sequences: CSI (…final byte), OSC / DCS / SOS / PM / APC (… BEL or ST, or to
// the end of the text when unterminated), and two-byte escapes. Also 8-bit C1 CSI / OSC.
const ESCAPE_SEQUENCE = new RegExp(
  [
    '\\u001b\\[[0-?]*[ -/]*[@-~]?',
    '\\u001b[\\]PX^_][\\s\\S]*?(?:\\u0007|\\u001b\\\\|\\u009c|$)',
    '\\u001b[ -/]*[0-~]?',
    '\\u009b[0-?]*[ -/]*[@-~]?',
    '[\\u009d\\u0090\\u0098\\u009e\\u009f][\\s\\S]*?(?:\\u0007|\\u009c|$)',
  ].join('|'),
  'g',
);

// Bidirectional overrides and isolates can visually reorder the rest of a line.
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

const TAB_WIDTH = 4;

/** One line of display-safe text: no escapes, no control characters, no line breaks. */
export function sanitizeText(text: string): string {
  return expandTabs(text.replace(ESCAPE_SEQUENCE, '').replace(BIDI_CONTROLS, '')).replace(
    CONTROL,
    visibleControl,
  );
}

/** Sanitizes a batch of lines (log tails), splitting any embedded newlines into their own lines. */
export function sanitizeLines(lines: readonly string[]): string[] {
  const result: string[] = [];
  for (const line of lines) {
    for (const part of String(line).split(/\r?\n/)) result.push(sanitizeText(part));
  }
  return result;
}

function expandTabs(text: string): string {
  if (!text.includes('\t')) return text;
  let column = 0;
  let out = '';
  for (const character of text) {
    if (character === '\t') {
      const spaces = TAB_WIDTH - (column % TAB_WIDTH);
      out += ' '.repeat(spaces);
      column += spaces;
    } else {
      out += character;
      column++;
    }
  }
  return out;
}

/** C0 controls as their Unicode "control picture" (␛, ␍, ␊…), DEL as ␡, C1 as �. */
function visibleControl(character: string): string {
  const code = character.charCodeAt(0);
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return '\ufffd';
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sanitizeLines, sanitizeText } from '../../src/tui/sanitize.js';

const CONTROL_OR_ESCAPE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

describe('sanitizeText', () => {
  it.each([
    ['colour codes', '\u001b[31mred\u001b[0m text', 'red text'],
    ['cursor movement and clear screen', 'a\u001b[2J\u001b[H\u001b[10;5Hb', 'ab'],
    ['window title (OSC, BEL)', '\u001b]0;pwned\u0007after', 'after'],
    ['hyperlink (OSC 8, ST)', '\u001b]8;;http://evil\u001b\\click\u001b]8;;\u001b\\', 'click'],
    ['unterminated OSC', 'ok\u001b]2;rest of line', 'ok'],
    ['DCS', 'x\u001bPq#0;2;0;0;0\u001b\\y', 'xy'],
    ['8-bit CSI', 'a\u009b31mb', 'ab'],
    ['two-byte escape (RIS reset)', 'a\u001bcb', 'ab'],
    ['carriage return overwrite', 'safe\rEVIL', 'safe␍EVIL'],
    ['newline', 'one\ntwo', 'one␊two'],
    ['backspace and bell', 'a\u0008\u0007b', 'a␈␇b'],
    ['DEL', 'a\u007fb', 'a␡b'],
    ['bidi override', 'abc\u202edcba', 'abcdcba'],
    ['tabs', 'a\tb', 'a   b'],
    ['Rich/markup-looking text stays literal', '[red]not red[/red] {bold}', '[red]not red[/red] {bold}'],
    ['unicode stays', 'café 日本 ✓', 'café 日本 ✓'],
  ])('%s', (_name, input, expected) => {
    expect(sanitizeText(input)).toBe(expected);
  });

  it('never lets a control character or escape through (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (input) => {
        expect(CONTROL_OR_ESCAPE.test(sanitizeText(input))).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('is idempotent and leaves printable text alone (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (input) => {
        const once = sanitizeText(input);
        expect(sanitizeText(once)).toBe(once);
      }),
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[ -~]*$/), (input) => {
        expect(sanitizeText(input)).toBe(input);
      }),
    );
  });

  it('splits embedded newlines into separate log lines', () => {
    expect(sanitizeLines(['a\nb', 'c\r\nd', '\u001b[1me'])).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});

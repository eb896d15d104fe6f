/**
 * How many terminal cells text takes, for aligned tables and cut cells: East Asian wide and
 * fullwidth characters and emoji take two (Unicode's East_Asian_Width data, the table
 * string-width uses), combining marks, format characters and the later members of a ZWJ
 * emoji sequence none, colour codes none. Pure ASCII — nearly every cell — is its length.
 *
 * Not string-width itself: it builds an Intl.Segmenter when loaded (~25 ms of ICU start-up,
 * then ~70 ms on the first call), too much for commands on the start-up budget.
 */
import { eastAsianWidth } from 'get-east-asian-width';

const colourCodes = /\u001b\[[0-9;]*m/g;
const printableAscii = /^[\x20-\x7e]*$/;
const zeroWidth = /^[\p{Mark}\p{Cf}\p{Cc}]$/u;
const pictograph = /^\p{Extended_Pictographic}$/u;
const ZWJ = 0x200d;
const EMOJI_PRESENTATION = 0xfe0f;

/** Cells for one code point out of context (a ZWJ sequence is measured by displayWidth). */
export function charWidth(character: string): number {
  if (zeroWidth.test(character)) return 0;
  return eastAsianWidth(character.codePointAt(0) ?? 0);
}

export function displayWidth(text: string): number {
  const plain = text.includes('\u001b') ? text.replace(colourCodes, '') : text;
  if (printableAscii.test(plain)) return plain.length;
  let width = 0;
  let afterJoiner = false;
  let narrowPictograph = false;
  for (const character of plain) {
    const code = character.codePointAt(0) ?? 0;
    if (code === EMOJI_PRESENTATION) {
      // ❤ + U+FE0F is drawn as a two-cell emoji.
      if (narrowPictograph) width += 1;
      narrowPictograph = false;
      continue;
    }
    if (code === ZWJ) {
      afterJoiner = true;
      continue;
    }
    if (afterJoiner && pictograph.test(character)) {
      // 👨‍👩‍👧: the members after a joiner share the first one's cells.
      afterJoiner = false;
      continue;
    }
    afterJoiner = false;
    const cells = charWidth(character);
    narrowPictograph = cells === 1 && pictograph.test(character);
    width += cells;
  }
  return width;
}

/** `text` cut to at most `width` cells, ending in `…` when something was cut. */
export function truncateToWidth(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let cut = '';
  let used = 0;
  for (const character of text) {
    const cells = charWidth(character);
    if (used + cells > width - 1) break;
    cut += character;
    used += cells;
  }
  return `${cut}…`;
}

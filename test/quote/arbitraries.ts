/** fast-check generators shared by the quoting, env and fuzz tests. */
import fc from 'fast-check';

/** Strings a shell or systemd might misread: quotes, $, backticks, %, #, =, spaces, unicode, controls. */
export const nastyString = fc.oneof(
  // U+0085, U+2028 and U+2029 are line breaks to PyYAML (a raw U+2028 once broke literal blocks).
  fc.string({
    unit: fc.constantFrom(...'\'"$`\\%#=;&|<>(){}[]*? \t\n~!-', 'a', 'é', '😀', '\u0085', '\u2028', '\u2029'),
  }),
  fc.string({ unit: 'binary' }).map((s) => s.replace(/[\0\uD800-\uDFFF]/g, '')),
  fc.constantFrom(
    '',
    "'",
    "''",
    '$(id)',
    '`id`',
    `$${'{'}HOME}`,
    '%h',
    '--',
    '-n',
    'a b',
    '\n',
    ' lead',
    'trail ',
  ),
);

/** Text with line breaks, for fields that allow them (file contents, scripts). */
export const multiLineString = fc
  .array(nastyString, { minLength: 2, maxLength: 4 })
  .map((parts) => parts.join('\n'));

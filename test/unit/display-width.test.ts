/** Display width: tables align CJK and emoji; templates list cuts descriptions only on a terminal. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.js';
import { runCli } from '../../src/cli/framework/run.js';
import { fitCell } from '../../src/tui/format.js';
import { displayWidth, truncateToWidth } from '../../src/util/display-width.js';
import { renderTable } from '../../src/util/table.js';
import { tempHome } from '../support/cli.js';

describe('displayWidth', () => {
  it('counts terminal cells', () => {
    expect(displayWidth('plain')).toBe(5);
    expect(displayWidth('日本語')).toBe(6);
    expect(displayWidth('ｆｕｌｌ')).toBe(8); // fullwidth forms
    expect(displayWidth('한국어')).toBe(6);
    expect(displayWidth('🚀')).toBe(2);
    expect(displayWidth('❤️')).toBe(2); // U+2764 + emoji presentation selector
    expect(displayWidth('👨‍👩‍👧')).toBe(2); // one ZWJ sequence
    expect(displayWidth('é')).toBe(1); // e + combining acute
    expect(displayWidth('\u001b[31mred\u001b[39m')).toBe(3);
    expect(displayWidth('a\u200bb')).toBe(2); // zero-width space
  });

  it('cuts to a width with an ellipsis, never splitting a wide character over the edge', () => {
    expect(truncateToWidth('short', 10)).toBe('short');
    expect(truncateToWidth('日本語のテキスト', 7)).toBe('日本語…');
    expect(displayWidth(truncateToWidth('日本語のテキスト', 7))).toBeLessThanOrEqual(7);
    expect(fitCell('🚀🚀🚀', 5)).toBe('🚀🚀…');
    expect(fitCell('日本', 6)).toBe('日本  ');
  });
});

describe('tables', () => {
  it('align columns by display width: CJK, emoji and colour codes take their real cells', () => {
    const rows = [
      { name: 'plain', note: 'ascii', n: '1' },
      { name: '日本語', note: '🚀 launch', n: '22' },
      { name: 'é-accent', note: '\u001b[31mred\u001b[39m', n: '333' },
    ];
    const lines = renderTable(rows, [
      { header: 'NAME', value: (r) => r.name },
      { header: 'NOTE', value: (r) => r.note },
      { header: 'N', value: (r) => r.n, align: 'right' },
    ]);
    // Every line is as wide as the header line, so the right-aligned column ends in one place.
    const width = displayWidth(lines[0]!);
    for (const line of lines) expect(displayWidth(line), line).toBe(width);
    // The second column starts at the same cell on every line.
    const noteStart = (line: string) => displayWidth(line.slice(0, line.search(/ascii|🚀|\u001b|NOTE/)));
    expect(new Set(lines.map(noteStart)).size).toBe(1);
  });
});

function stream(tty: { columns: number } | undefined) {
  let text = '';
  const writable = new Writable({
    write(chunk, _encoding, done) {
      text += chunk;
      done();
    },
  }) as Writable & { isTTY?: boolean; columns?: number };
  if (tty) {
    writable.isTTY = true;
    writable.columns = tty.columns;
  }
  return { writable, text: () => text };
}

async function templatesList(tty: { columns: number } | undefined): Promise<string> {
  const stdout = stream(tty);
  const code = await runCli({
    argv: ['templates', 'list'],
    commands,
    version: '0.0.0',
    env: tempHome().env,
    stdout: stdout.writable,
    stderr: stream(undefined).writable,
    stdinIsTTY: false,
  });
  expect(code).toBe(0);
  return stdout.text();
}

describe('templates list', () => {
  it('prints whole descriptions when piped, and fits the terminal width on a terminal', async () => {
    const piped = await templatesList(undefined);
    expect(piped).not.toContain('…');
    expect(piped).toContain('/v1/completions, /v1/chat/completions and /v1/models.');
    const narrow = await templatesList({ columns: 80 });
    expect(narrow).toContain('…');
    for (const line of narrow.trimEnd().split('\n')) expect(displayWidth(line), line).toBeLessThanOrEqual(80);
  });
});

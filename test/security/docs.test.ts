/**
 * docs/security.md backs each claim with the tests that prove it, as `path/to/x.test.ts` ›
 * "test name", "another name". This keeps those references true: every named test file exists
 * and contains every test name cited after it ("…" stands for a parameter or an elided part;
 * each piece between them must appear, in order). A renamed or deleted test fails here, so the
 * page cannot go on citing proof that no longer exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/cli.js';

const page = readFileSync(path.join(repoRoot, 'docs/security.md'), 'utf8');

interface Citation {
  readonly file: string;
  readonly names: string[];
}

/** Each cited test file with the names quoted after its `›`, up to the next file or cell. */
function citations(text: string): Citation[] {
  const found: Citation[] = [];
  const reference = /`((?:[\w.-]+\/)+[\w.-]+\.test\.tsx?)`/g;
  const matches = [...text.matchAll(reference)];
  matches.forEach((match, index) => {
    const start = match.index! + match[0].length;
    const nextFile = matches[index + 1]?.index ?? text.length;
    const cellEnd = text.indexOf(' |', start);
    const end = Math.min(nextFile, cellEnd < 0 ? text.length : cellEnd);
    const segment = text.slice(start, end);
    const names = /^\s*›/.test(segment)
      ? [...segment.matchAll(/"([^"]+)"/g)].map((m) => m[1]!.replace(/\s+/g, ' '))
      : [];
    found.push({ file: match[1]!, names });
  });
  return found;
}

/** The source as test names appear in it: escaped quotes and backslashes undone. */
function sourceText(file: string): string {
  return readFileSync(path.join(repoRoot, file), 'utf8').replace(/\\(['"`\\])/g, '$1');
}

function containsInOrder(source: string, name: string): boolean {
  let from = 0;
  for (const piece of name.split('…').map((part) => part.trim())) {
    if (piece === '') continue;
    const at = source.indexOf(piece, from);
    if (at < 0) return false;
    from = at + piece.length;
  }
  return true;
}

const cited = citations(page);

describe('docs/security.md', () => {
  it('cites test files and test names (the parser finds them)', () => {
    expect(cited.length).toBeGreaterThan(30);
    expect(cited.flatMap((c) => c.names).length).toBeGreaterThan(60);
    expect(cited.map((c) => c.file)).toContain('test/security/metadata-reboot.test.ts');
  });

  it.each([...new Set(cited.map((c) => c.file))])('cites %s, which exists', (file) => {
    expect(existsSync(path.join(repoRoot, file)), `${file} is cited but missing`).toBe(true);
  });

  it.each(cited.filter((c) => c.names.length > 0 && existsSync(path.join(repoRoot, c.file))))(
    'names only tests that exist in $file',
    ({ file, names }) => {
      const source = sourceText(file);
      const missing = names.filter((name) => !containsInOrder(source, name));
      expect(missing, `${file} has no test named like these`).toEqual([]);
    },
  );
});

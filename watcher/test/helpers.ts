import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_THRESHOLDS, Detector, type Thresholds } from '../src/detector.js';
import { parseEventLine } from '../src/docker/events.js';
import { type Issue, IssueBook } from '../src/issues.js';

export const fixtureDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

export function fixtureLines(name: string): string[] {
  return fs.readFileSync(path.join(fixtureDir, name), 'utf8').split('\n').filter(Boolean);
}

/** Feeds a recorded stream through the parser and detector; returns the issues and every change. */
export function replay(lines: readonly string[], thresholds: Partial<Thresholds> = {}) {
  const changes: Issue[] = [];
  const book = new IssueBook((issue) => changes.push({ ...issue }));
  const detector = new Detector(book, { ...DEFAULT_THRESHOLDS, ...thresholds });
  for (const line of lines) {
    const event = parseEventLine(line);
    if (event) detector.onEvent(event);
  }
  return { book, detector, changes };
}

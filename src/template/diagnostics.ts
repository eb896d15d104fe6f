/** Placing diagnostics in the file and printing them. Pure. */
import type { FieldPosition, PositionMap } from './parse.js';
import type { Diagnostic } from './types.js';

/** The nearest recorded position for a path: itself, else its closest ancestor. */
function lookup(positions: PositionMap, path: string): { found: FieldPosition; exact: boolean } | undefined {
  let current = path;
  for (;;) {
    const found = positions.get(current);
    if (found) return { found, exact: current === path };
    if (current === '') return undefined;
    const cut = Math.max(current.lastIndexOf('.'), current.lastIndexOf('['));
    current = cut <= 0 ? '' : current.slice(0, cut);
  }
}

/**
 * Adds file, line and column. A problem with a key itself (unknown or invalid name) points
 * at the key; a missing field points at its parent's key; anything else at the value.
 */
export function locateDiagnostics(
  diagnostics: readonly Diagnostic[],
  file: string,
  positions: PositionMap | undefined,
): Diagnostic[] {
  return diagnostics.map((diagnostic) => {
    if (diagnostic.line !== undefined) return { file, ...diagnostic };
    const match = positions ? lookup(positions, diagnostic.path) : undefined;
    if (!match) return { ...diagnostic, file };
    const aboutKey = /^unknown field|is not a valid name/.test(diagnostic.message) || !match.exact;
    const position = aboutKey ? (match.found.key ?? match.found.value) : match.found.value;
    return { ...diagnostic, file, line: position.line, column: position.column };
  });
}

export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1),
  );
}

export function formatDiagnostic(diagnostic: Diagnostic): string {
  const location = [diagnostic.file, diagnostic.line, diagnostic.column]
    .filter((part) => part !== undefined)
    .join(':');
  const field =
    diagnostic.path !== '' && !diagnostic.message.includes(diagnostic.path) ? ` (${diagnostic.path})` : '';
  const head = `${location ? `${location}: ` : ''}${diagnostic.severity}: ${diagnostic.message}${field}`;
  return diagnostic.hint ? `${head}\n    fix: ${diagnostic.hint}` : head;
}

/** All diagnostics, one block each, errors and warnings in file order. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[]): string {
  return diagnostics.map(formatDiagnostic).join('\n');
}

export function countBySeverity(diagnostics: readonly Diagnostic[]): { errors: number; warnings: number } {
  const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 'error').length;
  return { errors, warnings: diagnostics.length - errors };
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

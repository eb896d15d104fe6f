/**
 * YAML text → plain value plus the position of every field, so that each diagnostic can say
 * `file:line:column`. Pure: the caller reads the file.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { Diagnostic } from './types.js';

/** 1-based line and column. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** Where a field sits: its value, and its key when it is a mapping entry. */
export interface FieldPosition {
  readonly value: Position;
  readonly key?: Position;
}

/** Field path (`deploy.linode.tags[0]`; '' is the document) → position. */
export type PositionMap = ReadonlyMap<string, FieldPosition>;

export interface ParsedTemplateText {
  /** The document as plain data; undefined when it could not be parsed. */
  readonly value: unknown;
  readonly positions: PositionMap;
  readonly diagnostics: Diagnostic[];
}

/** Larger files are refused before parsing: no template needs this much, and YAML parsing is superlinear. */
export const MAX_TEMPLATE_BYTES = 1024 * 1024;
/** Aliases that expand beyond this are refused (the "billion laughs" attack). */
export const MAX_ALIAS_COUNT = 100;

/** Joins a parent path and a key the way diagnostics print them. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/** Far deeper than any template field needs; well within the parser's recursion. */
export const MAX_NESTING_DEPTH = 64;

/**
 * The deepest nesting of flow collections (`[` / `{`), outside quoted scalars and comments.
 * Block-style nesting needs indentation per level, so the file size cap already bounds it.
 */
export function flowNestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quote) {
      if (char === '\\' && quote === '"') i++;
      else if (char === quote) quote = undefined;
      else if (char === '\n' && quote === "'") quote = undefined;
      continue;
    }
    if (char === '"' || char === "'") quote = char;
    else if (char === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
    } else if (char === '[' || char === '{') deepest = Math.max(deepest, ++depth);
    else if ((char === ']' || char === '}') && depth > 0) depth--;
  }
  return deepest;
}

/** A whole-document failure, reported at the top of the file. */
function documentFailure(file: string, message: string, hint: string): ParsedTemplateText {
  return {
    value: undefined,
    positions: new Map(),
    diagnostics: [{ severity: 'error', path: '', message, hint, file, line: 1, column: 1 }],
  };
}

export function parseTemplateText(text: string, file: string): ParsedTemplateText {
  const positions = new Map<string, FieldPosition>();
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_TEMPLATE_BYTES) {
    return documentFailure(
      file,
      `file is ${bytes} bytes; templates are limited to ${MAX_TEMPLATE_BYTES} bytes`,
      'Move large content out of the template (e.g. into the container image).',
    );
  }

  // Checked before parsing: the parser recurses per level, so a hostile file nested thousands
  // of levels deep would otherwise fail slowly with a stack overflow instead of a clear error.
  const depth = flowNestingDepth(text);
  if (depth > MAX_NESTING_DEPTH) {
    return documentFailure(
      file,
      `values are nested ${depth} levels deep; templates allow at most ${MAX_NESTING_DEPTH}`,
      'Flatten the structure: no template field nests more than a few levels.',
    );
  }

  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  const diagnostics: Diagnostic[] = document.errors.map((error) => {
    const { line, column } = at(error.pos[0]);
    return {
      severity: 'error',
      path: '',
      message: `YAML syntax error: ${firstLine(error.message)}`,
      hint: yamlHint(error.code),
      file,
      line,
      column,
    };
  });
  if (diagnostics.length > 0) return { value: undefined, positions, diagnostics };

  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // yaml throws a ReferenceError when aliases expand past maxAliasCount.
    const message = error instanceof Error ? error.message : String(error);
    return documentFailure(
      file,
      `YAML aliases expand too much (${firstLine(message)})`,
      `Write the values out instead of using more than ${MAX_ALIAS_COUNT} alias expansions.`,
    );
  }

  const record = (node: Node | null | undefined, path: string, key?: Position): void => {
    if (!node?.range) return;
    positions.set(path, key ? { value: at(node.range[0]), key } : { value: at(node.range[0]) });
    if (isAlias(node)) return;
    if (isMap(node)) {
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        if (!isScalar(keyNode) || keyNode.range == null) continue;
        const keyPosition = at(keyNode.range[0]);
        const childNode = pair.value as Node | null;
        const name = String(keyNode.value);
        if (childNode?.range) record(childNode, childPath(path, name), keyPosition);
        else positions.set(childPath(path, name), { value: keyPosition, key: keyPosition });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        record(item as Node | null, childPath(path, index));
      });
    }
  };
  record(document.contents as Node | null, '');
  if (!positions.has('')) positions.set('', { value: { line: 1, column: 1 } });

  return { value, positions, diagnostics };
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}

function yamlHint(code: string): string {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'Remove one of the two entries with the same key.';
    case 'TAB_AS_INDENT':
      return 'Indent with spaces, not tabs.';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'Check the indentation of this line and the one before it.';
    default:
      return 'Fix the YAML syntax at this position (quote values that contain ": " or start with special characters).';
  }
}

import { describe, expect, it } from 'vitest';
import { flowNestingDepth, MAX_NESTING_DEPTH, parseTemplateText } from '../../src/template/parse.js';

describe('nesting depth', () => {
  it('counts flow collections, not brackets inside quotes or comments', () => {
    expect(flowNestingDepth('a: [1, [2, {b: [3]}]]\n')).toBe(4);
    expect(flowNestingDepth('a: "[[[[" # [[[[\nb: \'{{{{\'\nc: "\\"[["\n')).toBe(0);
    expect(flowNestingDepth("a: it's [fine]\nb: [x]\n")).toBe(1);
  });

  it('refuses a document nested deeper than the limit with a clear error, and accepts the limit', () => {
    const deep = `x: ${'['.repeat(MAX_NESTING_DEPTH + 1)}${']'.repeat(MAX_NESTING_DEPTH + 1)}\n`;
    const refused = parseTemplateText(deep, 't.yml');
    expect(refused.value).toBeUndefined();
    expect(refused.diagnostics[0]?.message).toBe(
      `values are nested ${MAX_NESTING_DEPTH + 1} levels deep; templates allow at most ${MAX_NESTING_DEPTH}`,
    );
    const limit = `x: ${'['.repeat(MAX_NESTING_DEPTH)}${']'.repeat(MAX_NESTING_DEPTH)}\n`;
    expect(parseTemplateText(limit, 't.yml').diagnostics).toEqual([]);
  });
});

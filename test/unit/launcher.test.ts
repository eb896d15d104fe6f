/** bin's choice of an entry bundle follows the CLI's own dispatch rule (dispatch.ts). */
import { describe, expect, it } from 'vitest';
import { entryFor } from '../../src/cli/launcher.js';

const entries = {
  plan: 'handlers/plan-A.cjs',
  'templates list': 'handlers/tl-B.cjs',
  '': 'handlers/help-C.cjs',
};

describe('entryFor', () => {
  it('picks the longest command name among the leading non-flag words', () => {
    expect(entryFor(['plan', '--template', 'ml-pipeline'], entries)).toBe('plan');
    expect(entryFor(['--debug', 'plan', '--help'], entries)).toBe('plan');
    expect(entryFor(['templates', 'list', '--json'], entries)).toBe('templates list');
  });

  it('sends argv without a command word to the bare CLI, and anything else to the full CLI', () => {
    expect(entryFor(['--help'], entries)).toBe('');
    expect(entryFor([], entries)).toBe('');
    expect(entryFor(['templates', 'show', 'x'], entries)).toBeUndefined();
    expect(entryFor(['plann'], entries)).toBeUndefined();
    expect(entryFor(['--directory', 'x', 'plan'], entries)).toBeUndefined();
    expect(entryFor(['--help'], { plan: 'handlers/plan-A.cjs' })).toBeUndefined();
  });
});

/** The words for a roll no deploy finished: stopped on its own vs cut short. */
import { describe, expect, it } from 'vitest';
import { rollDetail, rollMark, rollSummary } from '../../src/status/roll.js';

const started = '2026-12-02T10:00:00.000Z';

describe('roll marks', () => {
  it('a stopped roll names the replica, the reason and who runs the new version', () => {
    const view = {
      unfinishedRollSince: started,
      rollStopped: {
        at: '2026-12-02T10:01:00.000Z',
        replica: 3,
        reason: 'health check failed',
        updated: [1, 2],
      },
    };
    expect(rollMark(view)).toBe('stopped');
    expect(rollSummary(view)).toBe(
      'stopped at replica 3 (health check failed); replicas 1, 2 run the new version',
    );
    expect(rollDetail(view)).toContain('the others the previous one (at 2026-12-02T10:01:00.000Z)');
    expect(rollSummary({ ...view, rollStopped: { ...view.rollStopped, updated: [1] } })).toContain(
      'replica 1 runs the new version',
    );
    expect(rollSummary({ ...view, rollStopped: { ...view.rollStopped, updated: [] } })).toContain(
      'no replica runs the new version',
    );
  });

  it('a roll without a recorded stop was cut short; none at all has no mark', () => {
    expect(rollMark({ unfinishedRollSince: started })).toBe('interrupted');
    expect(rollSummary({ unfinishedRollSince: started })).toBe('interrupted (the deploy was cut short)');
    expect(rollDetail({ unfinishedRollSince: started })).toContain(`started ${started}`);
    expect(rollMark({})).toBeUndefined();
    expect(rollDetail({})).toBeUndefined();
  });
});

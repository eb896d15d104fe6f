import { describe, expect, it } from 'vitest';
import { findIdleCandidates, idleCost, idleLimitFromTags } from '../../src/reap/idle-policy.js';
import type { InstanceFacts } from '../../src/status/merge.js';

const now = new Date('2026-01-01T12:00:00Z');

function instance(id: number, tags: string[]): InstanceFacts {
  return {
    id,
    label: `l${id}`,
    region: 'us-ord',
    type: 'g2-gpu-rtx4000a1-s',
    status: 'running',
    created: '2026-01-01T08:00:00',
    tags,
  } as unknown as InstanceFacts;
}

const types = [{ id: 'g2-gpu-rtx4000a1-s', price: { hourly: 0.52, monthly: 350 }, region_prices: [] }];

describe('idle policy', () => {
  it('reads our build-idle tag and nothing else', () => {
    expect(idleLimitFromTags(['build-idle:2h'])).toBe(2 * 3600_000);
    expect(idleLimitFromTags(['build-idle:1h30m'])).toBe(90 * 60_000);
    for (const tags of [[], ['build-idle:soon'], ['build-idle:5m'], ['idle:2h']]) {
      expect(idleLimitFromTags(tags)).toBeUndefined();
    }
  });

  it('asks only about our deployments with a limit; the shorter of flag and tag wins', () => {
    const instances = [
      instance(1, ['build-id:aaaa0001', 'build-idle:1h']),
      instance(2, ['build-id:bbbb0002']),
      instance(3, ['build-idle:1h']),
      instance(4, ['build-id:cccc0003', 'build-idle:8h']),
      instance(5, ['build-id:dddd0004', 'build-idle:1h']),
    ];
    const tagOnly = findIdleCandidates(instances, types, now, undefined, new Set(['dddd0004']));
    expect(tagOnly.map((c) => [c.id, c.limitMs, c.limitSource])).toEqual([
      ['aaaa0001', 3600_000, 'tag'],
      ['cccc0003', 8 * 3600_000, 'tag'],
    ]);
    const withFlag = findIdleCandidates(instances, types, now, 2 * 3600_000, new Set());
    expect(withFlag.map((c) => [c.id, c.limitMs, c.limitSource])).toEqual([
      ['aaaa0001', 3600_000, 'tag'],
      ['bbbb0002', 2 * 3600_000, 'flag'],
      ['cccc0003', 2 * 3600_000, 'flag'],
      ['dddd0004', 3600_000, 'tag'],
    ]);
    expect(withFlag[0]).toMatchObject({ linodeId: 1, hourlyPrice: 0.52, app: 'unknown' });
  });

  it('prices the idle hours', () => {
    expect(idleCost(3 * 3600_000, 0.52)).toBe(1.56);
    expect(idleCost(3600_000, undefined)).toBeUndefined();
  });
});

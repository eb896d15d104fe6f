/** placementLayout: which replicas join the anti-affinity group, within the region's limit. */
import { describe, expect, it } from 'vitest';
import { placementLayout, replicaList } from '../../src/plan/placement.js';

describe('placementLayout', () => {
  it('a new deployment gets a group only when every replica fits in one', () => {
    expect(placementLayout({ replicas: 5, available: true, maxInstances: 5 })).toEqual({
      group: true,
      groupedUpTo: 5,
      outside: [],
      maxInstances: 5,
    });
    expect(placementLayout({ replicas: 6, available: true, maxInstances: 5 })).toMatchObject({
      group: false,
      groupedUpTo: 0,
      outside: [],
    });
    expect(placementLayout({ replicas: 3, available: false, maxInstances: 5 }).group).toBe(false);
    expect(placementLayout({ replicas: 3, available: true }).groupedUpTo).toBe(3);
  });

  it('scaling a grouped deployment past the limit keeps the group and puts the rest outside it', () => {
    expect(placementLayout({ replicas: 7, available: true, maxInstances: 5, existingGroup: true })).toEqual({
      group: true,
      groupedUpTo: 5,
      outside: [6, 7],
      maxInstances: 5,
    });
    expect(
      placementLayout({ replicas: 4, available: true, maxInstances: 5, existingGroup: true }).outside,
    ).toEqual([]);
    // Made without a group: none later, however many replicas.
    expect(
      placementLayout({ replicas: 3, available: true, maxInstances: 5, existingGroup: false }).group,
    ).toBe(false);
  });

  it('names replicas', () => {
    expect(replicaList([6])).toBe('replica 6');
    expect(replicaList([6, 7])).toBe('replicas 6, 7');
  });
});

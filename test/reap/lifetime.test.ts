/** The pure lifetime rules: tag parsing, which instances are expired, and the wording. */
import { describe, expect, it } from 'vitest';
import { expiryStamp } from '../../src/plan/labels.js';
import {
  expiryFromTags,
  findExpired,
  formatDuration,
  hourlyTotal,
  isExpired,
  timeLeftText,
} from '../../src/reap/lifetime.js';
import type { InstanceFacts, TypePrice } from '../../src/status/merge.js';

const now = new Date('2026-03-10T12:00:00Z');
const types: TypePrice[] = [
  { id: 'g6-standard-2', price: { hourly: 0.036, monthly: 24 }, region_prices: [] },
  { id: 'g1-gpu-rtx6000-1', price: { hourly: 1.5, monthly: 1000 }, region_prices: [] },
];

function instance(id: number, tags: string[], type = 'g6-standard-2'): InstanceFacts {
  return {
    id,
    label: `svc-${id}`,
    status: 'running',
    region: 'us-ord',
    type,
    ipv4: ['192.0.2.1'],
    tags,
    created: '2026-03-10T02:00:00',
  };
}

describe('expiry tag', () => {
  it('reads back what the planner writes', () => {
    const when = new Date('2026-03-10T11:04:00Z');
    expect(expiryFromTags(['build-id:abcd1234', `build-expires:${expiryStamp(when)}`])).toBe(
      when.toISOString(),
    );
    // Rounded up to the minute: a lifetime is never cut short.
    expect(expiryStamp(new Date('2026-03-10T11:04:00.001Z'))).toBe('2026-03-10T11:05Z');
    expect(expiryStamp(new Date('2026-03-10T11:04:59Z'))).toBe('2026-03-10T11:05Z');
  });

  it('ignores absent or malformed stamps instead of guessing', () => {
    expect(expiryFromTags(['build-id:abcd1234'])).toBeUndefined();
    for (const bad of ['tomorrow', '2026-03-10', '2026-13-45T99:99Z', '1700000000', '']) {
      expect(expiryFromTags([`build-expires:${bad}`])).toBeUndefined();
    }
  });
});

describe('findExpired', () => {
  it('lists a deployment with replicas once, with the price of all of them', () => {
    const tags = (k: number) => [
      'build-id:aaaa0009',
      `build-replica:aaaa0009-${k}`,
      'build-expires:2026-03-10T10:00Z',
    ];
    const found = findExpired(
      [instance(11, tags(1)), instance(12, tags(2)), instance(13, tags(3))],
      types,
      now,
    );
    expect(found.map((d) => d.id)).toEqual(['aaaa0009']);
    const single = findExpired([instance(11, tags(1))], types, now)[0]!;
    expect(found[0]!.hourlyPrice).toBeCloseTo(single.hourlyPrice! * 3, 6);
    expect(found[0]!.accruedCost).toBeCloseTo(single.accruedCost! * 3, 6);
  });

  it('selects only instances with both build-id and a past build-expires tag', () => {
    const found = findExpired(
      [
        instance(1, [
          'build-id:aaaa0001',
          'build-app:chat',
          'build-env:prod',
          'build-expires:2026-03-10T10:00Z',
        ]),
        instance(2, ['build-id:aaaa0002', 'build-expires:2026-03-10T13:00Z']),
        instance(3, ['build-expires:2026-03-01T00:00Z']),
        instance(4, ['build-id:aaaa0004']),
        instance(5, ['unrelated', 'build-expires:2020-01-01T00:00Z']),
        instance(
          6,
          ['build-id:aaaa0006', 'build-app:llm', 'build-env:dev', 'build-expires:2026-03-09T12:00Z'],
          'g1-gpu-rtx6000-1',
        ),
      ],
      types,
      now,
    );
    expect(found.map((d) => d.id)).toEqual(['aaaa0006', 'aaaa0001']);
    const gpu = found[0]!;
    expect(gpu).toMatchObject({ linodeId: 6, app: 'llm', env: 'dev', hourlyPrice: 1.5 });
    expect(gpu.expiredForMs).toBe(24 * 3_600_000);
    // Created 10 hours before `now`: ten started hours at $1.50.
    expect(gpu.accruedCost).toBe(15);
    expect(hourlyTotal(found)).toBe(1.536);
  });

  it('treats the exact expiry minute as expired', () => {
    const at = [instance(1, ['build-id:aaaa0001', 'build-expires:2026-03-10T12:00Z'])];
    expect(findExpired(at, types, now)).toHaveLength(1);
    expect(findExpired(at, types, new Date(now.getTime() - 1))).toHaveLength(0);
  });

  it('leaves the price out when the type is unknown', () => {
    const [only] = findExpired(
      [instance(1, ['build-id:aaaa0001', 'build-expires:2026-03-10T10:00Z'], 'g9-mystery')],
      types,
      now,
    );
    expect(only?.hourlyPrice).toBeUndefined();
    expect(only?.accruedCost).toBeUndefined();
    expect(hourlyTotal([only!])).toBe(0);
  });
});

describe('wording', () => {
  it('formats durations with the two largest units', () => {
    expect(formatDuration(30_000)).toBe('<1m');
    expect(formatDuration(12 * 60_000)).toBe('12m');
    expect(formatDuration(3 * 3_600_000)).toBe('3h');
    expect(formatDuration(3 * 3_600_000 + 12 * 60_000)).toBe('3h 12m');
    expect(formatDuration(50 * 3_600_000)).toBe('2d 2h');
    expect(formatDuration(-90 * 60_000)).toBe('1h 30m');
  });

  it('says time left or how long ago it expired', () => {
    expect(timeLeftText(undefined, now)).toBe('-');
    expect(timeLeftText('2026-03-10T15:30:00.000Z', now)).toBe('3h 30m left');
    expect(timeLeftText('2026-03-10T10:00:00.000Z', now)).toBe('expired 2h ago');
    expect(isExpired('2026-03-10T10:00:00.000Z', now)).toBe(true);
    expect(isExpired('2026-03-10T15:30:00.000Z', now)).toBe(false);
    expect(isExpired(undefined, now)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { isoFromNano, type WatchEvent } from '../src/docker/events.js';
import { EventRing } from '../src/eventring.js';

function event(seq: number, timeNano: string, extra: Partial<WatchEvent> = {}): WatchEvent {
  return {
    seq,
    timeNano,
    time: isoFromNano(timeNano),
    action: 'die',
    container: { id: `id${seq % 2}`, name: `app-${seq % 2}`, image: 'ghcr.io/acme/app:1' },
    ...extra,
  };
}

describe('EventRing', () => {
  it('gives back the events it was given, field for field and in the same key order', () => {
    const ring = new EventRing(10);
    const events = [
      event(1, '1763900000123456789', { exitCode: 137 }),
      event(2, '1763900001000000000', { exitCode: 0, signal: '15' }),
      event(3, '1000000000', { action: 'health_status', health: 'unhealthy' }),
      event(4, '999999999'),
      event(5, '5'),
      event(6, '0', { action: 'oom' }),
    ];
    for (const item of events) ring.push(item);
    const back = ring.since(0, 100);
    expect(back).toEqual(events);
    expect(back.map((item) => JSON.stringify(item))).toEqual(events.map((item) => JSON.stringify(item)));
  });

  it('keeps the newest `capacity` events and pages them by cursor', () => {
    const ring = new EventRing(3);
    for (let seq = 1; seq <= 5; seq++) ring.push(event(seq, `17639000000000000${seq}0`));
    expect(ring.size).toBe(3);
    expect(ring.oldestSeq()).toBe(3);
    expect(ring.since(0, 100).map((item) => item.seq)).toEqual([3, 4, 5]);
    expect(ring.since(3, 1).map((item) => item.seq)).toEqual([4]);
    expect([...ring.after(4)].map((item) => item.seq)).toEqual([5]);
    expect(ring.since(5, 100)).toEqual([]);
    expect(new EventRing(2).oldestSeq()).toBeUndefined();
  });

  it('shares one container object per id, name and image', () => {
    const ring = new EventRing(4);
    const first = ring.ref({ id: 'a', name: 'app', image: 'x:1' });
    expect(ring.ref({ id: 'a', name: 'app', image: 'x:1' })).toBe(first);
    const renamed = ring.ref({ id: 'a', name: 'app-2', image: 'x:1' });
    expect(renamed).not.toBe(first);
    expect(renamed).toEqual({ id: 'a', name: 'app-2', image: 'x:1' });
    ring.push(event(1, '1763900000000000001', { container: { id: 'a', name: 'app-2', image: 'x:1' } }));
    expect(ring.since(0, 1)[0]?.container).toBe(renamed);
  });
});

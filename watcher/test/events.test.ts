import { describe, expect, it } from 'vitest';
import {
  EventDeduper,
  isoFromNano,
  LineSplitter,
  parseEventLine,
  sinceParameter,
} from '../src/docker/events.js';
import { fixtureLines } from './helpers.js';

describe('parseEventLine', () => {
  it('reads Type/Action/Actor from Docker 28 events and ignores the legacy status field', () => {
    const line = fixtureLines('docker28-crash-loop.jsonl')[2] ?? '';
    // Make the legacy field lie: a parser that reads it would see a start.
    const event = parseEventLine(line.replace('"status":"die"', '"status":"start"'));
    expect(event).toMatchObject({
      action: 'die',
      exitCode: 1,
      container: { name: 'app', image: 'ghcr.io/acme/api:1.4' },
      timeNano: '1763900000611000002',
    });
  });

  it('parses Docker 29 events, which have no status/id/from fields', () => {
    const lines = fixtureLines('docker29-oom-stop-health.jsonl');
    const parsed = lines.map(parseEventLine);
    expect(parsed[0]).toMatchObject({ action: 'start', container: { name: 'llm' } });
    expect(parsed[1]?.action).toBe('exec_start');
    expect(parsed[2]).toMatchObject({ action: 'health_status', health: 'unhealthy' });
    expect(parsed[3]).toMatchObject({ action: 'health_status', health: 'healthy' });
    expect(parsed[8]).toMatchObject({ action: 'kill', signal: '9' });
  });

  it('keeps nanosecond times exact (they exceed 2^53)', () => {
    const event = parseEventLine(fixtureLines('docker29-oom-stop-health.jsonl')[4] ?? '');
    expect(event?.timeNano).toBe('1763900200123456789');
    expect(event?.time).toBe(isoFromNano('1763900200123456789'));
    expect(sinceParameter('1763900200123456789')).toBe('1763900200.123456789');
    expect(sinceParameter('1763900200000000042')).toBe('1763900200.000000042');
  });

  it('rejects non-container events, garbage and events without an actor', () => {
    expect(parseEventLine('not json')).toBeUndefined();
    expect(parseEventLine('[]')).toBeUndefined();
    expect(
      parseEventLine('{"Type":"network","Action":"connect","Actor":{"ID":"n"},"timeNano":1}'),
    ).toBeUndefined();
    expect(parseEventLine('{"Type":"container","Action":"die","timeNano":1}')).toBeUndefined();
    expect(parseEventLine('{"status":"die","id":"abc","from":"x","time":1}')).toBeUndefined();
  });

  it('accepts the bare health_status action with the state in an attribute', () => {
    const event = parseEventLine(
      '{"Type":"container","Action":"health_status","Actor":{"ID":"abc","Attributes":{"name":"w","health_status":"unhealthy"}},"time":5,"timeNano":5000000000}',
    );
    expect(event).toMatchObject({ action: 'health_status', health: 'unhealthy' });
  });
});

describe('EventDeduper', () => {
  it('drops replayed events after a reconnect (since is inclusive) but keeps new ones at the same time', () => {
    const lines = fixtureLines('docker28-crash-loop.jsonl');
    const events = lines.map((line) => parseEventLine(line)!);
    const deduper = new EventDeduper();
    expect(events.map((event) => deduper.accept(event)).every(Boolean)).toBe(true);
    // Replay of the last three (as `since=<last timeNano>` plus the 256-event buffer would give).
    expect(events.slice(-3).map((event) => deduper.accept(event))).toEqual([false, false, false]);
    const last = events[events.length - 1]!;
    expect(deduper.accept({ ...last, action: 'destroy' })).toBe(true);
    expect(deduper.newest).toBe(last.timeNano);
  });

  it('restarts from a persisted watermark and the keys at that time', () => {
    const events = fixtureLines('docker28-crash-loop.jsonl').map((line) => parseEventLine(line)!);
    const before = new EventDeduper();
    for (const event of events) before.accept(event);
    const last = events[events.length - 1]!;
    const after = new EventDeduper(before.newest, undefined, before.keysAtWatermark());
    expect(before.keysAtWatermark()).toHaveLength(1);
    expect(after.accept(events[0]!)).toBe(false);
    expect(after.accept(last)).toBe(false);
    expect(after.accept({ ...last, action: 'destroy' })).toBe(true);
  });

  it('stays bounded: keys beyond capacity are forgotten', () => {
    const deduper = new EventDeduper(undefined, 8);
    const base = parseEventLine(fixtureLines('docker28-crash-loop.jsonl')[0] ?? '')!;
    for (let index = 0; index < 100; index++) {
      expect(deduper.accept({ ...base, container: { ...base.container, id: `c${index}` } })).toBe(true);
    }
    // c0 was evicted from the ring; c99 is still remembered.
    expect(deduper.accept({ ...base, container: { ...base.container, id: 'c99' } })).toBe(false);
  });
});

describe('LineSplitter', () => {
  it('joins lines split across chunks and drops runaway partial lines', () => {
    const splitter = new LineSplitter(10);
    const push = (text: string) => {
      const lines: string[] = [];
      splitter.push(Buffer.from(text), (line) => lines.push(line));
      return lines;
    };
    expect(push('{"a":1}\n{"b"')).toEqual(['{"a":1}']);
    expect(push(':2}\n\n')).toEqual(['{"b":2}']);
    expect(push('x'.repeat(50))).toEqual([]);
    expect(push('\nok\n')).toEqual(['ok']);
  });

  it('decodes a multi-byte character split across chunks', () => {
    const splitter = new LineSplitter();
    const bytes = Buffer.from('{"name":"caf\u00e9-\u6f22"}\n');
    const lines: string[] = [];
    for (let index = 0; index < bytes.length; index += 3)
      splitter.push(bytes.subarray(index, index + 3), (line) => lines.push(line));
    expect(lines).toEqual(['{"name":"caf\u00e9-\u6f22"}']);
  });
});

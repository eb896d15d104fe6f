/**
 * The newest events, for /events and events.jsonl. Kept as columns of numbers and shared
 * references rather than one object per event: an event lives here for the next --max-events
 * events, long enough to be promoted to V8's old generation, so under a storm one object graph
 * per event (about 400 bytes: the event, its container, a dozen strings) filled the old
 * generation with garbage and set the watcher's peak memory. Here an event costs no allocation
 * that outlives it: times are two numbers, and the container, action and signal strings are
 * shared by every event that has the same ones.
 */
import { isoFromNano, type WatchEvent } from './docker/events.js';
import type { ContainerRef } from './issues.js';

/** Distinct containers (and action or signal names) remembered for sharing before starting over. */
const MAX_SHARED = 1000;

export class EventRing {
  private readonly seqs: Float64Array;
  /** timeNano split in two exact numbers: seconds and nanoseconds. */
  private readonly seconds: Float64Array;
  private readonly nanos: Float64Array;
  /** NaN when the event has no exit code. */
  private readonly exitCodes: Float64Array;
  private readonly actions: string[];
  private readonly containers: ContainerRef[];
  private readonly signals: (string | undefined)[];
  private readonly healths: (WatchEvent['health'] | undefined)[];
  private start = 0;
  private length = 0;
  private readonly refs = new Map<string, ContainerRef>();
  private readonly names = new Map<string, string>();

  constructor(readonly capacity: number) {
    this.seqs = new Float64Array(capacity);
    this.seconds = new Float64Array(capacity);
    this.nanos = new Float64Array(capacity);
    this.exitCodes = new Float64Array(capacity);
    this.actions = new Array<string>(capacity);
    this.containers = new Array<ContainerRef>(capacity);
    this.signals = new Array<string | undefined>(capacity);
    this.healths = new Array<WatchEvent['health'] | undefined>(capacity);
  }

  get size(): number {
    return this.length;
  }

  /**
   * The shared object for this container (same id, name and image), to be used in place of the
   * event's own: what outlives an event (here, in the detector, in issues) then references
   * strings every event of that container shares. Treat it as read-only.
   */
  ref(container: ContainerRef): ContainerRef {
    const known = this.refs.get(container.id);
    if (known && known.name === container.name && known.image === container.image) return known;
    if (this.refs.size >= MAX_SHARED) this.refs.clear();
    const ref = { id: container.id, name: container.name, image: container.image };
    this.refs.set(container.id, ref);
    return ref;
  }

  private shared(name: string): string {
    const known = this.names.get(name);
    if (known !== undefined) return known;
    if (this.names.size >= MAX_SHARED) this.names.clear();
    this.names.set(name, name);
    return name;
  }

  push(event: WatchEvent): void {
    const index = (this.start + this.length) % this.capacity;
    if (this.length < this.capacity) this.length += 1;
    else this.start = (this.start + 1) % this.capacity;
    const digits = event.timeNano;
    this.seqs[index] = event.seq;
    this.seconds[index] = digits.length > 9 ? Number(digits.slice(0, -9)) : 0;
    this.nanos[index] = Number(digits.length > 9 ? digits.slice(-9) : digits);
    this.exitCodes[index] = event.exitCode ?? Number.NaN;
    this.actions[index] = this.shared(event.action);
    this.containers[index] = this.ref(event.container);
    this.signals[index] = event.signal === undefined ? undefined : this.shared(event.signal);
    this.healths[index] = event.health;
  }

  private event(index: number): WatchEvent {
    const seconds = this.seconds[index] as number;
    const nanos = `${this.nanos[index]}`;
    const timeNano = seconds > 0 ? `${seconds}${'000000000'.slice(nanos.length)}${nanos}` : nanos;
    // The key order of the objects the watcher used to keep, so files and responses read the same.
    const event: WatchEvent = {
      seq: this.seqs[index] as number,
      timeNano,
      time: isoFromNano(timeNano),
      action: this.actions[index] as string,
      container: this.containers[index] as ContainerRef,
    };
    const exitCode = this.exitCodes[index] as number;
    if (!Number.isNaN(exitCode)) event.exitCode = exitCode;
    const signal = this.signals[index];
    if (signal !== undefined) event.signal = signal;
    const health = this.healths[index];
    if (health !== undefined) event.health = health;
    return event;
  }

  /** Events with a cursor after `seq`, oldest first, each made when it is reached. */
  *after(seq: number): IterableIterator<WatchEvent> {
    for (let offset = 0; offset < this.length; offset++) {
      const index = (this.start + offset) % this.capacity;
      if ((this.seqs[index] as number) > seq) yield this.event(index);
    }
  }

  /** At most `limit` events with a cursor after `seq`, oldest first. */
  since(seq: number, limit: number): WatchEvent[] {
    const events: WatchEvent[] = [];
    if (limit <= 0) return events;
    for (const event of this.after(seq)) if (events.push(event) >= limit) break;
    return events;
  }

  oldestSeq(): number | undefined {
    return this.length === 0 ? undefined : this.seqs[this.start];
  }
}

/**
 * Docker event parsing. Reads `Type`/`Action`/`Actor` only: the legacy top-level `status`,
 * `id` and `from` fields are gone from API 1.52 (Docker 29), so a watcher that reads them
 * goes blind on upgrade.
 */

export type HealthState = 'starting' | 'healthy' | 'unhealthy';

export interface WatchEvent {
  /** Monotonic cursor assigned by this watcher (the `/events?since=` parameter). */
  seq: number;
  /** Nanoseconds since the epoch as a decimal string (exceeds 2^53, so never a JS number). */
  timeNano: string;
  /** ISO 8601 time of the event. */
  time: string;
  /** `die`, `start`, `oom`, `health_status`, … */
  action: string;
  container: { id: string; name: string; image: string };
  exitCode?: number;
  signal?: string;
  health?: HealthState;
}

export type ParsedEvent = Omit<WatchEvent, 'seq'>;

const TIME_NANO = /"timeNano"\s*:\s*(\d+)/;
/** Health states as reported → as kept (these constants, not substrings of the event). */
const HEALTH_STATES: ReadonlyMap<string, HealthState> = new Map([
  ['starting', 'starting'],
  ['healthy', 'healthy'],
  ['unhealthy', 'unhealthy'],
  ['running', 'starting'],
]);

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function stringAttribute(attributes: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = attributes?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** Nanosecond string → milliseconds (string slicing: BigInt arithmetic per event is costly under storms). */
export function msFromNano(timeNano: string): number {
  return timeNano.length > 6 ? Number(timeNano.slice(0, -6)) : 0;
}

/** Nanosecond string → ISO time (millisecond precision). */
export function isoFromNano(timeNano: string): string {
  return new Date(msFromNano(timeNano)).toISOString();
}

/** Orders two canonical decimal strings numerically without BigInt. */
export function compareNano(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Nanosecond string → the `seconds.nanoseconds` form the `since` parameter accepts. */
export function sinceParameter(timeNano: string): string {
  const padded = timeNano.length < 10 ? `${'0000000000'.slice(timeNano.length)}${timeNano}` : timeNano;
  return `${padded.slice(0, -9)}.${padded.slice(-9)}`;
}

/**
 * Parses one line of the `/events` stream. Returns undefined for anything that is not a
 * well-formed container event (other types, garbage, missing actor).
 */
export function parseEventLine(line: string): ParsedEvent | undefined {
  let raw: unknown;
  try {
    // JSON.parse would round the 19-digit nanosecond time: quote its digits so it arrives as a
    // string of its own (a regex match would be a substring pinning the whole line in memory).
    raw = JSON.parse(line.replace(TIME_NANO, '"timeNano":"$1"'));
  } catch {
    return undefined;
  }
  const event = asRecord(raw);
  if (event?.Type !== 'container' || typeof event.Action !== 'string') return undefined;
  const actor = asRecord(event.Actor);
  const id = actor && typeof actor.ID === 'string' ? actor.ID : undefined;
  if (!id) return undefined;
  const attributes = asRecord(actor?.Attributes);
  let timeNano: string;
  if (typeof event.timeNano === 'string' && /^\d+$/.test(event.timeNano))
    timeNano = event.timeNano.replace(/^0+(?=\d)/, '');
  else if (typeof event.time === 'number') timeNano = `${Math.floor(event.time)}000000000`;
  else return undefined;

  let action = event.Action;
  let health: HealthState | undefined;
  // `health_status: unhealthy` carries its state in the action; some versions send bare
  // `health_status` with the state in an attribute.
  if (action.startsWith('health_status')) {
    const state = action.includes(':')
      ? action.slice(action.indexOf(':') + 1).trim()
      : stringAttribute(attributes, 'health_status');
    action = 'health_status';
    if (state) health = HEALTH_STATES.get(state);
  } else if (action.includes(':')) {
    // exec_start: <command> and similar: keep the verb only.
    action = action.slice(0, action.indexOf(':'));
  }
  const parsed: ParsedEvent = {
    timeNano,
    time: isoFromNano(timeNano),
    action,
    container: {
      id,
      name: stringAttribute(attributes, 'name') ?? id.slice(0, 12),
      image: stringAttribute(attributes, 'image') ?? '',
    },
  };
  const exitCode = stringAttribute(attributes, 'exitCode');
  if (exitCode !== undefined && /^-?\d+$/.test(exitCode)) parsed.exitCode = Number(exitCode);
  const signal = stringAttribute(attributes, 'signal');
  if (signal !== undefined) parsed.signal = signal;
  if (health) parsed.health = health;
  return parsed;
}

/**
 * Drops events already seen. Docker's `since` is inclusive and replays up to 256 buffered
 * events, so a reconnect re-delivers the last event (and possibly more): anything older than
 * the newest time seen is a duplicate, and events sharing that time are told apart by
 * (time, container, action). Only keys at the newest time can ever match again, so only those
 * are kept (at most `capacity` of them, oldest forgotten first).
 */
export class EventDeduper {
  /** Newest event time seen, as a canonical decimal string ('' before the first). */
  private watermark = '';
  /**
   * Keys of the events at the watermark time, in arrival order. Replaced, not cleared, when the
   * watermark moves: clearing a long-lived Set allocates its new table in the old generation,
   * which under a storm (a new time with nearly every event) filled it with garbage.
   */
  private recent = new Set<string>();

  constructor(
    initialWatermark?: string,
    private readonly capacity = 4096,
    /** Keys of the events at the watermark time (from keysAtWatermark), so they are not re-accepted. */
    initialKeys: readonly string[] = [],
  ) {
    if (initialWatermark) this.watermark = initialWatermark.replace(/^0+(?=\d)/, '');
    for (const key of initialKeys) if (key.startsWith(`${this.watermark}|`)) this.remember(key);
  }

  /** The keys of events at the newest time: what a restart needs to drop their replay. */
  keysAtWatermark(): string[] {
    return [...this.recent];
  }

  get newest(): string | undefined {
    return this.watermark === '' ? undefined : this.watermark;
  }

  private remember(key: string): void {
    this.recent.add(key);
    if (this.recent.size > this.capacity) this.recent.delete(this.recent.values().next().value as string);
  }

  /** True when the event is new (and records it). */
  accept(event: ParsedEvent): boolean {
    const time = event.timeNano;
    const order = this.watermark === '' ? 1 : compareNano(time, this.watermark);
    if (order < 0) return false;
    const key = `${event.timeNano}|${event.container.id}|${event.action}|${event.health ?? ''}`;
    if (order > 0) {
      this.watermark = time;
      this.recent = new Set();
    } else if (this.recent.has(key)) return false;
    this.remember(key);
    return true;
  }
}

/**
 * Splits a byte stream into lines, decoding each line on its own: a line never shares memory
 * with the 64 KiB chunk it came in (a substring of a decoded chunk would keep the whole chunk
 * alive for as long as any value taken from it is kept, e.g. in the event ring). A partial line
 * is held as bytes, at most `maxLine` of them.
 */
export class LineSplitter {
  private partial: Buffer[] = [];
  private partialBytes = 0;

  constructor(private readonly maxLine = 1 << 20) {}

  /** Calls `onLine` for every complete, non-blank line in `chunk` (and what came before it). */
  push(chunk: Buffer, onLine: (line: string) => void): void {
    let start = 0;
    for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, start)) {
      let line: string;
      if (this.partialBytes > 0) {
        this.partial.push(chunk.subarray(start, end));
        line = Buffer.concat(this.partial).toString('utf8');
        this.partial = [];
        this.partialBytes = 0;
      } else line = chunk.toString('utf8', start, end);
      start = end + 1;
      if (line.trim() !== '') onLine(line);
    }
    if (start >= chunk.length) return;
    this.partialBytes += chunk.length - start;
    // A runaway line without a newline is not an event; drop it instead of growing forever.
    if (this.partialBytes > this.maxLine) {
      this.partial = [];
      this.partialBytes = 0;
    } else this.partial.push(Buffer.from(chunk.subarray(start)));
  }
}

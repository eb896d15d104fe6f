/**
 * Persistence in --state-dir: events and issues as JSON lines (bounded by size and rotated),
 * plus a small snapshot of detector state. Writes are batched (one append per flush) so an
 * event storm costs a few syscalls a second, and a full or read-only disk is reported on
 * /health instead of crashing the watcher.
 */
import fs from 'node:fs';
import path from 'node:path';

/**
 * Where JSON lines are staged before each write (one write per flush for a normal batch):
 * shared by every log, since writes are synchronous, so a flush allocates no big buffer.
 */
let staging: Buffer | undefined;

export interface StoreHealth {
  writable: boolean;
  lastError?: string;
  /** Writers whose last write failed, by file: the store is writable only when none is. */
  failing?: Map<string, string>;
}

/** Records one writer's outcome without letting it hide another writer's failure. */
export function recordWrite(health: StoreHealth, file: string, error?: unknown): void {
  health.failing ??= new Map();
  if (error === undefined) health.failing.delete(file);
  else health.failing.set(file, `${path.basename(file)}: ${(error as Error).message}`);
  health.writable = health.failing.size === 0;
  // The most recent failure (a Map keeps insertion order).
  health.lastError = [...health.failing.values()].at(-1);
}

/** An append-only JSON lines file that rotates (or compacts) past `maxBytes`. */
export class JsonLinesLog<T> {
  private readonly pending: Ring<T>;
  private size = 0;

  constructor(
    readonly file: string,
    private readonly maxBytes: number,
    private readonly health: StoreHealth,
    /** When given, rotation rewrites the file with these records instead of renaming it to `.1`. */
    private readonly compact?: () => T[],
    /**
     * Records kept between flushes (the newest). Under a storm only the newest matter (a
     * restart restores that many), so older ones are dropped before paying for their
     * serialisation; this also bounds memory while the disk stays unwritable.
     */
    maxPending = 10000,
  ) {
    this.pending = new Ring(maxPending);
    try {
      this.size = fs.statSync(file).size;
    } catch {
      this.size = 0;
    }
  }

  append(record: T): void {
    this.pending.push(record);
  }

  /** Writes the appended records; on failure they stay pending for the next flush. */
  flush(): void {
    if (this.pending.size > 0 && this.write(this.pending.toArray())) this.pending.clear();
  }

  /**
   * Appends `records` now (serialised one at a time as they are iterated, so a lazy source
   * never has them all in memory at once), rotating past the size limit. False when the write
   * failed (reported through the health record); nothing of it is then left in the file.
   */
  write(records: Iterable<T>): boolean {
    try {
      this.appendWhole(records);
      if (this.size > this.maxBytes) this.rotate();
      recordWrite(this.health, this.file);
      return true;
    } catch (error) {
      recordWrite(this.health, this.file, error);
      return false;
    }
  }

  /**
   * Appends all of `records` as JSON lines or nothing: a write cut short (disk full) is
   * truncated away, so the retry neither duplicates the records that did land nor leaves a torn
   * line behind. Lines go out through a small reused buffer, never as one big string.
   */
  private appendWhole(records: Iterable<T>): void {
    const fd = fs.openSync(this.file, 'a', 0o600);
    try {
      const start = fs.fstatSync(fd).size;
      let written = 0;
      const write = (bytes: Buffer, length: number) => {
        for (let offset = 0; offset < length; ) offset += fs.writeSync(fd, bytes, offset, length - offset);
        written += length;
      };
      try {
        staging ??= Buffer.allocUnsafe(64 * 1024);
        const buffer = staging;
        let used = 0;
        for (const record of records) {
          const line = `${JSON.stringify(record)}\n`;
          // A UTF-8 character is at most 3 bytes per UTF-16 unit.
          if (used + line.length * 3 > buffer.length) {
            write(buffer, used);
            used = 0;
          }
          if (line.length * 3 > buffer.length) {
            const bytes = Buffer.from(line);
            write(bytes, bytes.length);
          } else used += buffer.write(line, used);
        }
        write(buffer, used);
      } catch (error) {
        try {
          fs.ftruncateSync(fd, start);
        } catch {
          // Nothing more can be done; readAll() skips a torn line.
        }
        throw error;
      }
      this.size = start + written;
    } finally {
      fs.closeSync(fd);
    }
  }

  private rotate(): void {
    if (this.compact) {
      const temporary = `${this.file}.tmp`;
      const records = this.compact();
      const text = records.length ? `${records.map((record) => JSON.stringify(record)).join('\n')}\n` : '';
      fs.writeFileSync(temporary, text, { mode: 0o600 });
      fs.renameSync(temporary, this.file);
      this.size = Buffer.byteLength(text);
    } else {
      fs.renameSync(this.file, `${this.file}.1`);
      this.size = 0;
    }
  }

  /** Every readable record, oldest first (rotated file, then current); bad lines are skipped. */
  readAll(): T[] {
    const records: T[] = [];
    for (const file of [`${this.file}.1`, this.file]) {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n')) {
        if (!line) continue;
        try {
          records.push(JSON.parse(line) as T);
        } catch {
          // A line cut short by a crash or full disk: skip it, keep the rest.
        }
      }
    }
    return records;
  }
}

/** Writes a JSON document atomically (temp file + rename), reporting failure through `health`. */
export function writeJsonAtomic(file: string, value: unknown, health: StoreHealth): void {
  const temporary = `${file}.tmp`;
  try {
    fs.writeFileSync(temporary, JSON.stringify(value), { mode: 0o600 });
    fs.renameSync(temporary, file);
    recordWrite(health, file);
  } catch (error) {
    recordWrite(health, file, error);
  }
}

export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** A fixed-capacity buffer that keeps the newest items. */
export class Ring<T> {
  private readonly items: (T | undefined)[];
  private start = 0;
  private length = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    const index = (this.start + this.length) % this.capacity;
    this.items[index] = item;
    if (this.length < this.capacity) this.length += 1;
    else this.start = (this.start + 1) % this.capacity;
  }

  get size(): number {
    return this.length;
  }

  /** Oldest first. */
  toArray(): T[] {
    const result: T[] = [];
    for (let offset = 0; offset < this.length; offset++) {
      result.push(this.items[(this.start + offset) % this.capacity] as T);
    }
    return result;
  }

  clear(): void {
    for (let offset = 0; offset < this.length; offset++)
      this.items[(this.start + offset) % this.capacity] = undefined;
    this.start = 0;
    this.length = 0;
  }

  last(): T | undefined {
    return this.length === 0 ? undefined : this.items[(this.start + this.length - 1) % this.capacity];
  }
}

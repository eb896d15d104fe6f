/**
 * Docker's log stream framing. Without a TTY, `/containers/{id}/logs` multiplexes stdout and
 * stderr: each frame is an 8-byte header (stream type, 3 zero bytes, big-endian uint32 size)
 * followed by the payload. With a TTY the body is raw text.
 */

export interface LogLine {
  stream: 'stdout' | 'stderr';
  text: string;
  /** RFC 3339 time Docker recorded for the line (when requested with timestamps=1). */
  time?: string;
}

const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) /;

/** Moves Docker's `timestamps=1` prefix from the text into `time`. */
export function splitTimestamps(lines: LogLine[]): LogLine[] {
  return lines.map((line) => {
    const match = TIMESTAMP.exec(line.text);
    return match?.[1]
      ? { stream: line.stream, text: line.text.slice(match[0].length), time: match[1] }
      : line;
  });
}

const STREAMS: Record<number, LogLine['stream']> = { 0: 'stdout', 1: 'stdout', 2: 'stderr' };

/** True when the body starts like a multiplexed frame header. */
export function looksMultiplexed(body: Buffer): boolean {
  return (
    body.length >= 8 &&
    (body[0] === 0 || body[0] === 1 || body[0] === 2) &&
    body[1] === 0 &&
    body[2] === 0 &&
    body[3] === 0
  );
}

/** Demultiplexes a complete log body into lines (a truncated final frame is kept as far as it goes). */
export function demultiplexLogs(body: Buffer): LogLine[] {
  if (!looksMultiplexed(body)) return splitLines(body.toString('utf8'), 'stdout');
  const lines: LogLine[] = [];
  let offset = 0;
  let current: LogLine['stream'] | undefined;
  let pending = '';
  const flush = (stream: LogLine['stream'], text: string) => {
    for (const line of splitLines(text, stream)) lines.push(line);
  };
  while (offset + 8 <= body.length) {
    const stream = STREAMS[body[offset] ?? 1] ?? 'stdout';
    const size = body.readUInt32BE(offset + 4);
    const payload = body.subarray(offset + 8, Math.min(body.length, offset + 8 + size)).toString('utf8');
    offset += 8 + size;
    // A line may span frames of the same stream; join them until its newline arrives.
    if (current !== undefined && current !== stream && pending) {
      flush(current, pending);
      pending = '';
    }
    current = stream;
    const text = pending + payload;
    const cut = text.lastIndexOf('\n');
    if (cut === -1) pending = text;
    else {
      flush(stream, text.slice(0, cut));
      pending = text.slice(cut + 1);
    }
  }
  if (current !== undefined && pending) flush(current, pending);
  return lines;
}

function splitLines(text: string, stream: LogLine['stream']): LogLine[] {
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts.map((line) => ({ stream, text: line.endsWith('\r') ? line.slice(0, -1) : line }));
}

/**
 * The front door of the API: a plain TCP server that answers the common request itself and
 * passes everything else to node:http.
 *
 * Dashboards poll over keep-alive connections with small, well-formed GETs whose answers are
 * ready (/issues is served from a cache). node:http costs about 0.1 ms of CPU per request when
 * V8's optimising compiler is off (the unit runs Node with --no-opt to keep memory low); with
 * 100 clients polling at once every request waits behind the others, so that cost, times 100,
 * was the latency. Here such a request is read, checked and answered in a fraction of it.
 *
 * Only a request whose whole head is in the bytes at hand and is unremarkable is answered here:
 * `GET` or `HEAD`, HTTP/1.1, a plain path and query, printable ASCII headers each given once
 * where it matters, a Host, no body, no `Connection` but keep-alive, no Expect or Upgrade, and a
 * route that answers without waiting. At the first request that is anything else (malformed,
 * oversized, split across reads, /logs, a client that stopped reading...) the connection is
 * handed to node:http with the bytes not yet answered, and node:http serves it from then on with
 * all its checks and limits. Both doors give the same answers (Api.answer) with the same headers.
 */
import http from 'node:http';
import net from 'node:net';

/** A complete answer, as both doors send it. */
export interface Answer {
  status: number;
  contentType: string;
  body: string | Buffer;
  /** Headers beyond the ones every answer has (Allow, WWW-Authenticate). */
  headers?: Record<string, string>;
}

/** The headers every answer carries, in the order both doors send them. */
export function answerHeaders(answer: Answer, length: number): Record<string, string | number> {
  return {
    'Content-Type': answer.contentType,
    'Content-Length': length,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...answer.headers,
  };
}

export interface FrontDoorOptions {
  /** Time a connection may stay silent before its first request. */
  timeoutMs: number;
  /** Time an idle keep-alive connection is kept after an answer. */
  keepAliveMs: number;
  /** Largest request head answered here (node:http applies the same limit, with a 431). */
  maxHeaderBytes: number;
}

/**
 * The answer to a request, or undefined when it has to go to node:http (a route that waits:
 * it must not have been started).
 */
export type Answerer = (
  method: 'GET' | 'HEAD',
  target: string,
  authorization: string | undefined,
  socket: net.Socket,
) => Answer | undefined;

export interface SimpleRequest {
  method: 'GET' | 'HEAD';
  target: string;
  authorization?: string;
}

const REQUEST_LINE = /^(GET|HEAD) (\/[a-z]*(?:\?[-\w.~%=&+]*)?) HTTP\/1\.1$/;
const HEADER_LINE = /^([-!#$%&'*+.^_`|~0-9A-Za-z]+):[ \t]*([ -~]*?)[ \t]*$/;

/**
 * The request in `head` (its lines, without the blank line that ends it) when it is one the
 * front door answers; undefined for anything else.
 */
export function simpleRequest(head: string, maxBytes: number): SimpleRequest | undefined {
  if (head.length > maxBytes) return undefined;
  const lines = head.split('\r\n');
  const requestLine = REQUEST_LINE.exec(lines[0] ?? '');
  if (!requestLine) return undefined;
  let host = false;
  let authorization: string | undefined;
  for (let index = 1; index < lines.length; index++) {
    const header = HEADER_LINE.exec(lines[index] as string);
    if (!header) return undefined;
    const value = header[2] as string;
    switch ((header[1] as string).toLowerCase()) {
      case 'host':
        if (host) return undefined;
        host = true;
        break;
      case 'authorization':
        if (authorization !== undefined) return undefined;
        authorization = value;
        break;
      case 'connection':
        if (value.toLowerCase() !== 'keep-alive') return undefined;
        break;
      case 'content-length':
        if (value !== '0') return undefined;
        break;
      case 'transfer-encoding':
      case 'expect':
      case 'upgrade':
        return undefined;
      default:
        break;
    }
  }
  if (!host) return undefined;
  return { method: requestLine[1] as 'GET' | 'HEAD', target: requestLine[2] as string, authorization };
}

let dateSecond = -1;
let dateText = '';

/** The Date header's value, made once a second. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

/** The head node:http would send for `answer` on a keep-alive connection. */
function responseHead(answer: Answer, length: number, keepAliveSeconds: number): string {
  let text = `HTTP/1.1 ${answer.status} ${http.STATUS_CODES[answer.status] ?? ''}\r\n`;
  const headers = answerHeaders(answer, length);
  for (const name of Object.keys(headers)) text += `${name}: ${headers[name]}\r\n`;
  return `${text}Date: ${httpDate()}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=${keepAliveSeconds}\r\n\r\n`;
}

/**
 * Whole responses (head and body in one buffer) for bodies that are served again and again (the
 * cached /issues): made once per body and second (the Date header), then written as they are.
 */
const whole = new WeakMap<Buffer, { second: number; status: number; bytes: Buffer; headLength: number }>();

function writeAnswer(socket: net.Socket, answer: Answer, head: boolean, keepAliveSeconds: number): void {
  if (typeof answer.body !== 'string' && answer.headers === undefined) {
    httpDate();
    let response = whole.get(answer.body);
    if (!response || response.second !== dateSecond || response.status !== answer.status) {
      const text = responseHead(answer, answer.body.length, keepAliveSeconds);
      const bytes = Buffer.concat([Buffer.from(text, 'latin1'), answer.body]);
      response = { second: dateSecond, status: answer.status, bytes, headLength: text.length };
      whole.set(answer.body, response);
    }
    socket.write(head ? response.bytes.subarray(0, response.headLength) : response.bytes);
    return;
  }
  const body = Buffer.from(answer.body);
  const text = responseHead(answer, body.length, keepAliveSeconds);
  socket.write(
    head || body.length === 0
      ? Buffer.from(text, 'latin1')
      : Buffer.concat([Buffer.from(text, 'latin1'), body]),
  );
}

const END_OF_HEAD = Buffer.from('\r\n\r\n');

export function createFrontDoor(
  answer: Answerer,
  fallback: http.Server,
  options: FrontDoorOptions,
): net.Server {
  const keepAliveSeconds = Math.round(options.keepAliveMs / 1000);
  return net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.setTimeout(options.timeoutMs);
    const onTimeout = () => socket.destroy();
    // Idle time counts from the last byte either way, so the keep-alive limit is set once.
    let answered = false;
    const onError = () => socket.destroy();
    const handOver = (rest: Buffer) => {
      socket.removeListener('data', onData);
      socket.removeListener('timeout', onTimeout);
      socket.removeListener('error', onError);
      socket.setTimeout(0);
      fallback.emit('connection', socket);
      if (rest.length > 0) socket.unshift(rest);
    };
    function onData(chunk: Buffer): void {
      let start = 0;
      for (;;) {
        const end = chunk.indexOf(END_OF_HEAD, start);
        // A head still coming (or none): node:http waits for it, under its own time limits.
        if (end === -1) break;
        // A client that does not read what it asked for is node:http's to slow down.
        if (socket.writableLength > socket.writableHighWaterMark) break;
        const request = simpleRequest(chunk.toString('latin1', start, end), options.maxHeaderBytes);
        const result = request && answer(request.method, request.target, request.authorization, socket);
        if (!request || result === undefined) break;
        writeAnswer(socket, result, request.method === 'HEAD', keepAliveSeconds);
        start = end + END_OF_HEAD.length;
      }
      if (start < chunk.length) handOver(chunk.subarray(start));
      else if (!answered) {
        answered = true;
        socket.setTimeout(options.keepAliveMs);
      }
    }
    socket.on('data', onData);
    socket.on('timeout', onTimeout);
    socket.on('error', onError);
  });
}

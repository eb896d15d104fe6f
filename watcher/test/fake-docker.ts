/**
 * A stand-in Docker Engine on a unix socket for API tests that do not need real containers:
 * answers /version, /containers/json, inspect, logs, and holds /events open, replaying
 * whatever lines the test pushes.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

/** One frame of Docker's multiplexed log stream (stream 1 = stdout, 2 = stderr). */
export function logFrame(stream: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

export interface FakeDocker {
  readonly socket: string;
  /** Sends event lines to every open /events stream. */
  emit(lines: readonly string[]): void;
  /** Requests the fake received (paths). */
  readonly requests: string[];
  /** Log body returned for any container (multiplexed frames or raw). */
  logs: Buffer;
  /** Packets each container has received (its stats' networks.eth0.rx_packets); absent: 404. */
  readonly rxPackets: Map<string, number>;
  close(): Promise<void>;
}

export async function startFakeDocker(apiVersion = '1.52', socketPath?: string): Promise<FakeDocker> {
  const socket =
    socketPath ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bw-fake-docker-')), 'docker.sock');
  const streams = new Set<http.ServerResponse>();
  const requests: string[] = [];
  const fake: FakeDocker = {
    socket,
    requests,
    logs: Buffer.alloc(0),
    rxPackets: new Map(),
    emit(lines) {
      for (const stream of streams) stream.write(lines.map((line) => `${line}\n`).join(''));
    },
    close: () =>
      new Promise((resolve) => {
        for (const stream of streams) stream.destroy();
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
  const server = http.createServer((request, response) => {
    const url = request.url ?? '/';
    requests.push(url);
    const route = url.replace(/^\/v[\d.]+/, '').split('?')[0] ?? '';
    if (route === '/version') {
      response.end(JSON.stringify({ ApiVersion: apiVersion, Version: '29.0.0', MinAPIVersion: '1.44' }));
    } else if (route === '/containers/json') {
      response.end('[]');
    } else if (route === '/events') {
      response.writeHead(200, { 'Content-Type': 'application/jsonl' });
      response.flushHeaders();
      streams.add(response);
      response.on('close', () => streams.delete(response));
    } else if (/^\/containers\/[^/]+\/logs$/.test(route)) {
      if (route.includes('missing')) {
        response.writeHead(404);
        response.end('{"message":"No such container"}');
      } else response.end(fake.logs);
    } else if (/^\/containers\/[^/]+\/stats$/.test(route)) {
      const packets = fake.rxPackets.get(decodeURIComponent(route.split('/')[2] ?? ''));
      if (packets === undefined) response.writeHead(404);
      response.end(
        packets === undefined
          ? '{"message":"No such container"}'
          : JSON.stringify({ networks: { eth0: { rx_bytes: packets * 800, rx_packets: packets } } }),
      );
    } else if (/^\/containers\/[^/]+\/json$/.test(route)) {
      response.writeHead(404);
      response.end('{"message":"No such container"}');
    } else {
      response.writeHead(404);
      response.end('{"message":"page not found"}');
    }
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return fake;
}

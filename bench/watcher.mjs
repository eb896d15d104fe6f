#!/usr/bin/env node
// BuildWatch benchmark: runs the built watcher (watcher/dist/buildwatch.js) against a fake
// Docker socket that streams a synthetic event storm, then loads its API during a second storm.
//   1. events classified per second over >= 100k events, as fast as they come (target >= 20,000/s)
//   2. peak resident memory of the watcher process (target <= 60 MB)
//   3. /issues p99 latency with 10 concurrent keep-alive clients on loopback **while** the fake
//      Docker streams 20,000 events/s (target < 20 ms), plain and with Accept-Encoding: gzip;
//      the watcher must keep classifying the storm at its rate meanwhile
// Figures are measured in one run and printed with their ratio to the target.
// The /issues load comes from a second process (this script, run with --load): keep-alive
// connections driven over plain sockets, so what is measured is the watcher, not node:http's
// client sharing a process and a CPU with it.
// Usage: npm run build && node bench/watcher.mjs [--events N] [--requests N]
// The watcher runs on the Node build the instance gets (capabilities/buildwatch/node.json,
// fetched by `node scripts/fetch-watcher-node.mjs` into .cache/watcher-node/); BENCH_NODE=/path/to/node
// runs it on another one (e.g. the Node running this script).
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/**
 * The load generator (run in its own process): `clients` keep-alive connections, opened first
 * (as a dashboard's are), then each sends its next GET as soon as the previous response has
 * fully arrived, until `requests` have been sent. Latency is measured per request, from writing
 * it to reading the last byte of its response; every response must be a 200 with exactly
 * Content-Length bytes of body, and one in 100 bodies is parsed as JSON. The sockets read into
 * one reused buffer, so the generator allocates next to nothing per response. Prints the
 * latencies.
 */
async function runLoad({ port, token, pathname, clients, requests, gzip }) {
  const request = Buffer.from(
    `GET ${pathname} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\n${gzip ? 'Accept-Encoding: gzip\r\n' : ''}\r\n`,
  );
  const latencies = new Float64Array(requests);
  const readBuffer = Buffer.allocUnsafe(256 * 1024);
  let issued = 0;
  let bodyBytes = 0;
  // Whether the last answer was gzipped (an older watcher ignores Accept-Encoding).
  let gzipped = false;
  const connect = () =>
    new Promise((resolve, reject) => {
      let index = -1;
      let started = 0;
      let head; // the response head so far, when it arrived in pieces
      let remaining = -1; // body bytes still to come; -1 while reading the head
      let kept; // the body, for the responses that are parsed
      let done;
      let failed;
      const fail = (message) => {
        socket.destroy();
        failed?.(new Error(`/issues request ${index}: ${message}`));
      };
      const onData = (bytes) => {
        if (index === -1) return fail('bytes after the last response');
        let body = bytes;
        if (remaining === -1) {
          const data = head ? Buffer.concat([head, bytes]) : bytes;
          const end = data.indexOf('\r\n\r\n');
          if (end === -1) {
            head = Buffer.from(data);
            return;
          }
          head = undefined;
          const text = data.toString('latin1', 0, end);
          const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
          const length = /\r\ncontent-length: *(\d+)/i.exec(text)?.[1];
          if (status !== '200') return fail(`status ${status}`);
          if (length === undefined) return fail('no Content-Length');
          gzipped = /\r\ncontent-encoding: *gzip/i.test(text);
          if (gzipped && !gzip) return fail('gzipped, although not asked for');
          remaining = Number(length);
          bodyBytes = remaining;
          body = data.subarray(end + 4);
        }
        remaining -= body.length;
        if (remaining < 0) return fail('more bytes than Content-Length');
        if (kept) kept.push(Buffer.from(body));
        if (remaining > 0) return;
        latencies[index] = performance.now() - started;
        remaining = -1;
        if (kept) {
          const bytes = Buffer.concat(kept);
          const body = (gzipped ? gunzipSync(bytes) : bytes).toString('utf8');
          if (typeof JSON.parse(body).count !== 'number') return fail('the body is not an issue list');
        }
        next();
      };
      const socket = net.connect({
        port,
        host: '127.0.0.1',
        onread: { buffer: readBuffer, callback: (length, buffer) => onData(buffer.subarray(0, length)) },
      });
      socket.setNoDelay(true);
      const next = () => {
        if (issued >= requests) {
          index = -1;
          socket.end();
          return done();
        }
        index = issued++;
        kept = index % 100 === 0 ? [] : undefined;
        started = performance.now();
        socket.write(request);
      };
      socket.on('error', (error) => fail(error.message));
      socket.on('close', () => {
        if (index !== -1) fail('connection closed before the response ended');
      });
      socket.once('connect', () =>
        resolve(
          () =>
            new Promise((resolveRun, rejectRun) => {
              done = resolveRun;
              failed = rejectRun;
              next();
            }),
        ),
      );
      socket.once('error', reject);
    });
  const runs = await Promise.all(Array.from({ length: clients }, connect));
  await Promise.all(runs.map((run) => run()));
  process.stdout.write(JSON.stringify({ latencies: Array.from(latencies), bodyBytes, gzipped }));
}

if (process.argv[2] === '--load') {
  await runLoad(JSON.parse(process.argv[3]));
  process.exit(0);
}

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
// BENCH_BUNDLE: another build of the watcher (e.g. an older commit's, for a before/after).
const bundle = process.env.BENCH_BUNDLE ?? path.join(root, 'watcher/dist/buildwatch.js');
const argValue = (name, fallback) => {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
};
const EVENTS = argValue('--events', 100_000);
const REQUESTS = argValue('--requests', 10_000);
// Real clients are the CLI, the TUI and a Prometheus scrape: 10 at once is already generous.
const CLIENTS = 10;
// The storm the watcher classifies while it answers them.
const STORM_RATE = 20_000;
// The V8 flags the systemd unit runs the watcher with (NODE_FLAGS in
// capabilities/buildwatch/delivery.ts): a small young generation and a capped old space keep
// resident memory low; BENCH_NODE_ARGS overrides.
const NODE_FLAGS = (process.env.BENCH_NODE_ARGS ?? '--max-semi-space-size=1 --max-old-space-size=64')
  .split(' ')
  .filter(Boolean);
const CONTAINERS = 50;
const pinnedNode = JSON.parse(fs.readFileSync(path.join(root, 'capabilities/buildwatch/node.json'), 'utf8'));
const pinnedNodePath = path.join(root, '.cache/watcher-node', pinnedNode.version, 'bin/node');
if (!process.env.BENCH_NODE && !fs.existsSync(pinnedNodePath)) {
  console.error(
    `${pinnedNodePath} is missing: run \`node scripts/fetch-watcher-node.mjs\` (or set BENCH_NODE)`,
  );
  process.exit(1);
}
const WATCHER_NODE = process.env.BENCH_NODE ?? pinnedNodePath;
const WATCHER_NODE_VERSION = execFileSync(WATCHER_NODE, ['--version'], { encoding: 'utf8' }).trim().slice(1);

if (!fs.existsSync(bundle)) {
  console.error(`${bundle} is missing: run \`npm run build\` first`);
  process.exit(1);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-bench-'));
const socket = path.join(work, 'docker.sock');
const token = crypto.randomBytes(24).toString('hex');
fs.writeFileSync(path.join(work, 'token'), token, { mode: 0o600 });

// A realistic mix: restart-policy loops (die → start), health transitions, OOMs, stops.
// Stamped from a minute ago (1 µs apart), as a live storm would be: with a fixed date in the
// past the detector's clock rules saw hours-old containers and resolved half the issues at
// some tick during the measurements, so /issues changed size mid-run from one run to the next.
const BASE_NANO = BigInt(Date.now() - 60_000) * 1_000_000n;
function eventLine(index) {
  const container = index % CONTAINERS;
  const id = container.toString(16).padStart(64, 'c');
  const step = Math.floor(index / CONTAINERS) % 8;
  const attributes = {
    image: `ghcr.io/acme/app-${container}:1`,
    name: `app-${container}`,
    'com.example.team': 'ml',
  };
  let action = [
    'start',
    'health_status: healthy',
    'die',
    'start',
    'health_status: unhealthy',
    'kill',
    'die',
    'oom',
  ][step];
  if (action === 'die') attributes.exitCode = step === 2 ? '1' : '137';
  if (action === 'kill') attributes.signal = '15';
  if (container === 0 && action === 'oom') action = 'exec_start: /bin/sh -c true';
  const nano = BASE_NANO + BigInt(index) * 1000n;
  return `{"Type":"container","Action":"${action}","Actor":{"ID":"${id}","Attributes":${JSON.stringify(attributes)}},"scope":"local","time":${nano / 1_000_000_000n},"timeNano":${nano}}\n`;
}

// Generated before the clock starts, so the generator's own cost is not measured.
const STREAM = [];
for (let index = 0; index < EVENTS; ) {
  let chunk = '';
  for (let batch = 0; batch < 200 && index < EVENTS; batch++) chunk += eventLine(index++);
  STREAM.push(Buffer.from(chunk));
}
let streamStartedAt = 0;
/** The open /events response, kept for the paced storm that follows the first one. */
let eventStream;
let nextEvent = EVENTS;
/** Streams STORM_RATE events a second (new ones, later in time) until the returned stop(). */
function pacedStorm() {
  const started = performance.now();
  let sent = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / 1000) * STORM_RATE) - sent;
    if (due <= 0) return;
    let chunk = '';
    for (let i = 0; i < due; i++) chunk += eventLine(nextEvent++);
    eventStream.write(chunk);
    sent += due;
  }, 5);
  return () => {
    clearInterval(timer);
    return { sent, seconds: (performance.now() - started) / 1000 };
  };
}
const docker = http.createServer((request, response) => {
  const route = (request.url ?? '').replace(/^\/v[\d.]+/, '').split('?')[0];
  if (route === '/version') return response.end('{"ApiVersion":"1.52","Version":"29.0.0"}');
  if (route === '/containers/json') return response.end('[]');
  if (route.endsWith('/logs')) return response.end('');
  if (route.endsWith('/json')) {
    const id = route.split('/')[2];
    return response.end(
      JSON.stringify({
        Id: id,
        Name: `/app-${parseInt(id.slice(-8), 16) % CONTAINERS}`,
        RestartCount: 3,
        State: { Status: 'running', Running: true },
      }),
    );
  }
  if (route === '/events') {
    response.writeHead(200, { 'Content-Type': 'application/jsonl' });
    eventStream = response;
    streamStartedAt = performance.now();
    let index = 0;
    const pump = () => {
      while (index < STREAM.length) {
        if (!response.write(STREAM[index++])) return response.once('drain', pump);
      }
    };
    pump();
    return;
  }
  response.writeHead(404);
  response.end('{}');
});
await new Promise((resolve) => docker.listen(socket, resolve));

// BENCH_GPU=1: GPU sampling on, every second (15 times the default rate), against a stand-in
// nvidia-smi answering for two GPUs and a kernel log with Xid lines; idle checks every second.
const gpuArgs = [];
const gpuEnv = { ...process.env };
if (process.env.BENCH_GPU === '1') {
  const bin = path.join(work, 'gpu-bin');
  fs.mkdirSync(bin);
  const fixtures = path.join(root, 'watcher/test/fixtures');
  fs.writeFileSync(
    path.join(bin, 'nvidia-smi'),
    `#!/bin/sh\ncat ${JSON.stringify(path.join(fixtures, 'nvidia-smi/two-gpus.csv'))}\n`,
    { mode: 0o755 },
  );
  gpuEnv.PATH = `${bin}:${process.env.PATH}`;
  gpuArgs.push(
    '--gpu',
    '--gpu-interval',
    '1',
    '--kernel-log',
    path.join(fixtures, 'kernel-xid.log'),
    '--idle-interval',
    '1',
  );
}

const child = spawn(
  WATCHER_NODE,
  [
    ...NODE_FLAGS,
    bundle,
    '--docker-socket',
    socket,
    '--listen',
    '127.0.0.1:0',
    '--token-file',
    path.join(work, 'token'),
    '--state-dir',
    path.join(work, 'state'),
    '--boot-status-file',
    path.join(work, 'boot.json'),
    '--cloud-init-dir',
    path.join(work, 'ci'),
    ...gpuArgs,
  ],
  { stdio: ['ignore', 'ignore', 'pipe'], env: gpuEnv },
);
let log = '';
const port = await new Promise((resolve, reject) => {
  child.stderr.on('data', (chunk) => {
    log += chunk;
    const match = /listening on 127\.0\.0\.1:(\d+)/.exec(log);
    if (match) resolve(Number(match[1]));
  });
  child.on('exit', (code) => reject(new Error(`watcher exited ${code}: ${log}`)));
});

const agent = new http.Agent({ keepAlive: true });
function get(pathname) {
  return new Promise((resolve, reject) => {
    const request = http.get(
      { host: '127.0.0.1', port, path: pathname, agent, headers: { authorization: `Bearer ${token}` } },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    request.on('error', reject);
  });
}

/** User+system CPU seconds the watcher has used so far (contention-independent cost). */
function cpuSeconds() {
  const fields = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime, in clock ticks (USER_HZ is 100 on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function peakRssBytes() {
  const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/**
 * VmHWM counts the pages of the `node` binary the process has touched (file pages, shared with
 * the page cache and reclaimable), about 45 MB on Node 22 and 24. The kernel keeps no peak of
 * the private part, so it is sampled every 10 ms: the highest RssAnon seen, and RssFile then.
 */
const anonPeak = { anon: 0, file: 0, idle: undefined };
function sampleRss() {
  try {
    const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const anon = Number(/RssAnon:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    const file = Number(/RssFile:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    anonPeak.idle ??= { anon, file };
    if (anon > anonPeak.anon) Object.assign(anonPeak, { anon, file });
  } catch {
    // The process has ended.
  }
}
const sampler = setInterval(sampleRss, 10);
sampleRss();

// 1. Classification rate.
const cpuBeforeEvents = cpuSeconds();
let processed = 0;
while (processed < EVENTS) {
  await new Promise((resolve) => setTimeout(resolve, 50));
  processed = JSON.parse((await get('/status')).body).watcher.events_processed;
}
const classifySeconds = (performance.now() - streamStartedAt) / 1000;
const rate = EVENTS / classifySeconds;
const eventsCpu = cpuSeconds() - cpuBeforeEvents;
const stormRss = peakRssBytes();
const status = JSON.parse((await get('/status')).body).watcher.memory;
const issues = JSON.parse((await get('/issues?state=all')).body);

const eventsProcessed = async () => JSON.parse((await get('/status')).body).watcher.events_processed;

/**
 * 3. /issues latency from the load process while the fake Docker streams STORM_RATE events/s,
 * then how long the watcher took to classify every event of that storm after it ended.
 */
async function issuesUnderStorm(gzip) {
  const processedBefore = await eventsProcessed();
  const cpuBefore = cpuSeconds();
  const stop = pacedStorm();
  const load = spawn(
    process.execPath,
    [
      fileURLToPath(import.meta.url),
      '--load',
      JSON.stringify({ port, token, pathname: '/issues', clients: CLIENTS, requests: REQUESTS, gzip }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  load.stdout.setEncoding('utf8').on('data', (chunk) => {
    output += chunk;
  });
  const exit = await new Promise((resolve) => load.once('exit', resolve));
  const storm = stop();
  if (exit !== 0) throw new Error(`the load generator exited ${exit}`);
  const stoppedAt = performance.now();
  let processedAfter = await eventsProcessed();
  while (processedAfter < processedBefore + storm.sent && performance.now() - stoppedAt < 10_000) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    processedAfter = await eventsProcessed();
  }
  const { latencies, bodyBytes, gzipped } = JSON.parse(output);
  latencies.sort((a, b) => a - b);
  const percentile = (p) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return {
    gzip,
    gzipped,
    p50: percentile(50),
    p99: percentile(99),
    bodyBytes,
    cpuPerRequestMs: ((cpuSeconds() - cpuBefore) / REQUESTS) * 1000,
    storm,
    classified: processedAfter - processedBefore,
    catchUpMs: performance.now() - stoppedAt,
  };
}
const plainLoad = await issuesUnderStorm(false);
const gzipLoad = await issuesUnderStorm(true);

// 2. Peak RSS over the whole run (kernel high-water mark).
const rss = peakRssBytes();
clearInterval(sampler);

child.kill('SIGTERM');
await new Promise((resolve) => child.once('exit', resolve));
agent.destroy();
docker.close();
fs.rmSync(work, { recursive: true, force: true });

const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);
const caughtUp = (result) =>
  result.classified >= result.storm.sent
    ? `all classified ${result.catchUpMs.toFixed(0)} ms after it ended`
    : `only ${result.classified.toLocaleString('en-US')} of ${result.storm.sent.toLocaleString('en-US')} classified ${(result.catchUpMs / 1000).toFixed(0)} s after it ended`;
const loadRow = (result) => [
  `/issues p50 / p99${result.gzip ? (result.gzipped ? ' (gzip)' : ' (gzip asked, not given)') : ''}`,
  `${result.p50.toFixed(2)} / ${result.p99.toFixed(2)} ms (${REQUESTS} requests, ${CLIENTS} clients, ${(result.bodyBytes / 1024).toFixed(1)} KiB each; storm ${Math.round(result.storm.sent / result.storm.seconds).toLocaleString('en-US')} events/s for ${result.storm.seconds.toFixed(1)} s, ${caughtUp(result)})`,
  '< 20 ms p99',
  (20 / result.p99).toFixed(2),
];
const rows = [
  [
    'events classified/s',
    `${Math.round(rate).toLocaleString('en-US')} (${EVENTS.toLocaleString('en-US')} events in ${classifySeconds.toFixed(2)} s)`,
    '>= 20,000/s',
    (rate / 20000).toFixed(2),
  ],
  ['peak RSS (event storm)', `${mb(stormRss)} MB`, '<= 60 MB', (60 / (stormRss / 1024 / 1024)).toFixed(2)],
  ['peak RSS (whole run)', `${mb(rss)} MB`, '<= 60 MB', (60 / (rss / 1024 / 1024)).toFixed(2)],
  [
    'peak private RSS (whole run)',
    `${mb(anonPeak.anon)} MB anonymous (+ ${mb(anonPeak.file)} MB of file pages, mostly the node binary; first sample ${mb(anonPeak.idle.anon)} + ${mb(anonPeak.idle.file)} MB)`,
    '',
    '',
  ],
  loadRow(plainLoad),
  loadRow(gzipLoad),
];
console.log(
  `BuildWatch benchmark (watcher on Node ${WATCHER_NODE_VERSION}, ${os.cpus().length} CPUs); issues found: ${issues.count}`,
);
console.log('ratio = how many times better than the target (>= 1 meets it)');
console.log(
  `watcher CPU: ${eventsCpu.toFixed(2)} s for the events (${Math.round(EVENTS / eventsCpu).toLocaleString('en-US')} events per CPU-second), ` +
    `${plainLoad.cpuPerRequestMs.toFixed(2)} ms per /issues request (${gzipLoad.cpuPerRequestMs.toFixed(2)} gzip) with the storm's; heap after storm ${mb(status.heap_used_bytes)} MB of ${mb(status.heap_total_bytes)} MB`,
);
console.log(
  `load average at the end: ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs (wall-clock figures suffer when it exceeds the CPU count)\n`,
);
const widths = [0, 1, 2, 3].map((column) =>
  Math.max(...[['metric', 'measured', 'target', 'ratio'], ...rows].map((row) => row[column].length)),
);
for (const row of [['metric', 'measured', 'target', 'ratio'], ...rows]) {
  console.log(row.map((cell, column) => cell.padEnd(widths[column])).join('  '));
}
// Kept up: every event of each load-phase storm classified within a second of its end.
const keptUp = [plainLoad, gzipLoad].every(
  (result) => result.classified >= result.storm.sent && result.catchUpMs < 1000,
);
if (!keptUp) console.log('\nthe watcher fell behind the storm during the /issues load');
const failed = rate < 20000 || rss > 60 * 1024 * 1024 || plainLoad.p99 >= 20 || gzipLoad.p99 >= 20 || !keptUp;
process.exitCode = failed ? 1 : 0;

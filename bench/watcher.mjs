#!/usr/bin/env node
// BuildWatch benchmark: runs the built watcher (watcher/dist/buildwatch.js) against a fake
// Docker socket that streams a synthetic event storm, then loads its API.
//   1. events classified per second over >= 100k events (target >= 20,000/s)
//   2. peak resident memory of the watcher process (target <= 60 MB)
//   3. /issues p99 latency with 100 concurrent clients on loopback (target < 20 ms)
// Figures are measured in one run and printed with their ratio to the target.
// Usage: npm run build && node bench/watcher.mjs [--events N] [--requests N]
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const bundle = path.join(root, 'watcher/dist/buildwatch.js');
const argValue = (name, fallback) => {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
};
const EVENTS = argValue('--events', 100_000);
const REQUESTS = argValue('--requests', 10_000);
const CLIENTS = 100;
// The V8 flags the systemd unit runs the watcher with (capabilities/buildwatch): a small young
// generation and a capped old space keep resident memory low; BENCH_NODE_ARGS overrides.
const NODE_FLAGS = (process.env.BENCH_NODE_ARGS ?? '--max-semi-space-size=1 --max-old-space-size=64 --no-opt')
  .split(' ')
  .filter(Boolean);
const CONTAINERS = 50;

if (!fs.existsSync(bundle)) {
  console.error(`${bundle} is missing: run \`npm run build\` first`);
  process.exit(1);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-bench-'));
const socket = path.join(work, 'docker.sock');
const token = crypto.randomBytes(24).toString('hex');
fs.writeFileSync(path.join(work, 'token'), token, { mode: 0o600 });

// A realistic mix: restart-policy loops (die → start), health transitions, OOMs, stops.
const BASE_NANO = 1_763_900_000_000_000_000n;
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

const child = spawn(
  process.execPath,
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
  ],
  { stdio: ['ignore', 'ignore', 'pipe'] },
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

const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
function get(pathname, keepBody = true) {
  return new Promise((resolve, reject) => {
    const request = http.get(
      { host: '127.0.0.1', port, path: pathname, agent, headers: { authorization: `Bearer ${token}` } },
      (response) => {
        const chunks = [];
        let bytes = 0;
        response.on('data', (chunk) => {
          bytes += chunk.length;
          if (keepBody) chunks.push(chunk);
        });
        response.on('end', () =>
          resolve({ status: response.statusCode, bytes, body: Buffer.concat(chunks).toString('utf8') }),
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

// 3. /issues latency under 100 concurrent clients.
const cpuBeforeRequests = cpuSeconds();
const latencies = [];
let issued = 0;
let responseBytes = 0;
async function client() {
  while (issued < REQUESTS) {
    issued += 1;
    const started = performance.now();
    const response = await get('/issues', false);
    responseBytes = response.bytes;
    latencies.push(performance.now() - started);
    if (response.status !== 200) throw new Error(`/issues answered ${response.status}`);
  }
}
await Promise.all(Array.from({ length: CLIENTS }, client));
const requestsCpu = cpuSeconds() - cpuBeforeRequests;
latencies.sort((a, b) => a - b);
const percentile = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];

// 2. Peak RSS over the whole run (kernel high-water mark).
const rss = peakRssBytes();

child.kill('SIGTERM');
await new Promise((resolve) => child.once('exit', resolve));
agent.destroy();
docker.close();
fs.rmSync(work, { recursive: true, force: true });

const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);
const rows = [
  [
    'events classified/s',
    `${Math.round(rate).toLocaleString('en-US')} (${EVENTS.toLocaleString('en-US')} events in ${classifySeconds.toFixed(2)} s)`,
    '>= 20,000/s',
    (rate / 20000).toFixed(2),
  ],
  ['peak RSS (event storm)', `${mb(stormRss)} MB`, '<= 60 MB', (60 / (stormRss / 1024 / 1024)).toFixed(2)],
  [
    'peak RSS (whole run)',
    `${mb(rss)} MB (incl. 100 clients' buffers)`,
    '<= 60 MB',
    (60 / (rss / 1024 / 1024)).toFixed(2),
  ],
  [
    '/issues p50 / p99',
    `${percentile(50).toFixed(2)} / ${percentile(99).toFixed(2)} ms (${REQUESTS} requests, ${CLIENTS} clients, ${(responseBytes / 1024).toFixed(0)} KiB each)`,
    '< 20 ms p99',
    (20 / percentile(99)).toFixed(2),
  ],
];
console.log(
  `BuildWatch benchmark (Node ${process.versions.node}, ${os.cpus().length} CPUs); issues found: ${issues.count}`,
);
console.log('ratio = how many times better than the target (>= 1 meets it)');
console.log(
  `watcher CPU: ${eventsCpu.toFixed(2)} s for the events (${Math.round(EVENTS / eventsCpu).toLocaleString('en-US')} events per CPU-second), ` +
    `${((requestsCpu / REQUESTS) * 1000).toFixed(2)} ms per /issues request; heap after storm ${mb(status.heap_used_bytes)} MB of ${mb(status.heap_total_bytes)} MB`,
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
const failed = rate < 20000 || stormRss > 60 * 1024 * 1024 || percentile(99) >= 20;
process.exitCode = failed ? 1 : 0;

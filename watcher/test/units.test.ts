import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArgumentError, parseDaemonArgs, parseListen } from '../src/args.js';
import { TokenCheck } from '../src/auth.js';
import { readBootProgress } from '../src/boot.js';
import { compareApiVersions, negotiateVersion } from '../src/docker/client.js';
import { demultiplexLogs, splitTimestamps } from '../src/docker/logframe.js';
import { escapeLabel, renderMetrics } from '../src/metrics.js';
import { acceptsGzip } from '../src/server.js';
import { JsonLinesLog, Ring, type StoreHealth } from '../src/store.js';
import { logFrame } from './fake-docker.js';

describe('docker log framing', () => {
  it('demultiplexes stdout/stderr frames, joining lines split across frames', () => {
    const body = Buffer.concat([
      logFrame(1, 'hello\nwor'),
      logFrame(1, 'ld\n'),
      logFrame(2, 'CUDA out of memory\n'),
      logFrame(1, 'tail without newline'),
    ]);
    expect(demultiplexLogs(body)).toEqual([
      { stream: 'stdout', text: 'hello' },
      { stream: 'stdout', text: 'world' },
      { stream: 'stderr', text: 'CUDA out of memory' },
      { stream: 'stdout', text: 'tail without newline' },
    ]);
  });

  it('moves Docker timestamps out of the text', () => {
    expect(
      splitTimestamps([
        { stream: 'stdout', text: '2025-11-23T12:00:00.123456789Z ready on :8000' },
        { stream: 'stderr', text: 'no timestamp here' },
      ]),
    ).toEqual([
      { stream: 'stdout', text: 'ready on :8000', time: '2025-11-23T12:00:00.123456789Z' },
      { stream: 'stderr', text: 'no timestamp here' },
    ]);
  });

  it('treats a TTY body as raw text and survives a truncated frame', () => {
    expect(demultiplexLogs(Buffer.from('a\r\nb\n'))).toEqual([
      { stream: 'stdout', text: 'a' },
      { stream: 'stdout', text: 'b' },
    ]);
    const truncated = logFrame(2, 'partial line here').subarray(0, 14);
    expect(demultiplexLogs(truncated)).toEqual([{ stream: 'stderr', text: 'partia' }]);
  });
});

describe('API version negotiation', () => {
  it('uses min(server, ours) compared numerically', () => {
    expect(compareApiVersions('1.9', '1.10')).toBeLessThan(0);
    expect(negotiateVersion('1.50')).toBe('1.50');
    expect(negotiateVersion('1.53')).toBe('1.52');
    expect(negotiateVersion('1.44')).toBe('1.44');
  });
});

describe('daemon arguments', () => {
  it('parses the documented interface', () => {
    const options = parseDaemonArgs([
      '--docker-socket',
      '/tmp/d.sock',
      '--listen=[::1]:9191',
      '--token-file',
      '/t',
      '--state-dir',
      '/s',
      '--crash-loop-count',
      '5',
      '--crash-loop-window',
      '60',
      '--slow-start',
      '30',
    ]);
    expect(options).toMatchObject({
      dockerSocket: '/tmp/d.sock',
      host: '::1',
      port: 9191,
      stateDir: '/s',
      thresholds: { crashLoopCount: 5, crashLoopWindowMs: 60000, slowStartMs: 30000, stableMs: 60000 },
    });
  });

  it('reads retention and the metrics switch', () => {
    expect(
      parseDaemonArgs([
        '--token-file',
        '/t',
        '--disable-metrics',
        '--max-issues',
        '50',
        '--retention-days=14',
      ]),
    ).toMatchObject({ metrics: false, maxIssues: 50, retentionDays: 14 });
    expect(parseDaemonArgs(['--token-file', '/t'])).toMatchObject({
      metrics: true,
      maxIssues: 200,
      retentionDays: 7,
    });
  });

  it('rejects bad values with a message naming the option', () => {
    expect(() => parseDaemonArgs(['--token-file', '/t', '--crash-loop-count', '0'])).toThrow(
      /--crash-loop-count/,
    );
    expect(() => parseDaemonArgs(['--token-file', '/t', '--bogus', '1'])).toThrow(ArgumentError);
    expect(() => parseDaemonArgs([])).toThrow(/--token-file is required/);
    expect(() => parseListen('host:99999')).toThrow(/HOST:PORT/);
    expect(parseListen('9090')).toEqual({ host: '127.0.0.1', port: 9090 });
    expect(parseDaemonArgs(['--help'])).toBe('help');
    expect(parseDaemonArgs(['-h'])).toBe('help');
    expect(parseDaemonArgs(['--token-file', '/t', '--version'])).toBe('version');
  });

  it("turns parseArgs' errors into one line naming the option", () => {
    const message = (argv: string[]) => {
      try {
        parseDaemonArgs(argv);
      } catch (error) {
        expect(error).toBeInstanceOf(ArgumentError);
        return (error as Error).message;
      }
      return 'no error';
    };
    expect(message(['--token-file', '/t', '--bogus', '1'])).toBe('unknown option --bogus');
    expect(message(['--token-file'])).toBe('--token-file needs a value');
    // A value that looks like the next option is not taken as this one's value.
    expect(message(['--listen', '--token-file', '/t'])).toBe('--listen needs a value');
    expect(message(['--token-file', '/t', '--gpu=yes'])).toBe('--gpu takes no value');
    expect(message(['--token-file', '/t', 'extra'])).toBe('unexpected argument "extra"');
    expect(message(['--token-file=/t', '--listen=[::1]:0'])).toBe('no error');
    // The last of a repeated option wins, as before.
    expect(parseDaemonArgs(['--token-file', '/a', '--token-file', '/b'])).toMatchObject({ tokenFile: '/b' });
  });
});

describe('TokenCheck', () => {
  const check = new TokenCheck('s3cret-token-value-1234');
  it('accepts only the exact bearer token', () => {
    expect(check.allows('Bearer s3cret-token-value-1234')).toBe(true);
    expect(check.allows('bearer s3cret-token-value-1234')).toBe(true);
    expect(check.allows('Bearer s3cret-token-value-123')).toBe(false);
    expect(check.allows('Basic s3cret-token-value-1234')).toBe(false);
    expect(check.allows(undefined)).toBe(false);
    expect(check.allows('Bearer ')).toBe(false);
    expect(new TokenCheck('').allows(undefined)).toBe(false);
  });
});

describe('persistence', () => {
  it('rotates events past the size limit and reads both files back, skipping torn lines', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-store-'));
    const health: StoreHealth = { writable: true };
    const log = new JsonLinesLog<{ n: number }>(path.join(directory, 'e.jsonl'), 200, health);
    for (let n = 0; n < 60; n++) {
      log.append({ n });
      if (n % 5 === 4) log.flush();
    }
    expect(fs.existsSync(path.join(directory, 'e.jsonl.1'))).toBe(true);
    fs.appendFileSync(path.join(directory, 'e.jsonl'), '{"n": 9');
    const records = log.readAll().map((record) => record.n);
    expect(records.length).toBeLessThan(60);
    expect(records[records.length - 1]).toBe(59);
    expect(records).toEqual([...records].sort((a, b) => a - b));
    expect((fs.statSync(path.join(directory, 'e.jsonl')).mode & 0o777).toString(8)).toBe('600');
  });

  it('writes batches larger than its staging buffer whole, and only the newest maxPending', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-store-'));
    const health: StoreHealth = { writable: true };
    const file = path.join(directory, 'e.jsonl');
    const log = new JsonLinesLog<{ n: number; text: string }>(file, 1 << 30, health, undefined, 300);
    // 400 records of ~1 KiB (one of 100 KiB, more than the staging buffer): the oldest 100 go.
    for (let n = 0; n < 400; n++) log.append({ n, text: 'x'.repeat(n === 250 ? 100_000 : 1000) });
    log.flush();
    const records = log.readAll();
    expect(records.map((record) => record.n)).toEqual(Array.from({ length: 300 }, (_, index) => index + 100));
    expect(records[150]?.text).toHaveLength(100_000);
    expect(fs.statSync(file).size).toBe(fs.readFileSync(file, 'utf8').length);
    log.flush();
    expect(log.readAll()).toHaveLength(300);
  });

  it('reports an unwritable state directory instead of throwing', () => {
    const health: StoreHealth = { writable: true };
    const log = new JsonLinesLog<{ n: number }>('/proc/definitely/not/here.jsonl', 100, health);
    log.append({ n: 1 });
    log.flush();
    expect(health.writable).toBe(false);
    expect(health.lastError).toMatch(/here\.jsonl/);
  });

  it('stays unwritable while any log fails, even when another one writes fine', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-store-'));
    const health: StoreHealth = { writable: true };
    const broken = new JsonLinesLog<{ n: number }>('/proc/definitely/not/here.jsonl', 100, health);
    const fine = new JsonLinesLog<{ n: number }>(path.join(directory, 'ok.jsonl'), 10_000, health);
    broken.append({ n: 1 });
    broken.flush();
    fine.append({ n: 2 });
    fine.flush();
    expect(health.writable).toBe(false);
    expect(health.lastError).toMatch(/here\.jsonl/);
    expect(fine.readAll()).toEqual([{ n: 2 }]);
  });

  it('keeps the newest items in a ring', () => {
    const ring = new Ring<number>(3);
    for (let n = 1; n <= 5; n++) ring.push(n);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect(ring.last()).toBe(5);
  });
});

describe('boot progress', () => {
  it('combines cloud-init status and the boot-status file, tolerating partial files', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-boot-'));
    const cloudInit = path.join(directory, 'cloud-init');
    const bootFile = path.join(directory, 'boot-status.json');
    expect(readBootProgress(cloudInit, bootFile)).toMatchObject({
      cloud_init: { status: 'not-started' },
      state: 'unknown',
      steps: [],
    });
    fs.mkdirSync(cloudInit);
    fs.writeFileSync(path.join(cloudInit, 'status.json'), JSON.stringify({ v1: { stage: 'modules-final' } }));
    fs.writeFileSync(
      bootFile,
      JSON.stringify({
        started_at: '2025-01-01T00:00:00Z',
        state: 'running',
        steps: [
          {
            id: 'docker/install',
            capability: 'docker',
            name: 'install',
            description: 'Install Docker',
            state: 'ok',
            exit_code: 0,
          },
          {
            id: 'gpu/driver',
            capability: 'gpu-nvidia',
            name: 'driver',
            description: 'Driver',
            state: 'failed',
            exit_code: 100,
            // As boot-status.py writes it: one string per line.
            output_tail: ['Reading package lists...', 'E: Unable to locate package nvidia-driver-550'],
          },
          { id: 'app/start', capability: 'app', name: 'start', description: 'Start', state: 'running' },
          'junk',
        ],
      }),
    );
    const progress = readBootProgress(cloudInit, bootFile);
    expect(progress).toMatchObject({
      cloud_init: { status: 'running', stage: 'modules-final' },
      state: 'running',
      current_step: 'app/start',
      failed_step: 'gpu/driver',
    });
    expect(progress.steps).toHaveLength(3);
    // The failed step's last lines reach clients (deploy --wait, status) as one text.
    expect(progress.steps[1]!.output_tail).toBe(
      'Reading package lists...\nE: Unable to locate package nvidia-driver-550',
    );
    fs.writeFileSync(bootFile, '{"state": "runn');
    fs.writeFileSync(path.join(cloudInit, 'result.json'), JSON.stringify({ v1: { errors: ['boom'] } }));
    expect(readBootProgress(cloudInit, bootFile)).toMatchObject({
      cloud_init: { status: 'error', errors: ['boom'] },
      state: 'unknown',
    });
  });
});

describe('metrics', () => {
  it('renders Prometheus text with escaped labels and every issue kind', () => {
    const text = renderMetrics({
      eventCounts: new Map([
        ['die', 3],
        ['start', 4],
      ]),
      openIssues: [],
      containers: [{ name: 'we"ird\\name', restart_count: 2 }],
      oomCount: 1,
      rssBytes: 1234,
      dockerConnected: true,
      reconnects: 0,
      stateDirWritable: true,
    });
    expect(text).toContain('buildwatch_events_total{action="die"} 3');
    expect(text).toContain('buildwatch_open_issues{kind="gpu_oom"} 0');
    expect(text).toContain(`buildwatch_container_restarts{container="${escapeLabel('we"ird\\name')}"} 2`);
    expect(escapeLabel('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    expect(text).toMatch(/^# HELP buildwatch_events_total/);
    expect(text.endsWith('\n')).toBe(true);
  });
});

describe('Accept-Encoding', () => {
  it('takes gzip when offered without q=0, in any case and position', () => {
    for (const header of [
      'gzip',
      'GZIP',
      'br, gzip',
      'gzip;q=0.5',
      'deflate, gzip ; q=1',
      'gzip, deflate, br',
    ]) {
      expect(acceptsGzip(header), header).toBe(true);
    }
    for (const header of [undefined, '', 'identity', 'br', 'gzip;q=0', 'x-gzip', 'gzipped', '*']) {
      expect(acceptsGzip(header), String(header)).toBe(false);
    }
  });
});

/**
 * GPU health (issue 18): nvidia-smi samples, Xid errors from the kernel log, DCGM-named
 * metrics and GPU issues. No GPU here: the built watcher runs against a stand-in nvidia-smi on
 * its PATH (gpu-standin.ts) and a stand-in kernel log (fixtures/kernel-xid.log). The real
 * nvidia-smi path has not run in CI.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watcherNodes } from '../../test/support/watcher-node.js';
import { parseQueryOutput, pciKey, queryFields, THROTTLE_FIELD_NAMES } from '../src/gpu/query.js';
import { KernelLogTail, parseXidLine, xidMeaning } from '../src/gpu/xid.js';
import { type FakeDocker, startFakeDocker } from './fake-docker.js';
import { type StandInSmi, standInSmi } from './gpu-standin.js';
import { fixtureDir } from './helpers.js';
import { type RunningWatcher, startWatcher, waitUntil } from './process.js';

const sample = (name: string) => fs.readFileSync(path.join(fixtureDir, 'nvidia-smi', `${name}.csv`), 'utf8');

describe('nvidia-smi output', () => {
  it('asks for the --help-query-gpu field names, the throttle field under its current name first', () => {
    expect(queryFields(THROTTLE_FIELD_NAMES[0]).join(',')).toBe(
      'index,uuid,name,pci.bus_id,utilization.gpu,utilization.memory,memory.used,memory.total,memory.free,' +
        'temperature.gpu,power.draw,clocks_event_reasons.active,ecc.errors.uncorrected.volatile.total',
    );
    expect(THROTTLE_FIELD_NAMES[1]).toBe('clocks_throttle_reasons.active');
  });

  it('reads one sample per GPU, [N/A] as null, the reasons mask decoded', () => {
    const [busy, idle] = parseQueryOutput(sample('two-gpus'));
    expect(busy).toMatchObject({
      index: 0,
      uuid: 'GPU-5f2e8a4c-91d3-4b7e-a6c0-3d9b1e7f2a48',
      name: 'NVIDIA RTX 4000 Ada Generation',
      pci_bus_id: '00000000:00:02.0',
      utilization_gpu: 87,
      memory_used_mib: 15234,
      memory_total_mib: 20475,
      power_draw_w: 112.37,
      throttle_reasons: 0,
      throttle: [],
      ecc_uncorrected_volatile: 0,
    });
    // 0x1 is "GPU idle": not a slowdown.
    expect(idle).toMatchObject({ index: 1, throttle_reasons: 1, throttle: [] });
    const [quadro] = parseQueryOutput(sample('na-fields'));
    expect(quadro).toMatchObject({ power_draw_w: null, ecc_uncorrected_volatile: null, temperature_c: 38 });
    expect(parseQueryOutput(sample('throttled'))[0]?.throttle).toEqual([
      'sw_power_cap',
      'hw_thermal_slowdown',
    ]);
  });

  it('rejects malformed output with what was wrong', () => {
    expect(() => parseQueryOutput(sample('malformed'))).toThrow(/expected 13 fields, got 7/);
    expect(() => parseQueryOutput('')).toThrow(/no GPU lines/);
    const text = sample('two-gpus').replace('87,', 'eighty,');
    expect(() => parseQueryOutput(text)).toThrow(/utilization.gpu is "eighty"/);
  });

  it('matches kernel PCI addresses to nvidia-smi bus ids', () => {
    expect(pciKey('00000000:3B:00.0')).toBe('3b:00');
    expect(pciKey('0000:3b:00')).toBe(pciKey('00000000:3B:00.0'));
  });
});

describe('Xid lines', () => {
  it('skips kernel records a previous run of this boot already read', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bw-kmsg-')), 'kmsg');
    fs.copyFileSync(path.join(fixtureDir, 'kernel-xid.log'), file);
    const first = new KernelLogTail(file);
    expect(first.read().map(parseXidLine).filter(Boolean)).toHaveLength(3);
    expect(first.cursor()).toMatchObject({ seq: 2300 });
    // A restart that saved sequence 2207 (Xid 13) reads from 2208 on; syslog lines carry none.
    const again = new KernelLogTail(file, { seq: 2207 });
    expect(
      again
        .read()
        .map(parseXidLine)
        .filter(Boolean)
        .map((xid) => xid?.xid),
    ).toEqual([31, 79]);
    // A plain file resumes at the saved position.
    const resumed = new KernelLogTail(file, first.cursor());
    expect(resumed.read()).toEqual([]);
    fs.appendFileSync(file, '6,2301,94000000,-;NVRM: Xid (PCI:0000:00:02): 48, pid=1, name=x, DBE\n');
    expect(
      resumed
        .read()
        .map(parseXidLine)
        .map((xid) => xid?.xid),
    ).toEqual([48]);
  });

  it('reads the number and detail from /dev/kmsg records and syslog lines', () => {
    const lines = fs.readFileSync(path.join(fixtureDir, 'kernel-xid.log'), 'utf8').split('\n');
    const xids = lines.map(parseXidLine).filter((xid) => xid !== undefined);
    expect(xids.map((xid) => [xid.pci, xid.xid])).toEqual([
      ['0000:00:02', 13],
      ['0000:00:02', 31],
      ['0000:00:03', 79],
    ]);
    expect(xids[2]?.detail).toContain('GPU has fallen off the bus');
    expect(xidMeaning(79)).toMatch(/fallen off the bus/);
    expect(xidMeaning(48)).toMatch(/double-bit ECC/);
    expect(xidMeaning(9999)).toMatch(/catalogue/);
  });
});

const gpuLabels = (family: PrometheusFamily | undefined) => family?.metrics.map((metric) => metric.labels);

// On the Node builds the instances have (12.22 and 18.19): spawning and reading a device
// non-blocking are the parts most likely to differ between Node versions.
describe.each(watcherNodes())('the built watcher on $label with a stand-in nvidia-smi', ({ path: node }) => {
  let docker: FakeDocker;
  let smi: StandInSmi;
  let watcher: RunningWatcher;
  let kernelLog: string;
  let bootStatus: string;

  const issues = async (state = 'all') =>
    (await watcher.get(`/issues?state=${state}`)).json() as {
      issues: {
        kind: string;
        state: string;
        container: { name: string };
        evidence: Record<string, unknown>;
        message: string;
      }[];
    };
  const waitIssue = (kind: string, state: 'open' | 'resolved', name?: string) =>
    waitUntil(
      async () =>
        (await issues()).issues.find(
          (issue) => issue.kind === kind && issue.state === state && (!name || issue.container.name === name),
        ),
      8000,
      `${kind} ${state}`,
    );
  const gpuStatus = async () =>
    (
      (await watcher.get('/status')).json() as {
        gpu: { sampled_at: string | null; error: { reason: string } | null; gpus: Record<string, unknown>[] };
      }
    ).gpu;
  const metrics = async () => parsePrometheusTextFormat((await watcher.get('/metrics')).body);
  const writeBoot = (loadDriver: string) =>
    fs.writeFileSync(
      bootStatus,
      JSON.stringify({
        state: loadDriver === 'ok' ? 'done' : 'running',
        steps: [
          { id: 'gpu-nvidia/load-driver', capability: 'gpu-nvidia', name: 'load-driver', state: loadDriver },
        ],
      }),
    );

  beforeAll(async () => {
    docker = await startFakeDocker();
    smi = standInSmi();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-gpu-'));
    kernelLog = path.join(dir, 'kern.log');
    bootStatus = path.join(dir, 'boot-status.json');
    fs.writeFileSync(kernelLog, '');
    writeBoot('running');
    watcher = await start();
  });

  /** The watcher with the stand-ins: fast samples, short windows (a restart keeps its state). */
  const start = (stateDir?: string) =>
    startWatcher({
      node,
      socket: docker.socket,
      ...(stateDir ? { stateDir } : {}),
      bootStatusFile: bootStatus,
      env: { ...process.env, PATH: `${smi.dir}:${process.env.PATH ?? ''}` },
      args: [
        '--gpu',
        '--gpu-interval',
        '0.3',
        '--gpu-timeout',
        '0.25',
        '--gpu-window',
        '1',
        '--stable-after',
        '1',
      ].concat(['--kernel-log', kernelLog]),
    });

  afterAll(async () => {
    await watcher?.stop();
    await docker?.close();
  });

  it('samples every GPU with the query fields, into /status and DCGM-named /metrics', async () => {
    const status = await waitUntil(
      async () => {
        const gpu = await gpuStatus();
        return gpu.gpus.length === 2 ? gpu : undefined;
      },
      5000,
      'a GPU sample',
    );
    expect(status.error).toBeNull();
    expect(status.gpus[0]).toMatchObject({
      index: 0,
      utilization_gpu: 87,
      memory_used_mib: 15234,
      last_xid: null,
    });
    // Found on PATH, with the documented arguments.
    expect(smi.calls()[0]).toBe(
      `--query-gpu=${queryFields(THROTTLE_FIELD_NAMES[0]).join(',')} --format=csv,noheader,nounits`,
    );
    const families = await metrics();
    const byName = new Map(families.map((family) => [family.name, family]));
    // dcgm-exporter's names and types (etc/default-counters.csv) for the fields both have.
    for (const [name, type] of [
      ['DCGM_FI_DEV_GPU_UTIL', 'GAUGE'],
      ['DCGM_FI_DEV_MEM_COPY_UTIL', 'GAUGE'],
      ['DCGM_FI_DEV_FB_USED', 'GAUGE'],
      ['DCGM_FI_DEV_FB_FREE', 'GAUGE'],
      ['DCGM_FI_DEV_GPU_TEMP', 'GAUGE'],
      ['DCGM_FI_DEV_POWER_USAGE', 'GAUGE'],
      ['DCGM_FI_DEV_XID_ERRORS', 'GAUGE'],
      ['DCGM_FI_DEV_ECC_DBE_VOL_TOTAL', 'COUNTER'],
      ['DCGM_FI_DEV_CLOCK_THROTTLE_REASONS', 'GAUGE'],
    ] as const) {
      expect(byName.get(name)?.type, name).toBe(type);
    }
    expect(gpuLabels(byName.get('DCGM_FI_DEV_FB_USED'))).toEqual([
      {
        gpu: '0',
        UUID: 'GPU-5f2e8a4c-91d3-4b7e-a6c0-3d9b1e7f2a48',
        device: 'nvidia0',
        modelName: 'NVIDIA RTX 4000 Ada Generation',
        pci_bus_id: '00000000:00:02.0',
      },
      {
        gpu: '1',
        UUID: 'GPU-b7c1d9e3-0a44-4c2f-8e15-6f3a9d2b7c10',
        device: 'nvidia1',
        modelName: 'NVIDIA RTX 4000 Ada Generation',
        pci_bus_id: '00000000:00:03.0',
      },
    ]);
    expect(byName.get('DCGM_FI_DEV_GPU_UTIL')?.metrics.map((metric) => metric.value)).toEqual(['87', '0']);
    expect(byName.get('DCGM_FI_DEV_XID_ERRORS')?.metrics.map((metric) => metric.value)).toEqual(['0', '0']);
    // The watcher's own metrics are still there and the whole text parses.
    expect(byName.has('buildwatch_open_issues')).toBe(true);
  });

  it('leaves out [N/A] fields', async () => {
    smi.answer('na-fields');
    await waitUntil(
      async () => ((await gpuStatus()).gpus.length === 1 ? true : undefined),
      5000,
      'the Quadro sample',
    );
    const byName = new Map((await metrics()).map((family) => [family.name, family]));
    expect(byName.get('DCGM_FI_DEV_POWER_USAGE')?.metrics).toEqual([]);
    expect(byName.get('DCGM_FI_DEV_ECC_DBE_VOL_TOTAL')?.metrics).toEqual([]);
    expect(byName.get('DCGM_FI_DEV_GPU_TEMP')?.metrics.map((metric) => metric.value)).toEqual(['38']);
    expect((await gpuStatus()).gpus[0]).toMatchObject({ power_draw_w: null, ecc_uncorrected_volatile: null });
  });

  it('reports a failing nvidia-smi in /status only until the boot says the driver is ready', async () => {
    smi.mode('fail');
    await waitUntil(
      async () => ((await gpuStatus()).error?.reason === 'failed' ? true : undefined),
      5000,
      'the failure',
    );
    expect((await issues()).issues.some((issue) => issue.kind === 'gpu_unavailable')).toBe(false);
    writeBoot('ok');
    const issue = await waitIssue('gpu_unavailable', 'open');
    expect(issue.message).toContain("couldn't communicate with the NVIDIA driver");
    expect(issue.evidence.reason).toBe('failed');
    smi.answer('two-gpus');
    const resolved = await waitIssue('gpu_unavailable', 'resolved');
    expect(resolved.evidence.reason).toBe('failed');
  });

  it('reports malformed output and a hung nvidia-smi without hanging itself', async () => {
    smi.answer('malformed');
    await waitUntil(
      async () => ((await gpuStatus()).error?.reason === 'malformed' ? true : undefined),
      5000,
      'malformed',
    );
    smi.mode('hang');
    await waitUntil(
      async () => ((await gpuStatus()).error?.reason === 'timeout' ? true : undefined),
      5000,
      'timeout',
    );
    const open = (await issues('open')).issues.find((issue) => issue.kind === 'gpu_unavailable');
    expect(open?.message).toMatch(/did not answer within 0.25 s/);
    // The API answers all the while.
    expect((await watcher.get('/health', null)).status).toBe(200);
    smi.answer('two-gpus');
    await waitUntil(async () => ((await gpuStatus()).error === null ? true : undefined), 5000, 'recovery');
  });

  it('opens gpu_xid with the number and meaning from the kernel log, and DCGM_FI_DEV_XID_ERRORS shows it', async () => {
    fs.appendFileSync(kernelLog, fs.readFileSync(path.join(fixtureDir, 'kernel-xid.log')));
    const xid79 = await waitUntil(
      async () =>
        (await issues()).issues.find((issue) => issue.kind === 'gpu_xid' && issue.container.name === 'gpu1'),
      5000,
      'Xid 79 on gpu1',
    );
    expect(xid79.evidence).toMatchObject({ xid: 79, pci: '0000:00:03' });
    expect(xid79.message).toMatch(/Xid 79 on GPU 1: GPU has fallen off the bus/);
    const gpu0 = (await issues()).issues.find(
      (issue) => issue.kind === 'gpu_xid' && issue.container.name === 'gpu0',
    );
    expect(gpu0?.evidence.xid).toBe(31);
    const byName = new Map((await metrics()).map((family) => [family.name, family]));
    expect(byName.get('DCGM_FI_DEV_XID_ERRORS')?.metrics.map((metric) => metric.value)).toEqual(['31', '79']);
    // Resolved after --gpu-window without a new one.
    await waitIssue('gpu_xid', 'resolved', 'gpu1');
  });

  it('opens gpu_ecc on uncorrected ECC errors and resolves it when they are gone', async () => {
    smi.answer('ecc');
    const issue = await waitIssue('gpu_ecc', 'open', 'gpu0');
    expect(issue.evidence.uncorrected_volatile).toBe(2);
    smi.answer('two-gpus');
    await waitIssue('gpu_ecc', 'resolved', 'gpu0');
  });

  it('opens gpu_throttle only when throttling lasts the window', async () => {
    smi.answer('throttled');
    const issue = await waitIssue('gpu_throttle', 'open', 'gpu0');
    expect(issue.evidence.reasons).toBe('sw_power_cap,hw_thermal_slowdown');
    expect(Date.parse(String(issue.evidence.since))).toBeLessThan(Date.now() - 900);
    smi.answer('two-gpus');
    await waitIssue('gpu_throttle', 'resolved', 'gpu0');
  });

  it('opens gpu_memory_high when the app dies with GPU memory nearly full, resolved when it runs stably', async () => {
    smi.answer('memory-full');
    await waitUntil(
      async () => ((await gpuStatus()).gpus[0]?.memory_used_mib === 19800 ? true : undefined),
      5000,
      'full',
    );
    const now = Date.now();
    const event = (action: string, seconds: number, extra: Record<string, string> = {}) =>
      JSON.stringify({
        Type: 'container',
        Action: action,
        Actor: {
          ID: 'c0ffee'.padEnd(64, '0'),
          Attributes: { image: 'vllm/vllm-openai:v0.11.0', name: 'app', ...extra },
        },
        scope: 'local',
        time: Math.floor(seconds),
        timeNano: `${Math.floor(seconds * 1000)}000000`,
      });
    docker.emit([event('start', now / 1000 - 5), event('die', now / 1000, { exitCode: '1' })]);
    const issue = await waitIssue('gpu_memory_high', 'open', 'app');
    expect(issue.evidence).toMatchObject({ gpu: 0, memory_used_mib: 19800, memory_total_mib: 20475 });
    expect(issue.message).toMatch(/97% full/);
    smi.answer('two-gpus');
    docker.emit([event('start', Date.now() / 1000)]);
    await waitIssue('gpu_memory_high', 'resolved', 'app');
  });

  it('does not raise the Xids it already read again after a restart', async () => {
    const xidIssues = async () => (await issues()).issues.filter((issue) => issue.kind === 'gpu_xid').length;
    const before = await xidIssues();
    expect(before).toBeGreaterThan(0);
    await watcher.stop();
    watcher = await start(watcher.stateDir);
    const samplesBefore = smi.calls().length;
    await waitUntil(async () => (smi.calls().length > samplesBefore + 2 ? true : undefined), 5000, 'samples');
    expect(await xidIssues()).toBe(before);
    // A new one is still seen.
    fs.appendFileSync(
      kernelLog,
      '6,3001,99000000,-;NVRM: Xid (PCI:0000:00:02): 94, pid=77, name=python3, Contained: CE User Channel\n',
    );
    const contained = await waitUntil(
      async () =>
        (await issues('open')).issues.find((issue) => issue.kind === 'gpu_xid' && issue.evidence.xid === 94),
      5000,
      'Xid 94',
    );
    expect(contained.message).toMatch(/contained ECC error/);
  });

  it('falls back to the throttle field name older drivers know', async () => {
    smi.mode('old-driver');
    await waitUntil(
      async () =>
        smi.calls().some((call) => call.includes('clocks_throttle_reasons.active')) ? true : undefined,
      5000,
      'a call with the old field name',
    );
    await waitUntil(async () => ((await gpuStatus()).error === null ? true : undefined), 5000, 'a sample');
  });
});

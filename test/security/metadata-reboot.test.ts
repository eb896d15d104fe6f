/**
 * Attack: read the user-data (every shipped secret) from inside the app container in the
 * moments after a reboot. dockerd restarts `--restart unless-stopped` containers as it starts;
 * if the metadata block is only installed after docker.service, the container runs unblocked
 * until then.
 *
 * The instance is a network namespace with a real dockerd managing its own bridge and
 * iptables rules inside it; the "metadata service" is a listener on 169.254.169.254:80 in a
 * second namespace, routed through a veth pair, so a container's probe is forwarded exactly
 * as on Linode. Nothing leaves this machine. systemd is not PID 1 here, so the test plays the
 * boot in the order the shipped units declare: every unit ordered `Before=docker.service`
 * runs before dockerd starts, every unit ordered `After=docker.service` runs once dockerd
 * answers (when systemd would consider docker.service started). A reboot resets the
 * namespace's netfilter state and deletes docker0, as a fresh kernel would.
 *
 * The app container's own command probes the address from its first instant and logs each
 * result, so the probe runs at once when dockerd restarts it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIB_DIR, METADATA_BLOCK_UNIT, SYSTEMD_DIR } from '../../src/cloudinit/layout.js';
import { parseUserData, type UserDataFile } from '../conformance/userdata.js';
import { bundledDir, loadTemplate, planFor } from '../plan/support.js';
import {
  canStartDockerd,
  importBusyboxImage,
  startPrivateDockerd,
  type TestDocker,
} from '../support/dockerd.js';
import { toolsAvailable } from '../support/tools.js';

const CANARY = 'user-data-canary-5Hq2';
const suffix = String(process.pid % 100000);
const instanceNs = `lbsec-i${suffix}`;
const metadataNs = `lbsec-m${suffix}`;
const vethInstance = `lbsi${suffix}`;
const vethMetadata = `lbsm${suffix}`;

function run(argv: readonly string[]): string {
  return execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function inInstance(argv: readonly string[]): string {
  return run(['ip', 'netns', 'exec', instanceNs, ...argv]);
}

/** The instance and the metadata service, joined by a veth pair; 169.254.169.254 is routed. */
function createNetwork(): void {
  run(['ip', 'netns', 'add', instanceNs]);
  run(['ip', 'netns', 'add', metadataNs]);
  run(['ip', 'link', 'add', vethInstance, 'type', 'veth', 'peer', 'name', vethMetadata]);
  run(['ip', 'link', 'set', vethInstance, 'netns', instanceNs]);
  run(['ip', 'link', 'set', vethMetadata, 'netns', metadataNs]);
  for (const ns of [instanceNs, metadataNs]) run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
  run(['ip', '-n', instanceNs, 'addr', 'add', '10.254.254.1/30', 'dev', vethInstance]);
  run(['ip', '-n', instanceNs, 'link', 'set', vethInstance, 'up']);
  run(['ip', '-n', instanceNs, 'route', 'add', '169.254.169.254/32', 'via', '10.254.254.2']);
  run(['ip', '-n', metadataNs, 'addr', 'add', '10.254.254.2/30', 'dev', vethMetadata]);
  run(['ip', '-n', metadataNs, 'addr', 'add', '169.254.169.254/32', 'dev', vethMetadata]);
  run(['ip', '-n', metadataNs, 'link', 'set', vethMetadata, 'up']);
  run(['ip', '-n', metadataNs, 'route', 'add', 'default', 'via', '10.254.254.1']);
}

function deleteNetwork(): void {
  for (const ns of [instanceNs, metadataNs]) {
    try {
      run(['ip', 'netns', 'del', ns]);
    } catch {
      // already gone
    }
  }
}

/** What a reboot does to the instance's packet filter: every table empty, default policies. */
function rebootNetfilter(): void {
  for (const tool of ['iptables', 'ip6tables']) {
    for (const table of ['raw', 'mangle', 'nat', 'filter']) {
      for (const op of ['-F', '-X']) {
        try {
          inInstance([tool, '-w', '-t', table, op]);
        } catch {
          // a table this kernel lacks for this family
        }
      }
    }
    for (const chain of ['INPUT', 'FORWARD', 'OUTPUT']) {
      try {
        inInstance([tool, '-w', '-P', chain, 'ACCEPT']);
      } catch (error) {
        // A kernel without IPv6 netfilter has nothing to reset; IPv4 must work.
        if (tool === 'iptables') throw error;
      }
    }
  }
  try {
    run(['ip', '-n', instanceNs, 'link', 'del', 'docker0']);
  } catch {
    // no bridge yet
  }
  const left = inInstance(['iptables-save']).split('\n');
  expect(left.filter((line) => line.startsWith('-A'))).toEqual([]);
}

/** The metadata service: answers every request with the canary and reports who asked. */
function startMetadataService(requests: string[]): ChildProcess {
  const script = `
    require('node:http').createServer((request, response) => {
      process.stdout.write(request.socket.remoteAddress + '\\n');
      response.end(${JSON.stringify(CANARY)});
    }).listen(80, '169.254.169.254', () => process.stdout.write('listening\\n'));`;
  const child = spawn('ip', ['netns', 'exec', metadataNs, process.execPath, '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => requests.push(...chunk.split('\n').filter(Boolean)));
  return child;
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Unit {
  readonly name: string;
  readonly before: string[];
  readonly after: string[];
  readonly execStart: string;
}

function parseUnit(file: UserDataFile): Unit {
  const values = (key: string) =>
    file.content
      .split('\n')
      .filter((line) => line.startsWith(`${key}=`))
      .flatMap((line) =>
        line
          .slice(key.length + 1)
          .split(/\s+/)
          .filter(Boolean),
      );
  const [execStart] = values('ExecStart');
  if (!execStart) throw new Error(`${file.path} has no ExecStart`);
  return { name: path.basename(file.path), before: values('Before'), after: values('After'), execStart };
}

/** The files a deploy of a bundled Docker template ships, as the instance receives them. */
function shippedFiles(): UserDataFile[] {
  const plan = planFor(loadTemplate(path.join(bundledDir, 'chat-agent', 'template.yml')));
  return parseUserData(plan.userData).files;
}

/** A shell pipeline that asks the metadata service for the user-data, with `nc` (busybox). */
function askMetadata(nc: string, waitSeconds: number): string {
  return `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | ${nc} -w ${waitSeconds} 169.254.169.254 80`;
}

const PROBE = [
  'echo start >> /probe/log',
  'while :; do',
  `  if ${askMetadata('nc', 1)} | grep -q ${CANARY}; then`,
  '    echo reached >> /probe/log; sleep 0.2',
  '  else echo blocked >> /probe/log; fi',
  'done',
].join('\n');

const ready =
  canStartDockerd() && toolsAvailable('ip', 'iptables', 'ip6tables', 'iptables-save', 'nsenter', 'busybox');

describe.runIf(ready)('the metadata block across a reboot (real dockerd, own network namespace)', () => {
  let docker: TestDocker;
  let metadata: ChildProcess;
  const requests: string[] = [];
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lb-security-reboot-'));
  const probeLog = path.join(work, 'probe', 'log');
  const files = shippedFiles();
  const blockUnit = parseUnit(files.find((file) => file.path === `${SYSTEMD_DIR}/${METADATA_BLOCK_UNIT}`)!);

  /** Runs a unit's ExecStart the way systemd would: the shipped script, as root, on the instance. */
  function startUnit(unit: Unit): void {
    const script = files.find((file) => file.path === unit.execStart);
    if (!script) throw new Error(`${unit.name} runs ${unit.execStart}, which the plan does not ship`);
    const local = path.join(work, path.basename(script.path));
    fs.writeFileSync(local, script.content, { mode: 0o700 });
    inInstance(['bash', local]);
  }

  function probeResults(): string[] {
    const lines = fs.existsSync(probeLog)
      ? fs.readFileSync(probeLog, 'utf8').split('\n').filter(Boolean)
      : [];
    const start = lines.lastIndexOf('start');
    return start < 0 ? [] : lines.slice(start + 1);
  }

  beforeAll(async () => {
    deleteNetwork();
    createNetwork();
    metadata = startMetadataService(requests);
    await until(() => requests.includes('listening'), 10000, 'the metadata listener');
    requests.length = 0;
    docker = await startPrivateDockerd({ netns: instanceNs });
    await importBusyboxImage(docker);
  }, 120_000);

  afterAll(async () => {
    await docker?.stop();
    metadata?.kill();
    deleteNetwork();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('orders the shipped block unit before docker.service, and docker.service requires it', () => {
    expect(blockUnit.before).toContain('docker.service');
    expect(blockUnit.after).not.toContain('docker.service');
    const unitText = files.find((file) => file.path.endsWith(METADATA_BLOCK_UNIT))!.content;
    expect(unitText).toMatch(/^RequiredBy=.*\bdocker\.service\b/m);
    expect(blockUnit.execStart).toBe(`${LIB_DIR}/block-metadata`);
  });

  it('keeps the app container from the metadata service from the instant dockerd restarts it', async () => {
    // Control: without the block, a container reaches the service (so "blocked" below means something).
    const open = await docker.docker(['run', '--rm', 'lb-busybox:test', 'sh', '-c', askMetadata('nc', 2)]);
    expect(open).toContain(CANARY);
    expect(requests.length).toBe(1);

    // First boot: the boot step runs `systemctl enable --now` on the block, then the app starts.
    startUnit(blockUnit);
    fs.mkdirSync(path.dirname(probeLog), { recursive: true });
    await docker.docker([
      'run',
      '-d',
      '--name',
      'app',
      '--restart',
      'unless-stopped',
      '-v',
      `${path.dirname(probeLog)}:/probe`,
      'lb-busybox:test',
      'sh',
      '-c',
      PROBE,
    ]);
    await until(() => probeResults().length >= 2, 30000, 'probes on the first boot');
    expect(probeResults().every((result) => result === 'blocked')).toBe(true);

    // Reboot: dockerd stops (the container with it), the kernel's rules are gone, and the
    // units run in their declared order around dockerd, which restarts the container itself.
    const requestsBefore = requests.length;
    const ordered = (list: string[]) => list.includes('docker.service');
    await docker.restart(() => {
      rebootNetfilter();
      fs.writeFileSync(probeLog, '');
      if (ordered(blockUnit.before)) startUnit(blockUnit);
    });
    if (ordered(blockUnit.after)) startUnit(blockUnit);
    await until(() => probeResults().length >= 3, 30000, 'probes after the reboot');
    const results = probeResults();
    expect(
      results.filter((result) => result !== 'blocked'),
      `probe results: ${results.join(' ')}`,
    ).toEqual([]);
    expect(requests.slice(requestsBefore)).toEqual([]);
    // The host itself still reads its metadata (cloud-init needs it).
    const host = inInstance(['sh', '-c', askMetadata('busybox nc', 2)]);
    expect(host).toContain(CANARY);
  }, 180_000);
});

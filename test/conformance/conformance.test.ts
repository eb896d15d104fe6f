/**
 * Every generated document checked with the real tools: `cloud-init schema -c`, `shellcheck`
 * on every shell script it writes (runner, helpers, steps, app scripts, capability scripts,
 * the template's own scripts) and on the bash data files it sources, and
 * `systemd-analyze verify` on every unit. systemd-analyze insists that ExecStart programs
 * exist, so the units are checked beside materialised copies of the files they run (the
 * /usr/local/lib/linode-build prefix rewritten to a temporary directory).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_DIR as WATCHER_NODE_DIR } from '../../capabilities/buildwatch/delivery.js';
import { LIB_DIR } from '../../src/cloudinit/layout.js';
import { originalDir } from '../plan/support.js';
import { toolsAvailable } from '../support/tools.js';
import { templateCases } from './cases.js';
import { isUnit, parseUserData, shellKind } from './userdata.js';

const cases = templateCases().map((c) => ({ name: c.name, plan: c.plan() }));
const work = mkdtempSync(path.join(os.tmpdir(), 'lb-conformance-'));

if (!existsSync(originalDir)) {
  console.warn(`[skipped] the original templates: ${originalDir} is absent`);
}

describe('generated documents', () => {
  it('cover every bundled template and the synthetic cases', () => {
    expect(cases.filter((c) => c.name.startsWith('bundled/')).length).toBeGreaterThanOrEqual(4);
    expect(cases.filter((c) => c.name.startsWith('synthetic/')).length).toBe(2);
  });

  it('include every bundled template and every capability planned for Ubuntu 26.04', () => {
    const bundled = cases.filter((c) => c.name.startsWith('bundled/'));
    const resolute = cases.filter((c) => c.name.startsWith('ubuntu26.04/'));
    expect(resolute.length).toBe(bundled.length + 1);
    for (const { plan } of resolute) expect(plan.context.image).toBe('linode/ubuntu26.04');
    const every = resolute.find((c) => c.name === 'ubuntu26.04/every-capability')!.plan;
    // The third-party sources 26.04 needs are in the document cloud-init reads.
    const sources = Object.keys(parseUserData(every.userData).config.apt?.sources ?? {});
    expect(sources).toEqual(expect.arrayContaining(['pgdg', 'deadsnakes', 'nodesource']));
  });

  it.each(cases)(
    '$name is one deterministic #cloud-config document with a single runner runcmd',
    ({ plan }) => {
      const { config } = parseUserData(plan.userData);
      expect(plan.userData).not.toMatch(/^Content-Type|merge_how|^%YAML/m);
      expect(config.runcmd).toEqual([['/bin/bash', `${LIB_DIR}/boot-runner`]]);
      expect(Object.keys(config)).not.toContain('packages');
    },
  );
});

describe.runIf(toolsAvailable('cloud-init'))('cloud-init schema', () => {
  it.each(cases)('$name passes cloud-init schema -c', ({ name, plan }) => {
    const file = path.join(work, `${name.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, plan.userData);
    const result = spawnSync('cloud-init', ['schema', '-c', file], { encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`).toContain('Valid cloud-config');
    expect(result.status).toBe(0);
  });
});

/**
 * cloud-init's own user-data processing (the Python that runs on the instance) turns the bytes
 * sent into exactly one text/cloud-config part equal to the document: gzip is unpacked by
 * cloud-init itself, plain text passes through. Run with the interpreter cloud-init runs under.
 */
function cloudInitPython(): string {
  const launcher = spawnSync('sh', ['-c', 'command -v cloud-init'], { encoding: 'utf8' }).stdout.trim();
  const shebang = readFileSync(launcher, 'utf8').split('\n', 1)[0] ?? '';
  return shebang.replace(/^#!\s*/, '').split(/\s+/)[0] || 'python3';
}

const PROCESS_USER_DATA = [
  'import sys',
  'from cloudinit.user_data import UserDataProcessor',
  'message = UserDataProcessor({}).process(sys.stdin.buffer.read())',
  "parts = [p for p in message.walk() if p.get_content_maintype() != 'multipart']",
  "sys.stdout.write('|'.join(p.get_content_type() for p in parts) + '\\n')",
  'sys.stdout.buffer.write(parts[0].get_payload(decode=True))',
].join('\n');

describe.runIf(toolsAvailable('cloud-init'))('cloud-init reads the bytes sent', () => {
  const python = cloudInitPython();
  it.each(cases)('$name: one text/cloud-config part equal to the document', ({ plan }) => {
    const sent = Buffer.from(plan.instance.metadata.user_data, 'base64');
    expect(sent.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))).toBe(plan.size.encoding === 'gzip');
    const result = spawnSync(python, ['-c', PROCESS_USER_DATA], { input: sent, maxBuffer: 1 << 24 });
    expect(result.status, String(result.stderr)).toBe(0);
    const output = result.stdout.toString('utf8');
    const newline = output.indexOf('\n');
    expect(output.slice(0, newline)).toBe('text/cloud-config');
    expect(output.slice(newline + 1)).toBe(plan.userData);
  });
});

describe.runIf(toolsAvailable('shellcheck'))('shellcheck', () => {
  it('passes on every script and sourced data file of every document', () => {
    const byKind = { shebang: new Map<string, string>(), 'bash-data': new Map<string, string>() };
    const dir = mkdtempSync(path.join(work, 'scripts-'));
    for (const { name, plan } of cases) {
      for (const file of parseUserData(plan.userData).files) {
        const kind = shellKind(file);
        if (!kind) continue;
        const hash = createHash('sha256').update(file.content).digest('hex').slice(0, 12);
        const target = path.join(dir, `${hash}-${path.basename(file.path)}`);
        writeFileSync(target, file.content);
        byKind[kind].set(target, `${name}:${file.path}`);
      }
    }
    expect(byKind.shebang.size).toBeGreaterThan(15);
    expect(byKind['bash-data'].size).toBeGreaterThan(3);
    for (const [kind, files] of Object.entries(byKind)) {
      const args = kind === 'bash-data' ? ['-s', 'bash'] : [];
      const result = spawnSync('shellcheck', ['-f', 'gcc', ...args, ...files.keys()], { encoding: 'utf8' });
      const report = result.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const file = line.slice(0, line.indexOf(':'));
          return `${files.get(file) ?? file}${line.slice(file.length)}`;
        });
      expect(report, report.join('\n')).toEqual([]);
      expect(result.status).toBe(0);
    }
  });
});

describe.runIf(toolsAvailable('systemd-analyze'))('systemd-analyze verify', () => {
  it.each(cases)('$name: every unit verifies', ({ name, plan }) => {
    const { files } = parseUserData(plan.userData);
    const root = mkdtempSync(path.join(work, 'units-'));
    const lib = path.join(root, 'lib');
    // buildwatch's Node is downloaded on the instance (the boot tests run the real one); here an
    // executable stand-in at the rewritten place lets verify check the rest of the unit.
    const watcherNode = path.join(root, 'buildwatch-node');
    mkdirSync(path.join(watcherNode, 'bin'), { recursive: true });
    writeFileSync(path.join(watcherNode, 'bin', 'node'), '#!/bin/sh\n', { mode: 0o755 });
    const rewrite = (text: string) =>
      text.replaceAll(`${LIB_DIR}/`, `${lib}/`).replaceAll(`${WATCHER_NODE_DIR}/`, `${watcherNode}/`);
    for (const file of files.filter((f) => f.path.startsWith(`${LIB_DIR}/`))) {
      const target = rewrite(file.path);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, file.content);
      chmodSync(target, Number.parseInt(file.permissions, 8));
    }
    const units = files.filter(isUnit).map((file) => {
      const target = path.join(root, path.basename(file.path));
      writeFileSync(target, rewrite(file.content));
      return target;
    });
    if (units.length === 0) {
      expect(name).toMatch(/native/);
      return;
    }
    const result = spawnSync('systemd-analyze', ['verify', '--man=no', ...units], { encoding: 'utf8' });
    const complaints = `${result.stdout}${result.stderr}`
      .split('\n')
      .filter(Boolean)
      // The only tolerated complaint: this machine has no Docker binary.
      .filter((line) => !line.includes('/usr/bin/docker'));
    expect(complaints).toEqual([]);
  });
});

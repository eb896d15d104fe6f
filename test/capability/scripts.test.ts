import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { toolsAvailable } from '../support/tools.js';
import { composeFragments, everyCombination } from './fixtures.js';

const capabilitiesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../capabilities');

function shellScripts(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return shellScripts(full);
    return entry.name.endsWith('.sh') ? [full] : [];
  });
}

const scripts = shellScripts(capabilitiesDir);
const relative = (file: string) => path.relative(capabilitiesDir, file);

/** Bash, found either way (`#!/usr/bin/env bash` is the convention here). */
const BASH_SHEBANG = /^#!(\/usr\/bin\/env bash|\/bin\/bash)\n/;

/**
 * Lines that reintroduce the original tool's failure modes. (`exit 0` is not among them: each
 * step runs as its own process, so it can end only its own script, never later steps.)
 */
const FORBIDDEN: readonly { pattern: RegExp; why: string }[] = [
  { pattern: /^\s*(sudo\s+)?(reboot|shutdown)\b/, why: 'a step never reboots the instance' },
  { pattern: /curl[^|\n]*\|\s*(sudo\s+)?(ba)?sh\b/, why: 'never pipe a download into a shell' },
  { pattern: /add-apt-repository/, why: 'declare apt sources (signed-by) so they exist before installs' },
  { pattern: /apt-key/, why: 'apt-key is deprecated; use signed-by keyrings' },
  {
    pattern:
      /(apt-get|apt-install|\bapt\b|dpkg|modprobe|nvidia-smi|systemctl (start|restart|enable))[^\n]*\|\|\s*(true|:)/,
    why: 'an install or service failure must fail the step, not be swallowed',
  },
  { pattern: /set \+e/, why: 'steps run with errexit throughout' },
];

describe('capability shell scripts', () => {
  it('finds the scripts', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(10);
  });

  for (const file of scripts) {
    it(`${relative(file)} is a strict bash script without the original's failure modes`, () => {
      const text = readFileSync(file, 'utf8');
      expect(text).toMatch(BASH_SHEBANG);
      expect(text).toContain('\nset -euo pipefail\n');
      const lines = text.split('\n');
      for (const { pattern, why } of FORBIDDEN) {
        const hits = lines.map((line, index) => ({ line, index })).filter(({ line }) => pattern.test(line));
        expect(
          hits.map(({ line, index }) => `${relative(file)}:${index + 1}: ${line.trim()}`),
          why,
        ).toEqual([]);
      }
    });
  }

  it('every script is used by a step and every step script is a file on disk', () => {
    const onDisk = new Map(scripts.map((file) => [readFileSync(file, 'utf8'), relative(file)]));
    const used = new Set<string>();
    for (const input of everyCombination()) {
      for (const fragment of composeFragments(input).fragments.values()) {
        for (const step of fragment.steps ?? []) {
          expect(onDisk.has(step.script), `step ${step.name} has a script that is not a .sh file`).toBe(true);
          used.add(onDisk.get(step.script)!);
        }
      }
    }
    expect([...onDisk.values()].filter((file) => !used.has(file))).toEqual([]);
  });
});

describe.skipIf(!toolsAvailable('shellcheck'))('shellcheck', () => {
  for (const file of scripts) {
    it(`${relative(file)} passes shellcheck`, () => {
      const result = spawnSync(
        'shellcheck',
        ['--shell=bash', '--severity=style', '--external-sources', file],
        {
          encoding: 'utf8',
        },
      );
      expect(result.error).toBeUndefined();
      expect(`${result.stdout}${result.stderr}`).toBe('');
      expect(result.status).toBe(0);
    });
  }
});

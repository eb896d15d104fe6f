/**
 * Fuzz: 1,000+ generated env values and template strings (quotes, $(), backticks, %, #, =,
 * unicode; newlines in fields that allow them) through the real planner. Every document must
 * parse (here with the yaml package, and in one batch with PyYAML, which cloud-init uses) to
 * exactly the files we meant to write; every env value read back the way docker's --env-file
 * reads it must equal the input; the command argv read back by bash from app.conf must equal
 * the template's list; a sample of documents passes cloud-init schema and shellcheck.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeployPlan } from '../../src/plan/types.js';
import { parseDockerEnvFile } from '../env/docker-envfile.js';
import { makeTemplate } from '../plan/fixtures.js';
import { planFor } from '../plan/support.js';
import { nastyString } from '../quote/arbitraries.js';
import { toolsAvailable } from '../support/tools.js';
import { parseUserData, shellKind } from './userdata.js';

const RUNS = 1000;
const D = '$';
const oneLine = nastyString.filter((value) => !/[\r\n]/.test(value));
const multiLine = fc.array(nastyString, { maxLength: 4 }).map((parts) => parts.join('\n'));

interface FuzzCase {
  readonly literal: string;
  readonly secret: string;
  readonly fallback: string;
  readonly argv: string[];
  readonly volume: string;
  readonly hook: string;
  readonly fileContent: string;
}

const fuzzCase = fc.record({
  literal: oneLine.map((value) => value.replaceAll('$', '$$$$')),
  secret: oneLine.filter((value) => value !== ''),
  fallback: oneLine.filter((value) => !/[$}]/.test(value)),
  argv: fc.array(nastyString, { maxLength: 5 }),
  volume: oneLine.filter((value) => value !== '' && !value.startsWith('-') && !value.includes('\0')),
  hook: multiLine,
  fileContent: multiLine,
});

function plan(input: FuzzCase): DeployPlan {
  return planFor(
    makeTemplate({
      containerEnv: {
        LITERAL: input.literal,
        FROM_SECRET: `${D}{SECRET}`,
        WITH_DEFAULT: `${D}{UNSET:-${input.fallback}}`,
      },
      env: {
        required: [{ name: 'SECRET', description: '', secret: true }],
        optional: [{ name: 'UNSET', description: '', secret: false }],
      },
      container: {
        command: input.argv.map((arg) => arg.replaceAll('$', '$$$$')),
        volumes: [input.volume],
        post_start_script: input.hook,
      },
      setupFiles: [
        { path: '/opt/fuzz/file.txt', permissions: '0644', owner: 'root:root', content: input.fileContent },
      ],
    }),
    { SECRET: input.secret },
  );
}

describe('fuzzed templates and env values', () => {
  const inputs = fc.sample(fuzzCase, { numRuns: RUNS, seed: 20261123 });
  const plans = inputs.map((input) => ({ input, plan: plan(input) }));

  it(`round-trips ${RUNS} env values and file contents exactly`, () => {
    for (const { input, plan: result } of plans) {
      const { files } = parseUserData(result.userData);
      const envFile = files.find((file) => file.path === '/etc/linode-build/app.env')!;
      const env = parseDockerEnvFile(envFile.content);
      expect(env.get('LITERAL')).toBe(input.literal.replaceAll('$$', '$'));
      expect(env.get('FROM_SECRET')).toBe(input.secret);
      expect(env.get('SECRET')).toBe(input.secret);
      expect(env.get('WITH_DEFAULT')).toBe(input.fallback);
      expect(files.find((file) => file.path.endsWith('/hooks/post-start'))!.content).toBe(input.hook);
      expect(files.find((file) => file.path === '/opt/fuzz/file.txt')!.content).toBe(input.fileContent);
    }
  });

  it('gives bash the exact command argv and volume (app.conf read back, all cases in one bash run)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-fuzz-conf-'));
    const confs = plans.map(({ plan: result }, i) => {
      const file = path.join(dir, `${i}.conf`);
      writeFileSync(
        file,
        parseUserData(result.userData).files.find((f) => f.path.endsWith('/app.conf'))!.content,
      );
      return file;
    });
    const script =
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash script, not a JS template.
      'for conf in "$@"; do COMMAND=(); . "$conf"; printf "%s\\0" "${RUN_ARGS[5]}" "${#COMMAND[@]}" "${COMMAND[@]}"; done';
    const result = spawnSync('bash', ['-c', script, 'bash', ...confs], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    expect(result.status, result.stderr).toBe(0);
    const fields = result.stdout.split('\0');
    let at = 0;
    for (const { input } of plans) {
      expect(fields[at++]).toBe(input.volume);
      const count = Number(fields[at++]);
      expect(fields.slice(at, at + count)).toEqual(input.argv);
      at += count;
    }
  });

  it.runIf(toolsAvailable('python3'))('parses identically with PyYAML (what cloud-init uses)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-fuzz-yaml-'));
    const sample = plans.slice(0, 200);
    const docs = sample.map(({ plan: result }, i) => {
      const file = path.join(dir, `${i}.yaml`);
      writeFileSync(file, result.userData);
      return file;
    });
    const python = [
      'import json, sys, yaml',
      'out = []',
      'for name in sys.argv[1:]:',
      '    with open(name, encoding="utf-8") as handle:',
      '        doc = yaml.safe_load(handle)',
      '    out.append([[f["path"], f["permissions"], f.get("encoding"), f["content"]] for f in doc["write_files"]])',
      'json.dump(out, sys.stdout)',
    ].join('\n');
    const result = spawnSync('python3', ['-c', python, ...docs], { encoding: 'utf8', maxBuffer: 256 << 20 });
    expect(result.status, result.stderr).toBe(0);
    const fromPython = JSON.parse(result.stdout) as [string, string, string | null, string][][];
    sample.forEach(({ plan: result }, i) => {
      const { config } = parseUserData(result.userData);
      expect(fromPython[i]).toEqual(
        config.write_files.map((file) => [file.path, file.permissions, file.encoding ?? null, file.content]),
      );
    });
  });

  it.runIf(toolsAvailable('cloud-init'))('a sample passes cloud-init schema', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-fuzz-schema-'));
    for (const [i, { plan: result }] of plans.slice(0, 4).entries()) {
      const file = path.join(dir, `${i}.yaml`);
      writeFileSync(file, result.userData);
      const check = spawnSync('cloud-init', ['schema', '-c', file], { encoding: 'utf8' });
      expect(`${check.stdout}${check.stderr}`).toContain('Valid cloud-config');
    }
  });

  it.runIf(toolsAvailable('shellcheck'))(
    'a sample of generated scripts and data files passes shellcheck',
    () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-fuzz-lint-'));
      const files: string[] = [];
      for (const [i, { plan: result }] of plans.slice(0, 40).entries()) {
        for (const file of parseUserData(result.userData).files) {
          // The template's own hook is fuzz text, not a script we generate.
          if (file.path.includes('/hooks/') || !shellKind(file)) continue;
          const target = path.join(dir, `${i}-${path.basename(file.path)}`);
          writeFileSync(target, file.content);
          files.push(target);
        }
      }
      const result = spawnSync('shellcheck', ['-s', 'bash', '-f', 'gcc', ...files], { encoding: 'utf8' });
      expect(result.stdout.split('\n').slice(0, 10).join('\n')).toBe('');
      expect(result.status).toBe(0);
    },
  );
});

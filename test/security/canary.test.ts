/**
 * Canary secrets through the whole product: a `.env` value (declared, so it is shipped), a `.env`
 * value the template does not declare (so it must never leave the laptop), the API token, and
 * the root password and watcher token `deploy` generates. None of them may appear in any
 * command's output (text, --json, --debug errors), in the registry, the project state or any
 * file except the ones whose job is to hold them: the project's .env, the 0600 secret files,
 * and `plan --out`'s user-data.yaml (the exact payload, which carries the declared value).
 * Secret files are 0600 in 0700 directories.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  filesContaining,
  filesUnder,
  type Lab,
  labToken,
  startLab,
  writeSshKey,
} from '../fake-linode/harness.js';

const shipped = 'canary-hf-7Q9xZ3w1Kp';
const undeclared = 'canary-undeclared-M4r8Tt2v';

let lab: Lab;
let project: string;
let deploymentId: string;
let planOut: string;

beforeAll(async () => {
  lab = await startLab();
  writeSshKey(lab.home);
  project = await lab.project(
    'secret-app',
    'llm-api',
    `HF_TOKEN=${shipped}\nNOT_IN_TEMPLATE=${undeclared}\n`,
  );
  planOut = path.join(lab.home, 'plan-out');
  const plans = [
    await lab.run(['plan'], { cwd: project }),
    await lab.run(['plan', '--json'], { cwd: project }),
    await lab.run(['plan', '--out', planOut], { cwd: project }),
    await lab.run(['deploy', '--dry-run'], { cwd: project }),
  ];
  for (const result of plans) expect(result.code, result.stderr).toBe(0);
  const deploy = await lab.run(['deploy', '--yes', '--wait', '--json'], { cwd: project });
  expect(deploy.code, deploy.stderr).toBe(0);
  deploymentId = JSON.parse(deploy.stdout).id;
  for (const args of [['status'], ['status', '--json'], ['status', '--all'], ['status', '--all', '--json']]) {
    const result = await lab.run(args, { cwd: project });
    expect(result.code, result.stderr).toBe(0);
  }
  // An API failure with --debug (request details on) must not print the token either.
  for (let i = 0; i < 10; i++)
    lab.fake.injectOnce('server-error', { method: 'GET', path: /^\/linode\/instances$/ });
  const failing = await lab.run(['status', '--all', '--json', '--debug']);
  expect(failing.code).toBe(1);
}, 300_000);

afterAll(() => lab.close());

function secretsDirectory(): string {
  return path.join(lab.home, '.local/state/linode-build/secrets', deploymentId);
}

/** The generated secrets deploy kept (root password, watcher token), by file name. */
function generatedSecrets(): Record<string, string> {
  const directory = secretsDirectory();
  return Object.fromEntries(
    readdirSync(directory).map((name) => [name, readFileSync(path.join(directory, name), 'utf8').trim()]),
  );
}

describe('canary secrets', () => {
  it('kept the generated secrets it is meant to keep', () => {
    const secrets = generatedSecrets();
    expect(Object.keys(secrets).sort()).toEqual(expect.arrayContaining(['root-password', 'watcher-token']));
    for (const value of Object.values(secrets)) expect(value.length).toBeGreaterThanOrEqual(16);
  });

  it('never prints a secret in any output, including --json and --debug', () => {
    const output = lab.transcript.join('\n');
    expect(output.length).toBeGreaterThan(1000);
    for (const secret of [shipped, undeclared, labToken, ...Object.values(generatedSecrets())]) {
      expect(output.includes(secret), `a secret of ${secret.length} chars was printed`).toBe(false);
    }
    // Names are shown instead of values.
    expect(output).toContain('HF_TOKEN');
  });

  it('keeps secrets out of every file but the ones meant to hold them', () => {
    const secretsDir = secretsDirectory();
    const envFile = path.join(project, '.env');
    const userData = path.join(planOut, 'user-data.yaml');
    // The exact payload carries the declared value, and the watcher token stand-in at most.
    expect(readFileSync(userData, 'utf8')).toContain(shipped);
    const allowed = (extra: string[]) => (file: string) => file === envFile || extra.includes(file);
    expect(filesContaining(lab.home, shipped, allowed([userData]))).toEqual([]);
    expect(filesContaining(lab.home, undeclared, allowed([]))).toEqual([]);
    expect(filesContaining(lab.home, labToken, allowed([]))).toEqual([]);
    for (const [name, value] of Object.entries(generatedSecrets())) {
      const holder = path.join(secretsDir, name);
      expect(
        filesContaining(lab.home, value, (file) => file === holder),
        name,
      ).toEqual([]);
    }
    // What was sent: the undeclared value never left the laptop.
    const userDataSent = lab.fake.listInstances().map((instance) => lab.fake.userDataOf(instance.id) ?? '');
    expect(userDataSent.join('')).not.toContain(undeclared);
    expect(userDataSent.join('')).toContain(shipped);
  });

  it('writes secret files and the registry 0600 in 0700 directories, and the payload file 0600', () => {
    const secretsDir = secretsDirectory();
    for (const directory of [path.dirname(secretsDir), secretsDir]) {
      expect((statSync(directory).mode & 0o777).toString(8), directory).toBe('700');
    }
    for (const file of filesUnder(secretsDir))
      expect((statSync(file).mode & 0o777).toString(8), file).toBe('600');
    expect((statSync(path.join(planOut, 'user-data.yaml')).mode & 0o777).toString(8)).toBe('600');
    // The registry (ids, IPs, project paths) is private too.
    const stateDir = path.join(lab.home, '.local/state/linode-build');
    expect((statSync(stateDir).mode & 0o777).toString(8)).toBe('700');
    expect((statSync(path.join(stateDir, 'registry.json')).mode & 0o777).toString(8)).toBe('600');
  });

  it('removes the secrets with the deployment', async () => {
    const destroy = await lab.run(['destroy', deploymentId, '--yes']);
    expect(destroy.code, destroy.stderr).toBe(0);
    expect(() => statSync(secretsDirectory())).toThrow();
    const output = lab.transcript.join('\n');
    expect(output.includes(labToken)).toBe(false);
  });
});

// Keeps the helper honest: it must find a planted value.
describe('leak scan', () => {
  it('finds a planted secret', () => {
    const file = path.join(lab.home, 'planted.txt');
    writeFileSync(file, `x ${shipped} y`);
    expect(filesContaining(lab.home, shipped, () => false)).toContain(file);
  });
});

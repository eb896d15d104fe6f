/**
 * Issue 16, "one voice" for status: one health vocabulary (`starting` until the app first
 * answers successfully, as `deploy --wait` sees it), and `status --json` one shape (always an
 * array, checked against schema/status.schema.json) whether listing, in a project, or for one id.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import schema from '../../schema/status.schema.json';
import { type Lab, startLab } from '../fake-linode/harness.js';
import { freePort } from '../support/net.js';
import { appStep, bootProgress, dockerStep, startWatcherStandin } from '../support/watcher-standin.js';

const validate = new Ajv({ strict: true, allErrors: true }).compile(schema);

function views(stdout: string): { id: string; health: string }[] {
  const parsed: unknown = JSON.parse(stdout);
  expect(validate(parsed), JSON.stringify(validate.errors)).toBe(true);
  return parsed as { id: string; health: string }[];
}

/** An address nothing listens on: the app is still installing (connection refused). */
async function closedAddress(): Promise<string> {
  return `127.0.0.1:${await freePort()}`;
}

let lab: Lab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(() => lab?.close());

function healthyAt(id: string): string | undefined {
  const registry = JSON.parse(
    readFileSync(path.join(lab.home, '.local/state/linode-build/registry.json'), 'utf8'),
  ) as { deployments: { id: string; healthyAt?: string }[] };
  return registry.deployments.find((record) => record.id === id)?.healthyAt;
}

describe('status health: one vocabulary', () => {
  it('says starting until the first successful answer, unhealthy only after it', async () => {
    const project = await lab.project('installing', 'embeddings-python');
    const installing = { LINODE_BUILD_HEALTH_HOST: await closedAddress() };
    const deploy = await lab.run(['deploy', '--yes', '--json'], { cwd: project, env: installing });
    expect(deploy.code, deploy.stderr).toBe(0);
    const id = JSON.parse(deploy.stdout).id as string;
    // Wait for the fake instance to be running, as it is seconds after a real deploy.
    for (let i = 0; i < 100 && lab.fake.listInstances().some((l) => l.status !== 'running'); i++)
      await new Promise((resolve) => setTimeout(resolve, 50));

    const early = await lab.run(['status'], { cwd: project, env: installing });
    expect(early.code, early.stderr).toBe(0);
    expect(early.stdout).toMatch(/Health:\s+starting\n/);
    expect(views((await lab.run(['status', '--json'], { cwd: project, env: installing })).stdout)).toEqual([
      expect.objectContaining({ id, health: 'starting' }),
    ]);
    expect(healthyAt(id)).toBeUndefined();

    // The app answers: healthy, and the registry remembers the first success.
    const healthy = await lab.run(['status', id, '--json']);
    expect(views(healthy.stdout)).toEqual([expect.objectContaining({ id, health: 'healthy' })]);
    expect(healthyAt(id)).toMatch(/^\d{4}-/);

    // After that, a failing probe is unhealthy, no longer starting.
    const down = await lab.run(['status', '--all'], { env: installing });
    expect(down.stdout).toMatch(new RegExp(`${id} .* unhealthy `));
    expect((await lab.run(['destroy', id, '--yes'])).code).toBe(0);
  });

  it('deploy --wait prints the same word for the same probe, and records the first success', async () => {
    const project = await lab.project('waiting', 'embeddings-python');
    lab.app.setStatus(503);
    // The app starts answering right after the first probe saw 503, whatever the machine's load
    // (a fixed delay raced the CLI's start-up on a busy machine).
    const probesBefore = lab.app.hits.length;
    const timer = setInterval(() => {
      if (lab.app.hits.length === probesBefore) return;
      lab.app.setStatus(200);
      clearInterval(timer);
    }, 10);
    try {
      const deploy = await lab.run(['deploy', '--wait', '--yes', '--json'], { cwd: project });
      expect(deploy.code, deploy.stderr).toBe(0);
      expect(deploy.stderr).toContain('Health: starting (HTTP 503)');
      expect(deploy.stderr).not.toMatch(/unhealthy|Not healthy/);
      const id = JSON.parse(deploy.stdout).id as string;
      expect(healthyAt(id)).toMatch(/^\d{4}-/);
      lab.app.setStatus(503);
      expect(views((await lab.run(['status', id, '--json'])).stdout)).toEqual([
        expect.objectContaining({ id, health: 'unhealthy' }),
      ]);
      expect((await lab.run(['destroy', id, '--yes'])).code).toBe(0);
    } finally {
      clearInterval(timer);
      lab.app.setStatus(200);
    }
  });
});

describe('status health: a failed boot step ends starting', () => {
  it('status ID says unhealthy, not starting, when the boot runner reports a failure', async () => {
    // The watcher on the instance's own loopback address (read directly, as in the sandbox), on
    // a port of its own so no other test's instance can meet it.
    const port = await freePort();
    const project = await lab.project('failing-boot', 'chat-agent');
    const file = path.join(project, 'deploy.yml');
    const yaml = readFileSync(file, 'utf8');
    expect(yaml).toContain('    - buildwatch\n');
    writeFileSync(
      file,
      yaml.replace('    - buildwatch\n', `    - name: buildwatch\n      config:\n        port: ${port}\n`),
    );
    const installing = { LINODE_BUILD_HEALTH_HOST: await closedAddress() };
    const deploy = await lab.run(['deploy', '--yes', '--json'], { cwd: project, env: installing });
    expect(deploy.code, deploy.stderr).toBe(0);
    const id = JSON.parse(deploy.stdout).id as string;
    const instance = lab.fake.listInstances().find((linode) => linode.tags.includes(`build-id:${id}`))!;
    for (let i = 0; i < 100 && lab.fake.listInstances().some((l) => l.status !== 'running'); i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const watcher = await startWatcherStandin(undefined, { host: instance.ipv4[0]!, port });
    try {
      watcher.setBoot(bootProgress([dockerStep('ok'), appStep('running')]));
      const running = await lab.run(['status', id, '--json'], { env: installing });
      expect(views(running.stdout)).toEqual([expect.objectContaining({ id, health: 'starting' })]);
      watcher.setBoot(bootProgress([dockerStep('failed', { exit_code: 100 }), appStep('skipped')], 'failed'));
      const failed = await lab.run(['status', id], { env: installing });
      expect(failed.stdout).toMatch(/Health:\s+unhealthy\n/);
      expect(watcher.requests.some((request) => request.path === '/status' && request.authorized)).toBe(true);
    } finally {
      await watcher.close();
    }
    expect((await lab.run(['destroy', id, '--yes'])).code).toBe(0);
  });
});

describe('status --json: one shape', () => {
  it('is an array everywhere: no deployments, a listing, a project and one id', async () => {
    expect(views((await lab.run(['status', '--all', '--json', '--no-health'])).stdout)).toEqual([]);
    const project = await lab.project('shape', 'embeddings-python');
    const deploy = await lab.run(['deploy', '--yes', '--json'], { cwd: project });
    const id = JSON.parse(deploy.stdout).id as string;
    for (const [args, cwd] of [
      [['status', '--json'], project],
      [['status', id, '--json'], lab.home],
      [['status', id.slice(0, 4), '--json', '--no-health'], lab.home],
      [['status', '--all', '--json'], lab.home],
    ] as const) {
      const result = await lab.run(args, { cwd });
      expect(result.code, result.stderr).toBe(0);
      expect(views(result.stdout).map((view) => view.id)).toEqual([id]);
    }
    expect((await lab.run(['destroy', id, '--yes'])).code).toBe(0);
  });

  it('the schema refuses what it should (an object, an unknown health word)', () => {
    expect(validate({ id: 'abcd1234' })).toBe(false);
    const view = {
      id: 'abcd1234',
      app: 'a',
      env: 'default',
      template: 't',
      region: 'us-ord',
      type: 'g6-nanode-1',
      instanceStatus: 'running',
      recordStatus: 'active',
      health: 'starting',
      source: 'both',
    };
    expect(validate([view])).toBe(true);
    expect(validate([{ ...view, health: 'degraded' }])).toBe(false);
  });
});

/**
 * `deploy` killed with SIGKILL at random points (≥ 100 trials, a few at a time, against the
 * fake API with a little latency so the kills land in every phase: start-up, plan, records,
 * firewall, instance, completion). After every kill the registry parses; no deployment that
 * completed is ever lost; and every instance the fake holds with our tags is in the registry
 * after `status --adopt`, with its Linode id.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Lab, startLab } from '../fake-linode/harness.js';
import { seededRandom } from '../fake-linode/server.js';
import { buildIdOf, inParallel, readRegistry, startCli } from './support.js';

const TRIALS = 100;
const PARALLEL = 4;
const SEED = 7;

let lab: Lab;
beforeAll(async () => {
  lab = await startLab({ latencyMs: 5, provisionMs: 50, bootMs: 50 });
});
afterAll(() => lab.close());

it(`keeps the registry whole across ${TRIALS} deploys killed with SIGKILL`, {
  timeout: 240_000,
}, async () => {
  const project = await lab.project('killed', 'embeddings-python');
  const deploy = (env: string) =>
    startCli(['deploy', '--yes', '--json', '--env', env], project, {
      ...lab.env,
      LINODE_BUILD_POLL_MS: '20',
    });

  // Calibrate: how long a whole deploy takes here with PARALLEL running at once, so the kill
  // points cover all of it (and some deploys finish).
  const completed = new Set<string>();
  const calibration = await inParallel(['cal0', 'cal1', 'cal2', 'cal3'], PARALLEL, async (env) => {
    const started = Date.now();
    const result = await deploy(env).done;
    expect(result.code, result.stderr).toBe(0);
    completed.add(JSON.parse(result.stdout).id as string);
    return Date.now() - started;
  });
  const span = Math.max(...calibration) * 1.3;
  const random = seededRandom(SEED);
  const delays = Array.from({ length: TRIALS }, () => Math.floor(random() * span));

  let killed = 0;
  const outcomes = await inParallel(delays, PARALLEL, async (delay) => {
    const trial = deploy(`k${delay}-${Math.floor(random() * 1e6)}`);
    const started = Date.now();
    const timer = setTimeout(() => {
      if (trial.child.exitCode === null) {
        killed++;
        trial.child.kill('SIGKILL');
      }
    }, delay);
    const result = await trial.done;
    clearTimeout(timer);
    // The registry parses after every trial, whatever moment the kill hit.
    const records = readRegistry(lab.home);
    if (result.code === 0) {
      const id = JSON.parse(result.stdout).id as string;
      completed.add(id);
      expect(records.find((r) => r.id === id)?.status).toBe('active');
    }
    return { delay, code: result.code, ms: Date.now() - started };
  });
  // The kill points must really have interrupted deploys, and some must have finished.
  const finished = outcomes.filter((o) => o.code === 0).length;
  console.log(`${TRIALS} trials over ${span.toFixed(0)} ms: ${killed} killed, ${finished} finished`);
  expect(killed).toBeGreaterThanOrEqual(TRIALS / 4);
  expect(completed.size).toBeGreaterThanOrEqual(4);

  // No completed deployment is lost, even with later kills rewriting the registry.
  const before = readRegistry(lab.home);
  for (const id of completed) expect(before.find((r) => r.id === id)?.status, id).toBe('active');

  // Interrupted deploys whose instance exists are recovered from the tags.
  const adopt = await lab.run(['status', '--all', '--adopt', '--json', '--no-health']);
  expect(adopt.code, adopt.stderr).toBe(0);
  const after = readRegistry(lab.home);
  const instances = lab.fake.listInstances();
  expect(instances.length).toBeGreaterThanOrEqual(completed.size);
  for (const instance of instances) {
    const id = buildIdOf(instance.tags);
    const record = after.find((r) => r.id === id);
    expect(record, `instance ${instance.label} (${id}) is not in the registry after --adopt`).toBeDefined();
    expect(record?.linodeId).toBe(instance.id);
  }
  for (const id of completed) expect(after.some((r) => r.id === id)).toBe(true);
});

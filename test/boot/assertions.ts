/**
 * Case 1's assertions, shared by the nspawn boot (docker.test.ts) and the full VM (vm.test.ts):
 * they take the record and a way to run a command in the guest, whatever the guest is.
 */
import { expect } from 'vitest';
import { type BootDiagnostics, explain } from './harness.js';
import { HOSTILE, TICKS } from './templates.js';

/** Runs argv in the guest and returns its stdout (throws when it fails). */
export type GuestRun = (argv: readonly string[]) => Promise<string>;

/** cloud-init done, every boot step ok, and the app became healthy. */
export function expectEveryStepOk(record: BootDiagnostics & { bootToHealthy: number | undefined }): void {
  expect(record.cloudInitStatus, explain(record)).toMatch(/status: done/);
  expect(record.bootStatus?.state, explain(record)).toBe('done');
  const states = record.bootStatus!.steps.map((step) => `${step.id}=${step.state}`);
  expect(
    states.filter((state) => !state.endsWith('=ok')),
    explain(record),
  ).toEqual([]);
  expect(states.length).toBeGreaterThanOrEqual(8);
  expect(record.bootToHealthy, explain(record)).toBeDefined();
}

/**
 * The app container has the env values byte for byte (none of their metacharacters ran
 * anything: `exists` says whether a file exists in the guest), the volume and the setup file.
 */
export async function expectEnvDelivered(
  record: BootDiagnostics,
  run: GuestRun,
  exists: (file: string) => Promise<boolean>,
): Promise<void> {
  const variables = (await run(['docker', 'exec', 'app', 'cat', '/proc/1/environ'])).split('\0');
  expect(variables, explain(record)).toContain(`HOSTILE=${HOSTILE}`);
  expect(variables).toContain(`TICKS=${TICKS}`);
  expect(variables).toContain('PLAIN=plain-value');
  expect(await exists('/tmp/pwned')).toBe(false);
  expect(await exists('/tmp/pwned-too')).toBe(false);
  expect(await run(['docker', 'exec', 'app', 'cat', '/data/hello.txt'])).toBe('hello from setup.files\n');
}

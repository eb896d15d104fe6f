// Boot-to-healthy of a docker template (buildwatch, a package, setup, a health check), booted for
// real like test/boot/ does (Debian 12 under systemd-nspawn, cloud-init, the exact user-data of
// `plan --out`), against its floor: `apt-get update && apt-get install docker.io` alone in a
// fresh boot of the same rootfs, through the same apt relay and package cache. Target <= 1.5x.
// Also reported, from boot-status.json and the relay: apt index refreshes, and the seconds the
// boot spends waiting (before the runner starts, between steps, in waiting steps) not working.
//
// Needs root, systemd-nspawn, debootstrap, socat (like the boot tests).
// Run: npm run build && node bench/boot.mjs
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleTsToFile, repoRoot } from '../scripts/bundle-ts.mjs';

// Bundled two levels below the repository root: the harness finds the built CLI from there.
const bundleDir = path.join(repoRoot, '.cache/bench');
mkdirSync(bundleDir, { recursive: true });
const bundle = await bundleTsToFile(
  `export { bootAvailable, bootEnvironment, bootProject, closeBootEnvironment, destroyGuest, watcherNodeOverride } from './test/boot/harness.ts';
export { BUSYBOX_APP, DEPLOY_DEBIAN12, quickHealth } from './test/boot/templates.ts';`,
  path.join(bundleDir, 'boot-harness.mjs'),
);
const harness = await import(pathToFileURL(bundle).href);

/** The template; the watcher's Node comes from the relay (nodejs.org is out of reach here). */
const template = (node) => `name: bench-boot
version: 1.0.0
capabilities:
  runtime: docker
  features:
    - name: buildwatch
      config:
        node:
          url: ${node.url}
          sha256: ${node.sha256}
  packages: [jq]
${harness.DEPLOY_DEBIAN12}    container:
${harness.BUSYBOX_APP}${harness.quickHealth(8080)}setup:
  script: |
    #!/bin/bash
    echo setup
`;

const seconds = (from, to) => (Date.parse(to) - Date.parse(from)) / 1000;

/** Seconds of waiting: before the runner's first step, between steps, and in waiting steps. */
function waiting(status, bootStartedAt) {
  const steps = status.steps.filter((step) => step.started_at && step.finished_at);
  const beforeRunner =
    steps.length > 0 ? Math.max(0, seconds(new Date(bootStartedAt).toISOString(), steps[0].started_at)) : 0;
  let gaps = 0;
  for (let i = 1; i < steps.length; i++)
    gaps += Math.max(0, seconds(steps[i - 1].finished_at, steps[i].started_at));
  const waitSteps = steps
    .filter((step) => step.name === 'wait-healthy' || step.name === 'start-daemon')
    .reduce((sum, step) => sum + seconds(step.started_at, step.finished_at), 0);
  return { beforeRunner, gaps, waitSteps };
}

export async function bootBench() {
  if (!harness.bootAvailable()) return undefined;
  const { relay } = await harness.bootEnvironment();
  const node = await harness.watcherNodeOverride();
  const indexBefore = relay.stats.indexRequests;
  const record = await harness.bootProject({ name: 'bench-boot', files: { deployYml: template(node) } });
  const indexRequests = relay.stats.indexRequests - indexBefore;
  const wait = waiting(record.bootStatus, record.guest.bootStartedAt);
  // apt-get install runs: packages steps that did not find theirs already installed by the
  // boot's shared transaction (apt-install --together), plus the shared transaction's fallbacks.
  const aptInstalls = Object.entries(record.stepLogs)
    .filter(([id]) => id.endsWith('-packages'))
    .reduce((sum, [, log]) => {
      if (log.includes("already installed by this boot's shared apt transaction")) return sum;
      return sum + (log.includes('the shared transaction failed') ? 2 : 1);
    }, 0);
  const steps = record.bootStatus.steps.map((step) => [
    step.id,
    step.state,
    seconds(step.started_at, step.finished_at),
  ]);
  await harness.destroyGuest(record.guest);

  // The floor: the same rootfs, a trivial user-data, then docker.io alone.
  const floorRecord = await harness.bootProject({
    name: 'bench-floor',
    files: {
      deployYml: `name: bench-floor
version: 1.0.0
capabilities:
  runtime: native
${harness.DEPLOY_DEBIAN12}setup:
  script: |
    #!/bin/bash
    true
`,
    },
  });
  const started = Date.now();
  const install = await floorRecord.guest.exec(
    [
      'sh',
      '-c',
      'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker.io apparmor',
    ],
    600_000,
  );
  const floor = (Date.now() - started) / 1000;
  await harness.destroyGuest(floorRecord.guest);
  await harness.closeBootEnvironment();
  if (install.code !== 0)
    throw new Error(`apt-get install docker.io failed:\n${install.stdout}${install.stderr}`);
  return {
    bootToHealthy: record.bootToHealthy,
    floor,
    ratio: record.bootToHealthy / floor,
    indexRequests,
    // One refresh fetches InRelease for each of the rootfs's three suites.
    aptRefreshes: indexRequests / 3,
    aptInstalls,
    waiting: wait,
    steps,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await bootBench();
  if (!result) process.exit(0);
  console.log(
    `boot-to-healthy (docker + buildwatch + package + setup):  ${result.bootToHealthy.toFixed(0)} s`,
  );
  console.log(`floor: apt-get update + install docker.io alone:          ${result.floor.toFixed(1)} s`);
  console.log(
    `ratio:                                                    ${result.ratio.toFixed(2)}x (target <= 1.5x)`,
  );
  console.log(
    `apt index refreshes during the boot:                      ${result.aptRefreshes.toFixed(1)} (${result.indexRequests} InRelease requests)`,
  );
  console.log(`apt-get install transactions during the boot:             ${result.aptInstalls}`);
  console.log(
    `waiting: ${result.waiting.beforeRunner.toFixed(0)} s before the runner (systemd + cloud-init stages), ${result.waiting.gaps.toFixed(0)} s between steps, ${result.waiting.waitSteps.toFixed(0)} s in waiting steps (start-daemon, wait-healthy)`,
  );
  for (const [id, state, took] of result.steps)
    console.log(`  ${id.padEnd(30)} ${state.padEnd(8)} ${took.toFixed(0)} s`);
}

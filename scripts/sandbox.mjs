#!/usr/bin/env node
// `npm run sandbox`: try linode-build without a Linode account. Starts the contract-checked
// fake Linode API (test/fake-linode: every request body checked with Linode's own schemas) with
// simulated provisioning and boot, and, for each instance it creates, a simulated machine on
// the instance's own loopback address (127.77.x.y): the watcher with the deployment's token and
// boot steps, and the app on its published port (test/fake-linode/machines.ts). Prints the two
// `export` lines to paste into another terminal; Ctrl-C (or SIGTERM) stops everything.
//
//   npm run sandbox [-- --port 8790] [--fast]
//
// --fast (tests): provisioning, boot and each boot step take milliseconds, not seconds.
import { parseArgs } from 'node:util';
import { loadTypeScript } from '../bench/fake-api.mjs';

export const SANDBOX_TOKEN = 'sandbox-token-not-a-real-one';

/** The TypeScript fake and machines, bundled for plain Node (the bench's one bundler). */
function loadSandbox() {
  return loadTypeScript({
    FakeLinode: 'test/fake-linode/server.ts',
    startMachines: 'test/fake-linode/machines.ts',
  });
}

function usage(message) {
  process.stderr.write(`Error: ${message}\nHint: npm run sandbox [-- --port PORT] [--fast]\n`);
  process.exit(2);
}

async function main() {
  let options;
  try {
    ({ values: options } = parseArgs({
      options: { port: { type: 'string', default: '8790' }, fast: { type: 'boolean', default: false } },
    }));
  } catch (error) {
    usage(error.message);
  }
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    usage(`--port must be 0–65535, got ${options.port}.`);
  const timing = options.fast
    ? { provisionMs: 300, bootMs: 300, deleteMs: 200, stepMs: 100 }
    : { provisionMs: 4000, bootMs: 4000, deleteMs: 2000, stepMs: 800 };

  const { FakeLinode, startMachines } = await loadSandbox();
  // Instances get 127.77.x.y: a block of their own, apart from the test suite's 127.0.x.y.
  const fake = new FakeLinode({ token: SANDBOX_TOKEN, loopbackBlock: 77, ...timing });
  try {
    await fake.start(port);
  } catch (error) {
    const hint =
      error.code === 'EADDRINUSE'
        ? `Port ${port} is taken: pass another, e.g. npm run sandbox -- --port 8791`
        : '';
    process.stderr.write(
      `Error: the sandbox API cannot listen on 127.0.0.1:${port}: ${error.message}\n${hint ? `Hint: ${hint}\n` : ''}`,
    );
    process.exit(1);
  }
  const say = (line) => process.stderr.write(`[sandbox] ${line}\n`);
  const machines = startMachines(fake, { stepMs: timing.stepMs, log: say });

  process.stdout.write(
    [
      '# A fake Linode API is running on this machine. In another terminal:',
      `export LINODE_TOKEN=${SANDBOX_TOKEN}`,
      `export LINODE_API_URL=${fake.url}`,
      '# Then follow "Try it without an account" in README.md. Ctrl-C here stops the sandbox.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    const left = fake.listInstances().filter((linode) => linode.status !== 'deleting').length;
    await machines.close();
    await fake.close();
    say(
      `Stopped (${signal}).${left > 0 ? ` ${left} sandbox instance(s) were not destroyed: their local records now read 'missing'; 'linode-build status --prune' removes them.` : ''}`,
    );
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

await main();

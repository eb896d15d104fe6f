/** What the client tests share: an instant retry clock, and a client environment on the fake. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RetryClock } from '../../src/linode/retry.js';
import type { FakeLinode } from '../fake-linode/server.js';

/** A retry clock whose sleeps take no time and are recorded, so retry tests run instantly. */
export function instantClock(delays: number[] = []): RetryClock {
  let now = 1_000_000;
  return {
    now: () => now,
    random: () => 0.5,
    sleep: async (ms) => {
      delays.push(ms);
      now += ms;
    },
  };
}

/** An environment pointing LinodeClient at the fake, with a throwaway HOME (for the caches). */
export function fakeClientEnv(fake: FakeLinode, token: string): NodeJS.ProcessEnv {
  const home = mkdtempSync(path.join(os.tmpdir(), 'lb-linode-'));
  return {
    HOME: home,
    LINODE_BUILD_HOME: path.join(home, 'state'),
    LINODE_TOKEN: token,
    LINODE_API_URL: fake.url,
  };
}

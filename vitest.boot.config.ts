import { defineConfig } from 'vitest/config';

/**
 * Real boots (test/boot/): each case boots a Debian 12 guest under systemd-nspawn. They run one
 * file at a time (the guests share the cached rootfs, the apt relay and 2 CPUs) and are kept out
 * of the default run; .ci/run runs them after `npm test` (`npm run test:boot`). The full-VM case
 * (vm.test.ts, minutes under QEMU's software emulation) has its own run and CI slot
 * (vitest.vm.config.ts, `npm run test:vm`).
 */
export default defineConfig({
  test: {
    include: ['test/boot/**/*.test.ts'],
    exclude: ['test/boot/vm.test.ts', '**/node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 10 * 60_000,
    fileParallelism: false,
    maxWorkers: 1,
  },
});

import { defineConfig } from 'vitest/config';

/**
 * The full-VM boot (test/boot/vm.test.ts, issue 13 case 6): one QEMU guest under software
 * emulation, ~5 minutes. Its own run (`npm run test:vm`) and its own bounded slot in .ci/run.
 */
export default defineConfig({
  test: {
    include: ['test/boot/vm.test.ts'],
    testTimeout: 5 * 60_000,
    hookTimeout: 32 * 60_000,
    fileParallelism: false,
    maxWorkers: 1,
  },
});

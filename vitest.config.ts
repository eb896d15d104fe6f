import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx', 'watcher/test/**/*.test.ts'],
    // Real boots have their own run (vitest.boot.config.ts, `npm run test:boot`).
    exclude: ['test/boot/**', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Conformance tests shell out to cloud-init, shellcheck and dockerd; two cores here.
    maxWorkers: 2,
  },
});

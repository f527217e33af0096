import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    // Two files at once even on two cores (vitest's default is one fewer than the cores): most of a
    // file's time is its servers' start-ups and round trips, not CPU. The whole suite took 1,467 to
    // 1,622 s one file at a time on two cores (CI's limit is 1,800), and 1,011 to 1,092 s two at once.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Model inference and end-to-end runs share two cores: files run two at a time at most.
    maxWorkers: 2,
    reporters: ['default'],
    globalSetup: ['tests/global-setup.ts'],
    // A page or a process answers within a second on a quiet box but not while the other
    // file's browser or model shares the two cores; a poll still fails on a wrong value.
    expect: { poll: { timeout: 15_000, interval: 100 } },
  },
});

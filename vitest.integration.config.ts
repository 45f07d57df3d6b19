import { defineConfig } from "vitest/config";

// Slow suites against real processes (CometBFT chains, crash/restart):
// `npm run test:integration`, which .ci/run runs after `npm test`. One file
// at a time: each runs its own chain on loopback ports.
export default defineConfig({
  test: {
    include: ["test/**/*.integration.test.ts"],
    environment: "node",
    pool: "forks",
    maxWorkers: 1,
    testTimeout: 300_000,
    hookTimeout: 300_000,
    sequence: { shuffle: false },
  },
});

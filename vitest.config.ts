import { defineConfig } from "vitest/config";

// Tests live in test/**, mirroring src/ (src/protocol/merkle.ts is tested by
// test/protocol/merkle.test.ts). The CI machines have 2 cores.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Slow suites against real processes run with `npm run test:integration`.
    exclude: ["**/node_modules/**", "test/**/*.integration.test.ts"],
    environment: "node",
    pool: "forks",
    maxWorkers: 2,
    // Generous: property suites and training runs take seconds alone and much
    // longer when two test workers share the 2 cores with other load.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Property tests print their seed on failure; keep reruns reproducible.
    sequence: { shuffle: false },
  },
});

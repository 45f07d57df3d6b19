import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runMany } from "../../src/sim/fanout.ts";
import { runScenario } from "../../src/sim/run.ts";
import { expandRuns, loadScenario } from "../../src/sim/scenario.ts";

const baseline = loadScenario(resolve(import.meta.dirname, "../../scenarios/baseline.json"));
const BLOCKS = 50;

describe("a simulation run", () => {
  it("gives the same event-log hash for the same seed and different hashes for different seeds (20 seeds × 2 runs)", async () => {
    const hashes: string[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const a = await runScenario(baseline, { seed, blocks: BLOCKS });
      const b = await runScenario(baseline, { seed, blocks: BLOCKS });
      expect(a.violation).toBeUndefined();
      expect(a.blocks).toBe(BLOCKS);
      expect(b.eventLogSha256).toBe(a.eventLogSha256);
      expect(b.appHash).toBe(a.appHash);
      hashes.push(a.eventLogSha256);
    }
    expect(new Set(hashes).size).toBe(20);
  });

  it("gives the same event-log hash in a worker thread as in the main thread", async () => {
    const specs = expandRuns(baseline, { first: 7, count: 2 });
    const inWorkers = await runMany(specs, { threads: 2, blocks: BLOCKS });
    for (const [i, spec] of specs.entries()) {
      const here = await runScenario(spec.scenario, { seed: spec.seed, blocks: BLOCKS });
      expect(inWorkers[i]!.seed).toBe(spec.seed);
      expect(inWorkers[i]!.eventLogSha256).toBe(here.eventLogSha256);
    }
  });
});

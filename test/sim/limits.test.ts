/**
 * Scenario sizes: a scenario file can not ask for a run that grows until
 * the process dies. The schema bounds counts and block numbers, and
 * runScenario estimates the run's memory and refuses, before it starts,
 * a run that would not fit. Parameter errors name parameters as the file
 * spells them (camelCase).
 */
import { describe, expect, it } from "vitest";
import { estimateRunBytes } from "../../src/sim/limits.ts";
import { runScenario } from "../../src/sim/run.ts";
import { parseScenario, ScenarioError } from "../../src/sim/scenario.ts";

const base = {
  name: "t",
  description: "d",
  blocks: 10,
  actors: [
    { kind: "honest_validator", count: 1 },
    { kind: "honest_miner", count: 2 },
  ],
};

describe("scenario sizes", () => {
  it("the schema refuses counts and block numbers beyond its bounds, naming the field", () => {
    expect(() =>
      parseScenario(
        {
          ...base,
          actors: [
            { kind: "honest_validator", count: 1 },
            { kind: "honest_miner", count: 1e9 },
          ],
        },
        "x.json",
      ),
    ).toThrow(/less than or equal to 1000000[\s\S]*\["count"\]/);
    expect(() => parseScenario({ ...base, blocks: 1e15 }, "x.json")).toThrow(
      /less than or equal to 100000000[\s\S]*\["blocks"\]/,
    );
    expect(() => parseScenario({ ...base, shortBlocks: 2 ** 40 }, "x.json")).toThrow(
      /\["shortBlocks"\]/,
    );
    expect(() => parseScenario({ ...base, seeds: 1e12 }, "x.json")).toThrow(/\["seeds"\]/);
    expect(() => parseScenario({ ...base, vaultEntries: 1e12 }, "x.json")).toThrow(
      /\["vaultEntries"\]/,
    );
    expect(parseScenario(base, "x.json").blocks).toBe(10);
  });

  it("a run whose estimated memory exceeds the heap is refused before it starts, with the estimate", async () => {
    const big = parseScenario(
      {
        ...base,
        actors: [
          { kind: "honest_validator", count: 3 },
          ...Array.from({ length: 5 }, () => ({ kind: "honest_miner", count: 1_000_000 })),
        ],
      },
      "x.json",
    );
    expect(estimateRunBytes(big, big.blocks)).toBeGreaterThan(10 * 2 ** 30);
    const t0 = performance.now();
    await expect(runScenario(big, { seed: 1 })).rejects.toThrow(ScenarioError);
    await expect(runScenario(big, { seed: 1 })).rejects.toThrow(
      /5000003 actors.*needs about \d+ GiB.*heap.*--max-old-space-size/,
    );
    expect(performance.now() - t0).toBeLessThan(2_000);
  });

  it("the estimate grows with actors and blocks, and a small run fits", async () => {
    const s = parseScenario(base, "x.json");
    expect(estimateRunBytes(s, 1_000_000)).toBeGreaterThan(estimateRunBytes(s, 10));
    const more = parseScenario(
      { ...base, actors: [...base.actors, { kind: "honest_miner", count: 1000 }] },
      "x.json",
    );
    expect(estimateRunBytes(more, 10)).toBeGreaterThan(estimateRunBytes(s, 10));
    expect((await runScenario(s, { seed: 1, blocks: 5 })).violation).toBeUndefined();
  });

  it("parameter errors name the parameter as the scenario file spells it (camelCase)", () => {
    expect(() => parseScenario({ ...base, params: { trapRateBps: 20_000 } }, "x.json")).toThrow(
      /trapRateBps/,
    );
    expect(() => parseScenario({ ...base, params: { trapRateBps: 20_000 } }, "x.json")).not.toThrow(
      /trap_rate_bps/,
    );
  });
});

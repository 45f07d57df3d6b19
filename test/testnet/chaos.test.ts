/** The chaos plan (src/testnet/chaos.ts): a function of the seed, every fault kind, downtimes in range. */
import { describe, expect, it } from "vitest";
import { chaosPlan, faults, parseBlockRange } from "../../src/testnet/chaos.ts";

const nodes = ["val0", "val1", "val2", "val3"];

describe("testnet chaos", () => {
  it("draws the same plan from the same seed and another from another seed", () => {
    expect(chaosPlan(7, nodes, 30, [5, 20])).toEqual(chaosPlan(7, nodes, 30, [5, 20]));
    expect(chaosPlan(8, nodes, 30, [5, 20])).not.toEqual(chaosPlan(7, nodes, 30, [5, 20]));
  });

  it("pairs each fault with its heal, hits every node and every kind, and keeps downtimes in range", () => {
    const plan = chaosPlan(1, nodes, 200, [3, 6]);
    for (const s of plan) {
      expect(faults).toContainEqual([s.fault, s.heal]);
      expect(s.downBlocks).toBeGreaterThanOrEqual(3);
      expect(s.downBlocks).toBeLessThanOrEqual(6);
    }
    expect(new Set(plan.map((s) => s.node))).toEqual(new Set(nodes));
    expect(new Set(plan.map((s) => s.fault))).toEqual(new Set(["kill", "pause", "partition"]));
    expect(new Set(plan.map((s) => s.downBlocks))).toEqual(new Set([3, 4, 5, 6]));
  });

  it("reads --down-blocks as LO-HI or one number and refuses anything else, saying what it wants", () => {
    expect(parseBlockRange("5-20")).toEqual([5, 20]);
    expect(parseBlockRange(" 7 ")).toEqual([7, 7]);
    for (const bad of ["0-3", "9-4", "x", "3-", "-3", "1-20000", "2.5"])
      expect(() => parseBlockRange(bad)).toThrow(/LO-HI with 1 ≤ LO ≤ HI ≤ 10000/);
  });
});

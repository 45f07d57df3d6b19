import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { rejectionsByReason } from "../../src/sim/engine.ts";
import { runScenario } from "../../src/sim/run.ts";
import { loadScenario, parseScenario } from "../../src/sim/scenario.ts";

const dir = resolve(import.meta.dirname, "../../scenarios");
const rate = (r: { stats: { txsRejected: number; txsIncluded: number } }) =>
  r.stats.txsRejected / Math.max(1, r.stats.txsIncluded);

describe("rejected transactions", () => {
  it("the honest baseline has almost no rejected transactions (< 2%)", async () => {
    const r = await runScenario(loadScenario(resolve(dir, "baseline.json")), {
      seed: 1,
      blocks: 200,
    });
    expect(r.stats.txsIncluded).toBeGreaterThan(500);
    expect(rate(r)).toBeLessThan(0.02);
  });

  it("a network of lazy miners and copycats stays under 2% rejected, and honest validators are never slashed for measuring a loss honestly", async () => {
    // The benchmark's mix, scaled down: lazy miners always fake; each validator recomputes
    // 30% of tier-2 losses (no quorum, so every dispute goes to a tier-3 panel). A fake whose claimed loss happens to fall within the tolerance
    // used to get the honest voters slashed once tier 3 rejected the gradient, until
    // they fell below the minimum stake and every later vote of theirs was refused.
    const base = JSON.parse(JSON.stringify(loadScenario(resolve(dir, "baseline.json")))) as Record<
      string,
      unknown
    >;
    const s = parseScenario(
      {
        ...base,
        name: "lazy-and-copycats",
        actors: [
          { kind: "honest_miner", count: 200, gpuArch: ["AMPERE", "ADA", "HOPPER"] },
          {
            kind: "lazy_miner",
            count: 100,
            skipBps: 10_000,
            fake: "random",
            gpuArch: ["AMPERE", "ADA", "HOPPER"],
          },
          { kind: "copycat_miner", count: 6, gpuArch: ["AMPERE", "ADA", "HOPPER"] },
          { kind: "honest_validator", count: 8, tier2SampleBps: 3_000 },
          { kind: "honest_proposer", count: 2, method: "median" },
        ],
      },
      "test",
    );
    const r = await runScenario(s, { seed: 1, blocks: 400 });
    expect(r.violation).toBeUndefined();
    expect(r.stats.txsIncluded).toBeGreaterThan(2_000);
    expect(rate(r)).toBeLessThan(0.02);
    expect(
      r.actors.filter((a) => a.kind === "honest_validator").map((a) => a.slashedUremes),
    ).toEqual(Array(8).fill(0n));
    expect(r.actors.filter((a) => a.kind === "lazy_miner").every((a) => a.slashedUremes > 0n)).toBe(
      true,
    );
  });

  it("rejections are tallied by command case and error name", async () => {
    // False challengers bond challenges on random submissions; two may pick the same one.
    const r = await runScenario(loadScenario(resolve(dir, "false_challengers.json")), { seed: 1 });
    const byReason = rejectionsByReason(r.stats);
    const total = Object.values(byReason).reduce((a, b) => a + b, 0);
    expect(total).toBe(r.stats.txsRejected);
    expect(total).toBeGreaterThan(0);
    for (const reason of Object.keys(byReason))
      expect(reason).toMatch(
        /^[a-zA-Z]+\/(invalidMessage|unauthorized|insufficientFunds|notFound|alreadyExists|wrongPhase|wrongShard|tooLarge|stakeTooLow|notSelected|mismatch|duplicate|invalidParams)$/,
      );
    expect(byReason["challengeGradient/duplicate"]).toBeGreaterThan(0);
    expect(r.stats.rejectedReasonSample.get("challengeGradient/duplicate")).toMatch(
      /already under dispute/,
    );
  });
});

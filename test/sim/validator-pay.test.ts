/**
 * Validators are paid for honest work in an honest network (issue 13): on a
 * short baseline run an honest validator's block pay exceeds its costs under
 * the default cost model (before validator-rewards.ts it earned nothing and
 * its profit was negative), and a validator that is offline most of the time
 * signs fewer blocks and earns less.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/sim/run.ts";
import { loadScenario, parseScenario } from "../../src/sim/scenario.ts";

const dir = resolve(import.meta.dirname, "../../scenarios");

describe("validator pay on a short baseline", () => {
  it("honest validators earn more than their costs; a validator that is down most blocks earns less", async () => {
    const base = JSON.parse(JSON.stringify(loadScenario(resolve(dir, "baseline.json")))) as {
      actors: unknown[];
    } & Record<string, unknown>;
    const s = parseScenario(
      {
        ...base,
        name: "validator-pay",
        actors: [
          ...base.actors,
          // Same stake as the honest validators; online a quarter of the time.
          {
            kind: "honest_validator",
            count: 1,
            group: "down",
            faults: { onlineToOfflineBps: 5_000, offlineToOnlineBps: 1_000 },
          },
        ],
        faults: { livenessStepMs: 10_000 },
      },
      "validator-pay",
    );
    const r = await runScenario(s, { seed: 1, blocks: 150 });
    expect(r.violation).toBeUndefined();
    const rows = r.profit!.filter((p) => p.kind === "honest_validator");
    const honest = rows.filter((p) => p.group !== "down");
    const [down] = rows.filter((p) => p.group === "down");
    expect(honest.length).toBe(4);
    for (const v of honest) {
      expect(v.rewardsUremes).toBeGreaterThan(v.workCostUremes + v.capitalCostUremes);
      expect(v.profitUremes).toBeGreaterThan(0n);
      expect(down!.rewardsUremes).toBeLessThan(v.rewardsUremes);
      expect(down!.profitUremes).toBeLessThan(v.profitUremes);
    }
  });
});

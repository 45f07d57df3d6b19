import { resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultTrainMs } from "../../src/actors/backend.ts";
import { WorkLedger } from "../../src/actors/work.ts";
import {
  capitalCost,
  DEFAULT_COSTS,
  resolveCosts,
  workCost,
  YEAR_MS,
} from "../../src/sim/costs.ts";
import { loadScenario, parseScenario } from "../../src/sim/scenario.ts";

const dir = resolve(import.meta.dirname, "../../scenarios");
const good = {
  name: "t",
  description: "t",
  blocks: 10,
  actors: [{ kind: "honest_validator", count: 1 }],
};

describe("the cost model", () => {
  it("fills every field from the defaults; a tier-3 job defaults to the scenario's training time on the tier-3 architecture", () => {
    const m = resolveCosts({});
    expect(m.remesUsd).toBe(DEFAULT_COSTS.remesUsd);
    expect(m.gpuUsdPerHour).toEqual(DEFAULT_COSTS.gpuUsdPerHour);
    expect(m.tier3Arch).toBe("CPU");
    expect(m.tier3JobMs).toBe(defaultTrainMs.CPU);
    const s = resolveCosts({
      backend: { trainMs: { CPU: 600_000, HOPPER: 1_000 } },
      costs: { tier3Arch: "HOPPER", gpuUsdPerHour: { HOPPER: 3 } },
    });
    expect(s.tier3JobMs).toBe(1_000);
    expect(s.gpuUsdPerHour.HOPPER).toBe(3);
    expect(s.gpuUsdPerHour.AMPERE).toBe(DEFAULT_COSTS.gpuUsdPerHour.AMPERE);
    expect(resolveCosts({ costs: { tier3JobMs: 7 } }).tier3JobMs).toBe(7);
  });

  it("baseline.json spells out the defaults", () => {
    const b = loadScenario(resolve(dir, "baseline.json"));
    expect(resolveCosts(b)).toEqual(resolveCosts({ backend: b.backend! }));
  });

  it("names the path of a bad cost field", () => {
    expect(() =>
      parseScenario({ ...good, costs: { gpuUsdPerHour: { AMPERE: -1 } } }, "x.json"),
    ).toThrow(/x\.json[\s\S]*costs[\s\S]*gpuUsdPerHour[\s\S]*AMPERE/);
    expect(() =>
      parseScenario({ ...good, costs: { gpuUsdPerHour: { TPU: 1 } } }, "x.json"),
    ).toThrow(/costs[\s\S]*gpuUsdPerHour[\s\S]*TPU/);
    expect(() => parseScenario({ ...good, costs: { remesUsd: 0 } }, "x.json")).toThrow(
      /costs[\s\S]*remesUsd/,
    );
    expect(() => parseScenario({ ...good, costs: { capitalRateBps: 20_000 } }, "x.json")).toThrow(
      /costs[\s\S]*capitalRateBps/,
    );
    expect(() => parseScenario({ ...good, costs: { tier2Arch: "Z80" } }, "x.json")).toThrow(
      /costs[\s\S]*tier2Arch/,
    );
    expect(() => parseScenario({ ...good, costs: { gpuCost: 1 } }, "x.json")).toThrow(
      /costs[\s\S]*gpuCost/,
    );
    expect(
      parseScenario(
        { ...good, costs: { remesUsd: 0.5, gpuUsdPerHour: { HOPPER: 2.25 } } },
        "x.json",
      ).costs?.remesUsd,
    ).toBe(0.5);
  });

  it("a sweep may move a cost field", () => {
    expect(() =>
      parseScenario({ ...good, sweep: { "costs.remesUsd": [0.01, 0.001] } }, "x.json"),
    ).not.toThrow();
    expect(() =>
      parseScenario({ ...good, sweep: { "costs.remesUsd": [0.01, -1] } }, "x.json"),
    ).toThrow(/remesUsd/);
  });

  it("prices training by its recorded milliseconds and verification per unit, in uremes", () => {
    const m = resolveCosts({
      costs: {
        remesUsd: 0.01,
        gpuUsdPerHour: { AMPERE: 1.2, CPU: 0.1 },
        tier2Arch: "AMPERE",
        tier2BatchMs: 3_000,
        tier3Arch: "CPU",
        tier3JobMs: 3_600_000,
        aggregateArch: "CPU",
        aggregateMs: 36_000,
      },
    });
    const w = new WorkLedger();
    w.add("m", "train", "AMPERE", 3_600_000); // 1 A100-hour: $1.20 = 120 REMES
    w.add("m", "train", "AMPERE", 0); // a faked task: counted, free
    w.add("v", "tier2", "", 0); // 3 s of A100: $0.001 = 0.1 REMES
    w.add("v", "tier3", "", 0); // 1 CPU-hour: $0.10 = 10 REMES
    w.add("p", "aggregate", "", 0); // 36 s of CPU: $0.001 = 0.1 REMES
    expect(workCost(m, w.of("m"))).toEqual({ gpuMs: 3_600_000, uremes: 120_000_000n });
    expect(w.of("m").count.get("train")).toBe(2);
    expect(workCost(m, w.of("v"))).toEqual({ gpuMs: 3_603_000, uremes: 10_100_000n });
    expect(workCost(m, w.of("p"))).toEqual({ gpuMs: 36_000, uremes: 100_000n });
    expect(workCost(m, w.of("nobody"))).toEqual({ gpuMs: 0, uremes: 0n });
  });

  it("prorates the capital cost of stake over the simulated time, in integers", () => {
    const m = resolveCosts({ costs: { capitalRateBps: 500 } });
    // 5 % a year on 1,000 REMES for a whole year is 50 REMES.
    expect(capitalCost(m, 1_000_000_000n, YEAR_MS)).toBe(50_000_000n);
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.integer({ min: 0, max: 10 * 365 * 86_400_000 }),
        (stake, ms) => {
          const c = capitalCost(m, stake, ms);
          // Exact floor of stake × rate × time: never more than the real cost, less by under one uremes.
          const exact = stake * 500n * BigInt(ms);
          return (
            c * 10_000n * BigInt(YEAR_MS) <= exact && exact < (c + 1n) * 10_000n * BigInt(YEAR_MS)
          );
        },
      ),
    );
  });
});

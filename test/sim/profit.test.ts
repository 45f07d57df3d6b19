import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultTrainMs } from "../../src/actors/backend.ts";
import { ModuleAccount } from "../../src/protocol/state.ts";
import { capitalCost, resolveCosts } from "../../src/sim/costs.ts";
import type { ProfitRow } from "../../src/sim/profit.ts";
import { runScenario, type RunResult } from "../../src/sim/run.ts";
import { loadScenario, parseScenario, type Scenario } from "../../src/sim/scenario.ts";

const dir = resolve(import.meta.dirname, "../../scenarios");
const load = (name: string) => loadScenario(resolve(dir, `${name}.json`));
const rowsOf = (r: RunResult, kind: string): ProfitRow[] =>
  r.profit!.filter((p) => p.kind === kind);
const trainMsOf = (s: Scenario, arch: string): number =>
  (({ ...defaultTrainMs, ...(s.backend?.trainMs ?? {}) }) as Record<string, number>)[arch]!;

/** The on-chain breakdown and the profit identity, exact in uremes. */
const checkIdentities = (r: RunResult, s: Scenario, blockTimeMs = 5_000) => {
  const m = resolveCosts(s);
  const byAddress = new Map(r.actors.map((a) => [a.address, a]));
  expect(r.profit!.length).toBe(r.actors.length);
  for (const p of r.profit!) {
    const a = byAddress.get(p.address)!;
    expect(p.netUremes).toBe(a.netUremes);
    expect(p.rewardsUremes).toBe(a.rewardsUremes);
    expect(p.slashedUremes).toBe(a.slashedUremes);
    expect(p.otherUremes, `${p.address}: wealth moved by something the events do not explain`).toBe(
      0n,
    );
    expect(p.netUremes).toBe(
      p.rewardsUremes -
        p.slashedUremes +
        p.slashBountyUremes -
        p.bondsLostUremes -
        p.bondsOpenUremes +
        p.bondsWonUremes -
        p.feesUremes,
    );
    expect(p.simMs).toBe(r.blocks * blockTimeMs);
    expect(p.capitalCostUremes).toBe(capitalCost(m, p.stakeGenesisUremes, p.simMs));
    expect(p.profitUremes).toBe(p.netUremes - p.workCostUremes - p.capitalCostUremes);
  }
};

describe("work recorded by the actors and profit per actor", () => {
  it("lazy_30: honest miners record each task at its nominal cost (no jitter), lazy miners less; validators their checks; proposers their aggregations", async () => {
    const s = load("lazy_30");
    const r = await runScenario(s, { seed: 2, blocks: 200 });
    expect(r.violation).toBeUndefined();
    checkIdentities(r, s);
    const m = resolveCosts(s);
    for (const p of rowsOf(r, "honest_miner")) {
      expect(p.tasks).toBeGreaterThan(0);
      // Exactly tasks × trainMs of its architecture: the ledger holds the nominal cost, not trainDelay's ±10 %.
      expect(p.gpuMs).toBe(p.tasks * trainMsOf(s, p.gpuArch));
      expect(p.workCostUremes).toBe(
        BigInt(
          Math.round(
            (((p.gpuMs / 3_600_000) * m.gpuUsdPerHour[p.gpuArch as "AMPERE"]) / m.remesUsd) * 1e6,
          ),
        ),
      );
    }
    const lazy = rowsOf(r, "lazy_miner");
    const lazyMs = lazy.reduce((t, p) => t + p.gpuMs, 0);
    const lazyFull = lazy.reduce((t, p) => t + p.tasks * trainMsOf(s, p.gpuArch), 0);
    // Skipping 30 % of the tasks with a random hash (0 ms each): about 70 % of the full cost.
    expect(lazyMs).toBeLessThan(lazyFull);
    expect(lazyMs).toBeGreaterThan(0.4 * lazyFull);
    const validators = rowsOf(r, "honest_validator");
    expect(validators.reduce((t, p) => t + p.tier2Checks + p.tier3Jobs, 0)).toBeGreaterThan(0);
    expect(validators.every((p) => p.tasks === 0 && p.workCostUremes > 0n)).toBe(true);
    expect(rowsOf(r, "honest_proposer").reduce((t, p) => t + p.aggregations, 0)).toBeGreaterThan(0);
    // Honest mining pays under the default cost model; lazy mining pays less.
    const mean = (ps: ProfitRow[]) =>
      Number(ps.reduce((t, p) => t + p.profitUremes, 0n)) / ps.length;
    expect(mean(rowsOf(r, "honest_miner"))).toBeGreaterThan(0);
    expect(mean(lazy)).toBeLessThan(mean(rowsOf(r, "honest_miner")));
  });

  it("copycats and coalitions train nothing; poisoners train in full; a partial fake costs its effort", async () => {
    const base = load("baseline");
    const s = parseScenario(
      {
        ...base,
        name: "work-kinds",
        actors: [
          { kind: "honest_miner", count: 20, gpuArch: "AMPERE" },
          { kind: "copycat_miner", count: 3, gpuArch: "AMPERE" },
          { kind: "colluding_miner", count: 3, gpuArch: "AMPERE" },
          { kind: "poisoner_miner", count: 2, gpuArch: "AMPERE" },
          {
            kind: "lazy_miner",
            count: 4,
            gpuArch: "AMPERE",
            skipBps: 10_000,
            fake: "partial",
            effortBps: 2_500,
            stakeRemes: 1_000_000,
          },
          { kind: "honest_validator", count: 4 },
          { kind: "honest_proposer", count: 1 },
        ],
      },
      "work-kinds",
    );
    const r = await runScenario(s, { seed: 3, blocks: 100 });
    expect(r.violation).toBeUndefined();
    checkIdentities(r, s);
    const full = trainMsOf(s, "AMPERE");
    for (const kind of ["copycat_miner", "colluding_miner"])
      for (const p of rowsOf(r, kind))
        expect([p.tasks > 0, p.gpuMs, p.workCostUremes]).toEqual([true, 0, 0n]);
    for (const p of rowsOf(r, "poisoner_miner")) expect(p.gpuMs).toBe(p.tasks * full);
    for (const p of rowsOf(r, "lazy_miner")) expect(p.gpuMs).toBe(p.tasks * full * 0.25);
  });

  it("lazy validators compute nothing; challengers' bonds lost are the bonds the challenged miners won", async () => {
    const s = load("lazy_validators");
    const r = await runScenario(s, { seed: 1, blocks: 200 });
    checkIdentities(r, s);
    for (const p of rowsOf(r, "lazy_validator"))
      expect([p.tier2Checks, p.tier3Jobs, p.aggregations, p.gpuMs]).toEqual([0, 0, 0, 0]);
    const f = load("false_challengers");
    // Verifiers of a dispute the challenger loses are paid out of its bond (verification/disputes.ts): count that share.
    let paidFromBonds = 0n;
    const rf = await runScenario(f, {
      seed: 1,
      blocks: 200,
      sink: {
        start() {},
        end() {},
        block(b) {
          for (const e of b.events)
            if (e.case === "verifierPaid" && e.value.source === ModuleAccount.escrow)
              paidFromBonds += e.value.amount;
        },
      },
    });
    checkIdentities(rf, f);
    const challengers = rowsOf(rf, "false_challenger");
    const lost = challengers.reduce((t, p) => t + p.bondsLostUremes, 0n);
    expect(lost).toBeGreaterThan(0n);
    // A bond is refunded, forfeited or still in escrow: never lost twice.
    for (const p of challengers)
      expect(p.bondsLostUremes + p.bondsOpenUremes).toBeLessThanOrEqual(p.bondsPostedUremes);
    // The scenario forfeits a lost bond to the disputed author (a miner) after the verifiers' pay, so what challengers lost, miners and verifiers won.
    expect(paidFromBonds).toBeGreaterThan(0n);
    expect(rf.profit!.reduce((t, p) => t + p.bondsWonUremes, 0n) + paidFromBonds).toBe(lost);
  });
});

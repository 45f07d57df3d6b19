import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runScenario, type RunResult } from "../../src/sim/run.ts";
import { expandRuns, loadScenario, parseScenario } from "../../src/sim/scenario.ts";

const dir = resolve(import.meta.dirname, "../../scenarios");
const avgNet = (r: RunResult, kind: string): number => {
  const xs = r.actors.filter((a) => a.kind === kind);
  return Number(xs.reduce((t, a) => t + a.netUremes, 0n) / BigInt(xs.length));
};

describe("economics on short runs", () => {
  it("lazy miners end with less than honest miners", async () => {
    for (const seed of [1, 2]) {
      const r = await runScenario(loadScenario(resolve(dir, "lazy_30.json")), {
        seed,
        blocks: 200,
      });
      expect(r.violation).toBeUndefined();
      expect(avgNet(r, "lazy_miner")).toBeLessThan(avgNet(r, "honest_miner"));
      expect(avgNet(r, "honest_miner")).toBeGreaterThan(0);
    }
  });

  it("with trap rate t and lazy miners skipping a fraction f, the share caught by traps within n tasks is 1 − (1 − t·f)^n (99% binomial interval)", async () => {
    const t = 0.2;
    const f = 0.5;
    const n = 5;
    const miners = 200;
    const seeds = [11, 12, 13];
    const base = JSON.parse(JSON.stringify(loadScenario(resolve(dir, "baseline.json")))) as Record<
      string,
      unknown
    >;
    // Every shard is active (200 miners, 2 per shard, 100 shards), so a task is a trap with chance exactly t.
    // Window 0 opens before any trap can be committed: tasks 1..n are windows 1..n; the run ends
    // after window n's reveal and before window n+1 closes. Stakes are large so slashing never
    // takes a lazy miner out of the draw.
    const s = parseScenario(
      {
        ...base,
        name: "trap-detection",
        params: {
          ...(base.params as object),
          totalShards: 100,
          trapRateBps: t * 10_000,
          trapCommitmentSlots: 128,
          daSampleRateBps: 1,
        },
        vaultEntries: 128,
        actors: [
          {
            kind: "lazy_miner",
            count: miners,
            skipBps: f * 10_000,
            fake: "random",
            stakeRemes: 10_000_000,
            gpuArch: "AMPERE",
          },
          { kind: "honest_validator", count: 4 },
        ],
      },
      "trap-detection",
    );
    const blocks = 20 * (n + 1) + 8;
    let caught = 0;
    for (const seed of seeds) {
      const r = await runScenario(s, { seed, blocks });
      expect(r.violation).toBeUndefined();
      caught += r.actors.filter((a) => a.trapCatches > 0).length;
    }
    const N = miners * seeds.length;
    const p = 1 - (1 - t * f) ** n;
    const half = 2.576 * Math.sqrt(N * p * (1 - p));
    expect(caught).toBeGreaterThanOrEqual(N * p - half);
    expect(caught).toBeLessThanOrEqual(N * p + half);
  });

  it("under 30% poisoners the median keeps the aggregate near the true update while the mean does not", async () => {
    const runs = expandRuns(loadScenario(resolve(dir, "poisoning.json")), { count: 1 });
    const error = new Map<string, number>();
    const relative = new Map<string, number>();
    for (const run of runs) {
      const r = await runScenario(run.scenario, { seed: run.seed, blocks: 120 });
      expect(r.violation).toBeUndefined();
      expect(r.aggregates.length).toBeGreaterThanOrEqual(4);
      // L1 error against the window's noiseless honest step, averaged over the windows aggregated; and relative to
      // the step (the step shrinks as the model nears its optimum, so only the absolute error compares methods fairly).
      const method = String(run.overrides["actors.proposers.method"]);
      error.set(method, r.aggregates.reduce((x, a) => x + a.errorL1, 0) / r.aggregates.length);
      const rel = r.aggregates.map(
        (a) =>
          a.errorL1 /
          Math.max(
            1,
            a.trueVector.reduce((x, y) => x + Math.abs(y), 0),
          ),
      );
      relative.set(method, rel.reduce((x, y) => x + y, 0) / rel.length);
    }
    expect(error.get("median")!).toBeLessThan(error.get("mean")! / 5);
    expect(relative.get("mean")!).toBeGreaterThan(0.3);
    expect(error.get("trimmed_mean")!).toBeGreaterThan(error.get("median")!);
  });
});

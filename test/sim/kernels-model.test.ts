/**
 * The global model with the kernels backend: in a short real-training run
 * with honest miners only, each finalized aggregate joins the global LoRA
 * adapters later windows train from, and the `model` rows carry the
 * held-out cross-entropy (micro-nats) of those adapters, which falls.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/sim/run.ts";
import { loadScenario } from "../../src/sim/scenario.ts";
import { modelRows } from "../../src/sim/outputs/model-rows.ts";

const base = loadScenario(resolve(import.meta.dirname, "../../scenarios/real_training.json"));
const scenario = {
  ...base,
  name: "kernels_model",
  actors: base.actors.filter((g) => g.kind !== "lazy_miner"),
};

describe("the global model with the kernels backend", () => {
  it("records a model row per window whose held-out loss falls as honest aggregates land", async () => {
    const r = await runScenario(scenario, { seed: 1, blocks: 100 });
    expect(r.violation).toBeUndefined();
    const rows = r.model;
    expect(rows.map((m) => m.window)).toEqual([0, 1, 2, 3, 4]);
    const initial = rows[0]!.initialLoss;
    // An untrained byte model: about ln 256 ≈ 5.55 nats.
    expect(Number(initial)).toBeGreaterThan(5e6);
    for (const m of rows) expect(m.initialLoss).toBe(initial);
    const finalized = rows.filter((m) => m.finalized);
    expect(finalized.length).toBeGreaterThanOrEqual(3);
    // Window 1 trained from the initial adapters (window 0's aggregate landed while it trained).
    expect(rows[1]!.baseLoss).toBe(initial);
    // Each window's base is the global model at its opening: it holds earlier windows' aggregates.
    expect(rows[2]!.baseLoss).toBe(rows[0]!.loss);
    const last = finalized.at(-1)!;
    expect(Number(last.loss)).toBeLessThan(0.8 * Number(initial));
    expect(Number(last.loss)).toBeLessThan(Number(finalized[0]!.loss));
    // The `model` table rows: loss_ratio is a share of the initial adapters' held-out loss.
    const table = modelRows("run", r);
    expect(table).toHaveLength(rows.length);
    const ratio = table.map((row) => row[11] as number);
    expect(ratio.every((x) => x > 0)).toBe(true);
    expect(ratio.at(-1)!).toBeLessThan(0.8);
  }, 60_000);
});

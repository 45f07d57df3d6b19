import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { createOutputSink } from "../../../src/sim/outputs/output-sink.ts";
import { runScenario } from "../../../src/sim/run.ts";
import { expandRuns, loadScenario } from "../../../src/sim/scenario.ts";

const query = async (file: string, sql: string) => {
  const instance = await DuckDBInstance.create(file, { access_mode: "READ_ONLY" });
  const c = await instance.connect();
  try {
    return (await c.runAndReadAll(sql)).getRowObjectsJS();
  } finally {
    c.closeSync();
    instance.closeSync();
  }
};

describe("outputs of a real simulation run (lazy_10, short form)", () => {
  it("hold what the engine's own tally says, per actor, and a report", async () => {
    const dir = await mkdtemp(join(tmpdir(), "r3mes-engine-out-"));
    try {
      const scenario = loadScenario("scenarios/lazy_10.json");
      const sink = await createOutputSink({ outDir: dir });
      const result = await runScenario(scenario, {
        seed: 3,
        sink,
        blocks: scenario.shortBlocks ?? 120,
      });
      const paths = await sink.finish();
      expect(result.violation).toBeUndefined();
      const [run] = await query(paths.duckdbPath, "SELECT * FROM runs");
      expect(run).toMatchObject({
        run_id: "lazy_10/seed=3",
        status: "ok",
        blocks: result.blocks,
        events: BigInt(result.events),
        app_hash: result.appHash,
        event_log_sha256: result.eventLogSha256,
      });
      const actors = new Map(
        (await query(paths.duckdbPath, "SELECT * FROM actors")).map((a) => [
          a.address as string,
          a,
        ]),
      );
      expect(actors.size).toBe(result.actors.length);
      for (const a of result.actors) {
        const row = actors.get(a.address)!;
        expect(row, a.address).toMatchObject({
          kind: a.kind,
          rewards_uremes: a.rewardsUremes,
          slashed_uremes: a.slashedUremes,
          traps_caught: a.trapCatches,
        });
      }
      const [e] = await query(paths.duckdbPath, "SELECT count(*) AS n FROM events");
      expect(e!.n).toBe(BigInt(result.events));
      // The model table: one row per window, as the run's own records say, and its charts in the report.
      const model = await query(paths.duckdbPath, `SELECT * FROM model ORDER BY "window"`);
      expect(model.length).toBe(result.model.length);
      expect(model.length).toBeGreaterThanOrEqual(4);
      for (const [i, m] of result.model.entries()) {
        expect(model[i], `window ${m.window}`).toMatchObject({
          window: m.window,
          aggregate_finalized: m.finalized,
          base_loss: m.baseLoss,
          loss: m.loss,
          minted_uremes: m.mintedUremes,
        });
        expect(model[i]!.loss_ratio).toBeCloseTo(Number(m.loss) / Number(m.initialLoss), 9);
      }
      expect(model.filter((m) => m.aggregate_finalized).every((m) => m.method === "median")).toBe(
        true,
      );
      const html = await readFile(paths.reportPath!, "utf8");
      expect(html).toContain("R3MES simulation report — lazy_10, seed 3");
      expect(html).toContain('id="chart-model-loss"');
      expect(html).toContain('id="chart-model-per-remes"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("keys each sweep point apart even when the engine records it only in the config", async () => {
    const dir = await mkdtemp(join(tmpdir(), "r3mes-engine-sweep-"));
    try {
      const scenario = {
        ...loadScenario("scenarios/lazy_10.json"),
        sweep: { "params.trapRateBps": [500, 2000] },
      };
      const sink = await createOutputSink({ outDir: dir, eventLog: false, parquet: false });
      for (const spec of expandRuns(scenario, { count: 1 }))
        await runScenario(spec.scenario, {
          seed: spec.seed,
          sink,
          blocks: 40,
          overrides: spec.overrides,
        });
      const paths = await sink.finish();
      expect(paths.runIds).toEqual([
        "lazy_10/seed=1/params.trapRateBps=500",
        "lazy_10/seed=1/params.trapRateBps=2000",
      ]);
      const html = await readFile(paths.reportPath!, "utf8");
      expect(html).toContain("Lazy miners caught vs params.trapRateBps");
      expect(html).toContain("Final model loss vs params.trapRateBps");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Outputs benchmark: what recording a run costs. The same large-network
 * scenario as bench/sim.ts (10,000 miners: 10% lazy, 1% copycats; 100
 * validators; 10 proposers), run twice with the same seed: into the output
 * sink without the events table, and with it (DuckDB appenders), timing the
 * wall time spent inside the sink's calls; then `finish` (Parquet export +
 * HTML report) of the second.
 *
 *   npx tsx bench/outputs.ts      (npm run bench:outputs)
 *
 * BENCH_MINERS and BENCH_BLOCKS (default 1,000 blocks = 10 windows) scale
 * it. Prints one JSON line: the run's wall time, seconds inside the sink and
 * its throughput in events per second of sink time, finish time, sizes.
 */
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createOutputSink } from "../src/sim/outputs/output-sink.ts";
import { runScenario } from "../src/sim/run.ts";
import { parseScenario } from "../src/sim/scenario.ts";
import type { RunSink } from "../src/sim/sink.ts";

const MINERS = Number(process.env.BENCH_MINERS ?? 10_000);
const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 1_000);
const lazy = Math.round(MINERS / 10);
const copycats = Math.round(MINERS / 100);
const ARCH = ["AMPERE", "ADA", "HOPPER"];

const scenario = parseScenario(
  {
    name: "bench-outputs",
    description: "a large network, recorded",
    blocks: BLOCKS,
    params: { daChunkBytes: 64 },
    vaultEntries: 256,
    actors: [
      { kind: "honest_miner", count: MINERS - lazy - copycats, gpuArch: ARCH },
      { kind: "lazy_miner", count: lazy, skipBps: 3_000, gpuArch: ARCH },
      { kind: "copycat_miner", count: copycats, gpuArch: ARCH },
      { kind: "honest_validator", count: 100, tier2SampleBps: 1_000 },
      { kind: "honest_proposer", count: 10, method: "median" },
    ],
  },
  "bench/outputs.ts",
);

const secs = (t0: number) => (performance.now() - t0) / 1000;
const sizeOf = async (path: string): Promise<number> => {
  const s = await stat(path);
  if (!s.isDirectory()) return s.size;
  let total = 0;
  for (const f of await readdir(path)) total += await sizeOf(join(path, f));
  return total;
};
const mb = (bytes: number) => +(bytes / 2 ** 20).toFixed(1);

/** Wraps a sink, adding the wall time spent inside its calls. */
const timed = (sink: RunSink) => {
  const t = { blockS: 0, endS: 0 };
  const wrapped: RunSink = {
    start: (r) => sink.start(r),
    block: (b) => {
      const t0 = performance.now();
      sink.block(b);
      t.blockS += secs(t0);
    },
    end: async (r) => {
      const t0 = performance.now();
      await sink.end(r);
      t.endS += secs(t0);
    },
  };
  return { wrapped, t };
};

const dir = await mkdtemp(join(tmpdir(), "r3mes-bench-outputs-"));
try {
  const tablesOnly = await createOutputSink({
    outDir: join(dir, "tables"),
    eventLog: false,
    parquet: false,
    report: false,
  });
  const a = timed(tablesOnly);
  let t0 = performance.now();
  const run = await runScenario(scenario, { seed: 1, sink: a.wrapped });
  const runWall = secs(t0);
  await tablesOnly.finish();

  const full = await createOutputSink({ outDir: join(dir, "full") });
  const b = timed(full);
  await runScenario(scenario, { seed: 1, sink: b.wrapped });
  t0 = performance.now();
  const paths = await full.finish();
  const finishWall = secs(t0);

  const rate = (s: number) => Math.round(run.events / s);
  console.log(
    JSON.stringify({
      bench: "outputs",
      miners: MINERS,
      blocks: run.blocks,
      events: run.events,
      run_wall_s: +runWall.toFixed(2),
      sink_s_tables: +(a.t.blockS + a.t.endS).toFixed(2),
      sink_events_per_s_tables: rate(a.t.blockS + a.t.endS),
      sink_s_with_event_log: +(b.t.blockS + b.t.endS).toFixed(2),
      sink_events_per_s_with_event_log: rate(b.t.blockS + b.t.endS),
      run_end_commit_s: +b.t.endS.toFixed(2),
      finish_s: +finishWall.toFixed(2),
      duckdb_mb: mb(await sizeOf(paths.duckdbPath)),
      parquet_mb: mb(await sizeOf(paths.parquetDir!)),
      report_kb: Math.round((await sizeOf(paths.reportPath!)) / 1024),
      rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      node: process.version,
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}

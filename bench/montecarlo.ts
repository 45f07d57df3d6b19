/**
 * Monte Carlo benchmark: many seeds of one scenario through the fan-out
 * `r3mes sim run --seeds` uses (src/sim/fanout.ts: worker threads, each
 * kept for many runs), timed end to end.
 *
 *   npx tsx bench/montecarlo.ts          (npm run bench:montecarlo)
 *
 * Default: scenarios/montecarlo_1k.json (1,000 miners, 720 blocks), seeds
 * 1..100 on 2 worker threads, no outputs. MC_SCENARIO, MC_SEEDS, MC_THREADS
 * and MC_BLOCKS change that; MC_OUTPUTS=tables also records every run into
 * DuckDB part databases and merges them the way the CLI does (without
 * Parquet and the HTML report; `--no-event-log`), MC_OUTPUTS=events with the
 * per-event table too (the CLI's default).
 *
 * Prints one JSON line: runs, wall_s, cpu_s (this process and its worker
 * threads), runs_per_min, the time 1,000 seeds take (actual when 1,000 ran,
 * else projected from the rate after the first run of each thread), rss_mb.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Effect } from "effect";
import { runMany } from "../src/sim/fanout.ts";
import { mergeParts } from "../src/sim/outputs/parts.ts";
import { expandRuns, loadScenario } from "../src/sim/scenario.ts";

const SCENARIO =
  process.env.MC_SCENARIO ??
  fileURLToPath(new URL("../scenarios/montecarlo_1k.json", import.meta.url));
const SEEDS = Number(process.env.MC_SEEDS ?? 100);
const THREADS = Number(process.env.MC_THREADS ?? 2);
/** "none", "tables" (DuckDB without the events table, like --no-event-log) or "events" (with it, the CLI's default). */
const OUTPUTS = process.env.MC_OUTPUTS ?? "none";
if (!["none", "tables", "events"].includes(OUTPUTS))
  throw new Error(`MC_OUTPUTS must be none, tables or events, got ${OUTPUTS}`);

const scenario = loadScenario(SCENARIO);
const blocks = process.env.MC_BLOCKS ? Number(process.env.MC_BLOCKS) : scenario.blocks;
const specs = expandRuns(scenario, { first: scenario.seed ?? 1, count: SEEDS });
const outDir = OUTPUTS !== "none" ? await mkdtemp(join(tmpdir(), "r3mes-mc-")) : undefined;

const tty = process.stderr.isTTY;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
let done = 0;
let warmAt = 0; // wall time when the first THREADS runs had finished (workers started, code compiled)
let violations = 0;
const results = await runMany(specs, {
  threads: THREADS,
  blocks,
  ...(outDir
    ? {
        sinkModule: fileURLToPath(new URL("../src/sim/outputs/parts.ts", import.meta.url)),
        sinkData: { outDir, eventLog: OUTPUTS === "events" },
      }
    : {}),
  onResult: (_i, r) => {
    done++;
    if (r.violation) violations++;
    if (done === Math.min(THREADS, specs.length)) warmAt = performance.now();
    if (tty)
      process.stderr.write(
        `\r  ${done}/${specs.length} runs  ${((performance.now() - t0) / 1000).toFixed(0)} s`,
      );
  },
});
if (outDir) await Effect.runPromise(mergeParts(outDir, { parquet: false, report: false }));
if (tty) process.stderr.write("\n");
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
if (outDir) await rm(outDir, { recursive: true, force: true });

// Steady rate: runs after the warm-up over the time they took.
const steadyRuns = specs.length - Math.min(THREADS, specs.length);
const steadyS = (performance.now() - warmAt) / 1000;
const perRunS = steadyRuns > 0 ? steadyS / steadyRuns : wall / specs.length;
const warmS = warmAt > 0 ? (warmAt - t0) / 1000 : wall;
console.log(
  JSON.stringify({
    bench: "montecarlo",
    scenario: scenario.name,
    miners: scenario.actors
      .filter((g) => g.kind.endsWith("_miner"))
      .reduce((n, g) => n + g.count, 0),
    blocks,
    runs: results.length,
    threads: THREADS,
    outputs: OUTPUTS,
    wall_s: +wall.toFixed(1),
    cpu_s: +((cpu.user + cpu.system) / 1e6).toFixed(1),
    runs_per_min: +((results.length / wall) * 60).toFixed(1),
    s_per_run_per_thread: +(perRunS * THREADS).toFixed(3),
    ...(results.length >= 1000
      ? { seeds_1000_s: +wall.toFixed(1), seeds_1000: "actual" }
      : {
          seeds_1000_s: +(warmS + perRunS * (1000 - Math.min(THREADS, 1000))).toFixed(1),
          seeds_1000: "projected",
        }),
    // What 1,000 seeds take on THREADS dedicated cores, from the CPU time spent per run (steadier on a shared machine).
    seeds_1000_cpu_bound_s: +(
      (((cpu.user + cpu.system) / 1e6 / results.length) * 1000) /
      THREADS
    ).toFixed(1),
    violations,
    rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    node: process.version,
  }),
);

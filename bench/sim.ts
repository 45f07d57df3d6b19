/**
 * Simulator benchmark: one simulated day of a large network through the
 * whole engine (actors, network, mempool, applyBlock, app hash and event-log
 * hash, invariants).
 *
 *   npx tsx bench/sim.ts          (npm run bench:sim)
 *
 * Default: 10,000 miners (10% lazy skipping 30% of tasks, 1% copycats, the
 * rest honest, on three GPU generations), 100 validators (each recomputes 10%
 * of tier-2 disputes), 10 proposers (median), seed-default protocol
 * parameters (100-block windows, 1,024 shards, 10% traps, 10% availability
 * sampling), 17,280 blocks of 5 s. BENCH_MINERS, BENCH_BLOCKS,
 * BENCH_INVARIANT_EVERY scale it down or change how often the invariant
 * checkers walk the whole state (default: every 100 blocks; what each block
 * changed is checked after every block, src/sim/checker.ts). Every event is encoded once and
 * feeds both the app hash and the event-log hash (no hashing is skipped).
 *
 * Prints one JSON line: blocks_per_s, events_per_s, wall_s, rss_mb (peak),
 * plus the run's size and outcome.
 */
import { parseScenario } from "../src/sim/scenario.ts";
import { runScenario } from "../src/sim/run.ts";
import { rejectionsByReason } from "../src/sim/engine.ts";

const MINERS = Number(process.env.BENCH_MINERS ?? 10_000);
const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 17_280);
const INVARIANT_EVERY = Number(process.env.BENCH_INVARIANT_EVERY ?? 100);
const lazy = Math.round(MINERS / 10);
const copycats = Math.round(MINERS / 100);
const ARCH = ["AMPERE", "ADA", "HOPPER"];

const scenario = parseScenario(
  {
    name: "bench-day",
    description: "one simulated day of a large network",
    blocks: BLOCKS,
    params: { daChunkBytes: 64 },
    engine: { invariantEveryBlocks: INVARIANT_EVERY },
    vaultEntries: 256,
    actors: [
      { kind: "honest_miner", count: MINERS - lazy - copycats, gpuArch: ARCH },
      { kind: "lazy_miner", count: lazy, skipBps: 3_000, gpuArch: ARCH },
      { kind: "copycat_miner", count: copycats, gpuArch: ARCH },
      { kind: "honest_validator", count: 100, tier2SampleBps: 1_000 },
      { kind: "honest_proposer", count: 10, method: "median" },
    ],
  },
  "bench/sim.ts",
);

const tty = process.stderr.isTTY;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const r = await runScenario(scenario, {
  seed: 1,
  onProgress: (h, planned) => {
    if (tty && h % 100 === 0)
      process.stderr.write(
        `\r  block ${h}/${planned}  ${((performance.now() - t0) / 1000).toFixed(0)} s`,
      );
  },
});
if (tty) process.stderr.write("\n");
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
console.log(
  JSON.stringify({
    bench: "sim",
    blocks_per_s: Math.round(r.blocks / wall),
    events_per_s: Math.round(r.events / wall),
    wall_s: +wall.toFixed(1),
    // CPU time of this process (user + system, all its threads): steadier than wall on a shared machine.
    cpu_s: +((cpu.user + cpu.system) / 1e6).toFixed(1),
    rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    miners: MINERS,
    validators: 100,
    proposers: 10,
    blocks: r.blocks,
    events: r.events,
    txs: r.stats.txsIncluded,
    txs_rejected: r.stats.txsRejected,
    rejected_by_reason: rejectionsByReason(r.stats),
    invariant_every_blocks: 1,
    invariant_full_walk_every_blocks: INVARIANT_EVERY,
    violation: r.violation ?? null,
    event_log_sha256: r.eventLogSha256,
    node: process.version,
  }),
);
if (process.env.BENCH_SAMPLES)
  for (const [reason, log] of r.stats.rejectedReasonSample) console.error(`${reason}: ${log}`);

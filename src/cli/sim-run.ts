/**
 * `r3mes sim run`: loads a scenario, expands its Monte Carlo seeds and sweep
 * points, runs them (in-process for one run, over worker threads for more;
 * every run is deterministic by its seed either way), records each into
 * DuckDB + Parquet and writes the HTML report. A progress bar shows on a
 * TTY. An invariant violation stops that run and fails the command with the
 * line that reproduces it.
 */
import { readFile, rm } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Effect } from "effect";
import { type FanOutResult, runMany } from "../sim/fanout.ts";
import { createOutputSink, type OutputPaths } from "../sim/outputs/output-sink.ts";
import { mergeParts, PARTS_DIR } from "../sim/outputs/parts.ts";
import { reproduceLine, runScenario } from "../sim/run.ts";
import { expandRuns, loadScenario, type RunSpec, scenarioName } from "../sim/scenario.ts";
import {
  checkShardFlags,
  MANIFEST_FILE,
  manifestOf,
  runIdsOf,
  shardRuns,
  sweepIdentity,
  writeManifest,
} from "../sim/shards.ts";
import { PARQUET_DIR, RESULTS_FILE } from "../sim/outputs/output-sink.ts";
import { runLocalShards } from "./sim-shard.ts";

export interface SimRunOptions {
  readonly scenario: string;
  readonly seed: number | undefined;
  readonly seeds: number | undefined;
  readonly out: string | undefined;
  readonly json: boolean;
  readonly threads: number | undefined;
  readonly blocks: number | undefined;
  readonly eventLog: boolean;
  /** Run only shard `shard` (0-based) of `of` (run i belongs to shard i mod of) and write a part, no report. */
  readonly shard?: number | undefined;
  readonly of?: number | undefined;
  /** Run every shard of this many as local child processes, then merge (sim-shard.ts). */
  readonly parallelism?: number | undefined;
}

/** Exit status of a run whose invariants broke (distinct from usage errors). */
export const EXIT_INVARIANT = 3;

export class InvariantViolation extends Error {}

const bar = (done: number, total: number, label: string): void => {
  if (!process.stderr.isTTY) return;
  const width = 30;
  const filled = total === 0 ? width : Math.min(width, Math.floor((done / total) * width));
  process.stderr.write(
    `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(Math.floor((done / Math.max(total, 1)) * 100)).padStart(3)}% ${label}   `,
  );
  if (done >= total) process.stderr.write("\n");
};

const summaryLine = (r: FanOutResult, report: string | undefined) => ({
  seed: r.seed,
  blocks: r.blocks,
  events: r.events,
  event_log_sha256: r.eventLogSha256,
  app_hash: r.appHash,
  report: report ?? null,
});

export const runSim = async (o: SimRunOptions): Promise<number> => {
  const bad = checkShardFlags(o.shard, o.of);
  if (bad) throw new Error(bad);
  if (o.parallelism !== undefined) {
    if (o.shard !== undefined)
      throw new Error("--parallelism runs every shard itself; give it without --shard/--of");
    return runLocalShards(o);
  }
  const scenario = loadScenario(o.scenario);
  const all = expandRuns(scenario, {
    ...(o.seed !== undefined ? { first: o.seed } : {}),
    ...(o.seeds !== undefined ? { count: o.seeds } : {}),
  }).map((spec) => ({ ...spec, source: o.scenario }));
  const mine =
    o.shard !== undefined
      ? shardRuns(all, o.shard, o.of!)
      : all.map((spec, index) => ({ index, spec }));
  const specs = mine.map((m) => m.spec);
  // A shard's default folder is its own, beside (not over) a whole run's results.
  const outDir = resolve(
    o.out ??
      (o.shard !== undefined
        ? join("out", scenarioName(o.scenario), "shards", String(o.shard))
        : join("out", scenarioName(o.scenario))),
  );
  const blocks = o.blocks ?? scenario.blocks;
  const log = (s: string) => (o.json ? process.stderr : process.stdout).write(`${s}\n`);
  const share =
    o.shard !== undefined
      ? ` (shard ${o.shard} of ${o.of}: ${specs.length} of ${all.length} runs)`
      : "";
  log(
    `${basename(o.scenario)}: ${specs.length} run${specs.length === 1 ? "" : "s"} of ${blocks} blocks${share} → ${outDir}`,
  );
  // A part's manifest goes last: remove an earlier one first, so a shard that dies half-way leaves no finished-looking part.
  // Its database too: a part is exported from it whole, so rows of earlier runs there would join the part.
  if (o.shard !== undefined)
    for (const f of [MANIFEST_FILE, RESULTS_FILE, `${RESULTS_FILE}.wal`])
      await rm(join(outDir, f), { force: true });

  const { results, paths } = await executeRuns(specs, outDir, {
    threads: o.threads,
    blocks,
    eventLog: o.eventLog,
    report: o.shard === undefined,
  });

  let status = 0;
  for (const r of results) {
    if (r.violation) {
      status = EXIT_INVARIANT;
      log(
        `INVARIANT VIOLATION in seed ${r.seed} at height ${r.violation.height}:\n  ${r.violation.messages.join("\n  ")}\n${reproduceLine(o.scenario, r.seed)}`,
      );
    }
  }
  if (o.shard !== undefined) {
    const id = sweepIdentity({
      scenario: scenario.name,
      source: o.scenario,
      fileBytes: await readFile(o.scenario),
      blocks,
      eventLog: o.eventLog,
      runIds: runIdsOf(all),
    });
    // The part is the Parquet files and the manifest; the part's own database was only the way there.
    await rm(paths.duckdbPath, { force: true });
    await writeManifest(
      outDir,
      manifestOf(
        id,
        o.shard,
        o.of!,
        mine.map(({ index }, i) => {
          const r = results[i]!;
          return {
            index,
            run_id: paths.runIds[i]!,
            seed: r.seed,
            status: r.violation ? "violation" : "ok",
            blocks: r.blocks,
            events: r.events,
            event_log_sha256: r.eventLogSha256,
            app_hash: r.appHash,
          };
        }),
      ),
    );
  }
  if (!o.json) {
    for (const [i, r] of results.entries())
      log(
        `${o.shard !== undefined ? paths.runIds[i] : `seed ${r.seed}`}: ${r.blocks} blocks, ${r.events} events, event log sha256 ${r.eventLogSha256.slice(0, 16)}…, app hash ${r.appHash.slice(0, 16)}…`,
      );
    if (o.shard !== undefined)
      log(
        `part:    ${outDir} (${MANIFEST_FILE} and ${PARQUET_DIR}/; merge every shard with r3mes sim merge)`,
      );
    else
      log(
        `report:  ${paths.reportPath ?? "(none)"}\ntables:  ${paths.duckdbPath}${paths.parquetDir ? `\nparquet: ${paths.parquetDir}` : ""}`,
      );
  } else {
    for (const r of results) console.log(JSON.stringify(summaryLine(r, paths.reportPath)));
  }
  return status;
};

/**
 * Runs the specs in order into `outDir` (in-process for one run or one
 * thread, over worker threads otherwise) and writes the outputs.
 */
export const executeRuns = async (
  specs: readonly RunSpec[],
  outDir: string,
  o: {
    readonly threads: number | undefined;
    readonly blocks: number;
    readonly eventLog: boolean;
    readonly report: boolean;
  },
): Promise<{ results: FanOutResult[]; paths: OutputPaths }> => {
  const { blocks } = o;
  let results: FanOutResult[];
  let paths: OutputPaths;
  const threads = Math.max(1, Math.min(o.threads ?? availableParallelism(), specs.length));
  if (specs.length <= 1 || threads === 1) {
    const sink = await createOutputSink({ outDir, eventLog: o.eventLog, report: o.report });
    results = [];
    try {
      for (const [i, spec] of specs.entries()) {
        const label =
          specs.length === 1
            ? `seed ${spec.seed}`
            : `run ${i + 1}/${specs.length} (seed ${spec.seed})`;
        results.push(
          await runScenario(spec.scenario, {
            seed: spec.seed,
            sink,
            overrides: spec.overrides,
            ...(spec.source !== undefined ? { source: spec.source } : {}),
            blocks,
            onProgress: (h, planned) => {
              if (h % 50 === 0 || h === planned) bar(h, planned, label);
            },
          }),
        );
      }
    } catch (e) {
      await sink.abort();
      throw e;
    }
    paths = await sink.finish();
  } else {
    let done = 0;
    // Parts left by an interrupted run would be merged with these.
    await rm(join(outDir, PARTS_DIR), { recursive: true, force: true });
    bar(0, specs.length, "runs");
    results = await runMany(specs, {
      threads,
      blocks,
      sinkModule: fileURLToPath(new URL("../sim/outputs/parts.ts", import.meta.url)),
      sinkData: { outDir, eventLog: o.eventLog },
      onResult: () => bar(++done, specs.length, `runs on ${threads} threads`),
    });
    paths = await Effect.runPromise(mergeParts(outDir, { report: o.report }));
    // mergeParts lists run ids in part order; a manifest wants them in spec order.
    paths = { ...paths, runIds: runIdsOf(specs) };
  }
  return { results, paths };
};

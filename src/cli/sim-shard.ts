/**
 * Distributed sweeps from the command line: `sim run --parallelism N`
 * (every shard as a local child process, then the merge), `sim merge` and
 * `sim job` (the Kubernetes Indexed Job). The shards themselves are plain
 * `sim run --shard I --of N` (sim-run.ts); src/sim/shards.ts says how runs
 * are assigned to shards.
 */
import { spawn } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Effect } from "effect";
import { jobManifests } from "../sim/k8s-job.ts";
import { expandRuns, loadScenario, scenarioName } from "../sim/scenario.ts";
import { mergeShards, type Part } from "../sim/shard-merge.ts";
import { toYaml } from "../sim/yaml.ts";
import type { SimRunOptions } from "./sim-run.ts";

const EXIT_INVARIANT = 3;
const SHARDS_DIR = ".shards";
const bin = fileURLToPath(new URL("../../bin/r3mes.js", import.meta.url));

/** The run flags every shard must share (they decide the sweep's runs and rows). */
export const sweepFlags = (o: {
  seed?: number | undefined;
  seeds?: number | undefined;
  blocks?: number | undefined;
  eventLog: boolean;
}): string[] => [
  ...(o.seed !== undefined ? ["--seed", String(o.seed)] : []),
  ...(o.seeds !== undefined ? ["--seeds", String(o.seeds)] : []),
  ...(o.blocks !== undefined ? ["--blocks", String(o.blocks)] : []),
  ...(o.eventLog ? [] : ["--no-event-log"]),
];

const printRuns = (
  parts: readonly Part[],
  paths: { reportPath: string | undefined; duckdbPath: string; parquetDir: string | undefined },
  json: boolean,
  log: (s: string) => void,
): number => {
  const runs = parts.flatMap((p) => p.manifest.runs).sort((a, b) => a.index - b.index);
  let status = 0;
  for (const r of runs) if (r.status !== "ok") status = EXIT_INVARIANT;
  if (json) {
    for (const r of runs)
      console.log(
        JSON.stringify({
          seed: r.seed,
          blocks: r.blocks,
          events: r.events,
          event_log_sha256: r.event_log_sha256,
          app_hash: r.app_hash,
          report: paths.reportPath ?? null,
        }),
      );
    return status;
  }
  for (const r of runs)
    log(
      `${r.run_id}: ${r.blocks} blocks, ${r.events} events, event log sha256 ${r.event_log_sha256.slice(0, 16)}…, app hash ${r.app_hash.slice(0, 16)}…${r.status === "ok" ? "" : ` (${r.status})`}`,
    );
  log(
    `report:  ${paths.reportPath ?? "(none)"}\ntables:  ${paths.duckdbPath}${paths.parquetDir ? `\nparquet: ${paths.parquetDir}` : ""}`,
  );
  return status;
};

/** One child process: resolves with its exit status and its output (shown when it fails). */
const child = (args: readonly string[]): Promise<{ code: number; output: string }> =>
  new Promise((done, fail) => {
    const p = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    p.stdout.on("data", (d: Buffer) => (output += d.toString()));
    p.stderr.on("data", (d: Buffer) => (output += d.toString()));
    p.on("error", fail);
    p.on("close", (code, signal) => done({ code: code ?? (signal ? 128 : 1), output }));
  });

/** `sim run <scenario> --parallelism N`: N local shard processes, then the merge into --out. */
export const runLocalShards = async (o: SimRunOptions): Promise<number> => {
  const n = o.parallelism!;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`--parallelism ${n}: must be a positive integer`);
  const scenario = loadScenario(o.scenario);
  const runs = expandRuns(scenario, {
    ...(o.seed !== undefined ? { first: o.seed } : {}),
    ...(o.seeds !== undefined ? { count: o.seeds } : {}),
  }).length;
  const outDir = resolve(o.out ?? join("out", scenarioName(o.scenario)));
  const shardsDir = join(outDir, SHARDS_DIR);
  const log = (s: string) => (o.json ? process.stderr : process.stdout).write(`${s}\n`);
  const threads = o.threads ?? Math.max(1, Math.floor(availableParallelism() / n));
  log(
    `${o.scenario}: ${runs} run${runs === 1 ? "" : "s"} in ${n} shard processes (${threads} thread${threads === 1 ? "" : "s"} each) → ${outDir}`,
  );
  await rm(shardsDir, { recursive: true, force: true });
  await mkdir(shardsDir, { recursive: true });
  const flags = sweepFlags(o);
  const outcomes = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const r = await child([
        "sim",
        "run",
        o.scenario,
        "--shard",
        String(i),
        "--of",
        String(n),
        "--out",
        join(shardsDir, String(i)),
        "--threads",
        String(threads),
        ...flags,
      ]);
      log(
        `shard ${i} of ${n}: ${r.code === 0 ? "done" : r.code === EXIT_INVARIANT ? "done, with an invariant violation" : `failed (exit ${r.code})`}`,
      );
      return { i, ...r };
    }),
  );
  const failed = outcomes.filter((r) => r.code !== 0 && r.code !== EXIT_INVARIANT);
  if (failed.length > 0)
    throw new Error(
      failed
        .map(
          (f) =>
            `shard ${f.i} of ${n} failed (exit ${f.code}):\n${f.output.trim().split("\n").slice(-20).join("\n")}`,
        )
        .join("\n"),
    );
  const merged = await Effect.runPromise(mergeShards([shardsDir], outDir));
  await rm(shardsDir, { recursive: true, force: true });
  const status = printRuns(merged.parts, merged, o.json, log);
  if (status !== 0)
    for (const r of merged.parts.flatMap((p) => p.manifest.runs))
      if (r.status !== "ok")
        log(
          `INVARIANT VIOLATION in ${r.run_id}\nreproduce with: r3mes sim run ${o.scenario} --seed ${r.seed}`,
        );
  return status;
};

export interface MergeCliOptions {
  readonly dirs: readonly string[];
  readonly out: string;
  readonly json: boolean;
}

/** `sim merge <dir>… --out DIR`. */
export const runMerge = async (o: MergeCliOptions): Promise<number> => {
  const log = (s: string) => (o.json ? process.stderr : process.stdout).write(`${s}\n`);
  const merged = await Effect.runPromise(mergeShards(o.dirs, o.out));
  const m = merged.parts[0]!.manifest;
  log(
    `${m.scenario}: merged ${merged.parts.length} shard${merged.parts.length === 1 ? "" : "s"}, ${m.total_runs} runs → ${merged.outDir}`,
  );
  printRuns(merged.parts, merged, o.json, log);
  return 0;
};

export interface JobCliOptions {
  readonly scenario: string;
  readonly parallelism: number;
  readonly image: string;
  readonly volumeClaim: string | undefined;
  readonly storage: string;
  readonly threads: number;
  readonly out: string | undefined;
  readonly seed: number | undefined;
  readonly seeds: number | undefined;
  readonly blocks: number | undefined;
  readonly eventLog: boolean;
}

/** `sim job <scenario> --parallelism N`: writes job.yaml and merge-job.yaml. */
export const writeJob = async (o: JobCliOptions): Promise<{ job: string; merge: string }> => {
  if (!Number.isSafeInteger(o.parallelism) || o.parallelism < 1)
    throw new Error(`--parallelism ${o.parallelism}: must be a positive integer`);
  const scenario = loadScenario(o.scenario);
  const runs = expandRuns(scenario, {
    ...(o.seed !== undefined ? { first: o.seed } : {}),
    ...(o.seeds !== undefined ? { count: o.seeds } : {}),
  }).length;
  const m = jobManifests({
    scenarioPath: o.scenario,
    scenarioText: await readFile(o.scenario, "utf8"),
    scenarioName: scenarioName(o.scenario),
    parallelism: o.parallelism,
    image: o.image,
    volumeClaim: o.volumeClaim,
    storage: o.storage,
    threads: o.threads,
    runFlags: sweepFlags(o),
  });
  const outDir = resolve(o.out ?? join("out", scenarioName(o.scenario), "k8s"));
  await mkdir(outDir, { recursive: true });
  const job = join(outDir, "job.yaml");
  const merge = join(outDir, "merge-job.yaml");
  await writeFile(job, toYaml(...m.sweep));
  await writeFile(merge, toYaml(...m.merge));
  const idle =
    o.parallelism > runs
      ? ` (${o.parallelism - runs} shards will have no run: the sweep has ${runs})`
      : "";
  console.log(
    [
      `${o.scenario}: ${runs} runs in ${o.parallelism} shards${idle}; shard I runs indexes I, I+${o.parallelism}, …`,
      `job:    ${job}`,
      `merge:  ${merge}`,
      `run it: kubectl apply -f ${job}`,
      `        kubectl wait --for=condition=complete --timeout=24h job/${m.name}`,
      `        kubectl apply -f ${merge}`,
      `        kubectl wait --for=condition=complete --timeout=1h job/${m.name}-merge`,
      `results on claim ${m.claim}: /parts/${m.name}/results (results.duckdb, parquet/, report.html)`,
    ].join("\n"),
  );
  return { job, merge };
};

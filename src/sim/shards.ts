/**
 * Distributed sweeps: a scenario's runs (every sweep point × every seed, in
 * `expandRuns` order) split into N shards by run index — run i belongs to
 * shard i mod N — so shard I of N runs indexes I, I+N, I+2N, … on any
 * machine, without coordination. Each shard leaves a part: one Parquet file
 * per results table (`parquet/`) and `manifest.json`, written last (a part
 * without one is unfinished). `shard-merge.ts` checks the parts against
 * each other and merges them into one results folder.
 */
import { createHash } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Schema } from "effect";
import { runIdOf } from "./outputs/names.ts";
import type { RunSpec } from "./scenario.ts";

export const MANIFEST_FILE = "manifest.json";
export const MANIFEST_FORMAT = 1;

/** Shard of the run at `index` (0-based, in expandRuns order). */
export const shardOf = (index: number, of: number): number => index % of;

/** The runs of shard `shard` of `of`, each with its index in the whole sweep. */
export const shardRuns = <S extends RunSpec>(
  specs: readonly S[],
  shard: number,
  of: number,
): { readonly index: number; readonly spec: S }[] =>
  specs.flatMap((spec, index) => (shardOf(index, of) === shard ? [{ index, spec }] : []));

/** Each run's run_id (the key of every results table), as the sink will name it. */
export const runIdsOf = (specs: readonly RunSpec[]): string[] =>
  specs.map((s) => runIdOf(s.scenario.name, s.seed, s.overrides));

/** A usage problem with --shard/--of, or undefined. */
export const checkShardFlags = (
  shard: number | undefined,
  of: number | undefined,
): string | undefined => {
  if (shard === undefined && of === undefined) return undefined;
  if (shard === undefined || of === undefined)
    return "--shard and --of go together (e.g. --shard 0 --of 4)";
  if (!Number.isSafeInteger(of) || of < 1)
    return `--of ${of}: the number of shards must be a positive integer`;
  if (!Number.isSafeInteger(shard) || shard < 0 || shard >= of)
    return `--shard ${shard}: must be an integer from 0 to ${of - 1} (shards are numbered from 0, as JOB_COMPLETION_INDEX is)`;
  return undefined;
};

const sha256 = (data: string | Uint8Array): string =>
  createHash("sha256").update(data).digest("hex");

export const ShardRun = Schema.Struct({
  index: Schema.Number,
  run_id: Schema.String,
  seed: Schema.Number,
  status: Schema.String,
  blocks: Schema.Number,
  events: Schema.Number,
  event_log_sha256: Schema.String,
  app_hash: Schema.String,
});
export type ShardRun = typeof ShardRun.Type;

export const ShardManifest = Schema.Struct({
  format: Schema.Literal(MANIFEST_FORMAT),
  scenario: Schema.String,
  /** The scenario file as named on the command line (recorded in runs.config, so it must match across shards). */
  source: Schema.String,
  /** sha256 of the scenario file's bytes. */
  scenario_sha256: Schema.String,
  /** sha256 over everything that decides the sweep's rows: the scenario file, its source path, blocks, event log on/off, every run id in order. */
  sweep_sha256: Schema.String,
  blocks: Schema.Number,
  event_log: Schema.Boolean,
  total_runs: Schema.Number,
  shard: Schema.Number,
  of: Schema.Number,
  runs: Schema.Array(ShardRun),
});
export type ShardManifest = typeof ShardManifest.Type;

export interface SweepIdentity {
  readonly scenario: string;
  readonly source: string;
  readonly scenarioSha256: string;
  readonly sweepSha256: string;
  readonly blocks: number;
  readonly eventLog: boolean;
  readonly totalRuns: number;
}

/** What every shard of one sweep agrees on, from the scenario file's bytes and the run options. */
export const sweepIdentity = (o: {
  scenario: string;
  source: string;
  fileBytes: Uint8Array;
  blocks: number;
  eventLog: boolean;
  runIds: readonly string[];
}): SweepIdentity => {
  const scenarioSha256 = sha256(o.fileBytes);
  const sweepSha256 = sha256(
    JSON.stringify({
      scenarioSha256,
      source: o.source,
      blocks: o.blocks,
      eventLog: o.eventLog,
      runIds: o.runIds,
    }),
  );
  return {
    scenario: o.scenario,
    source: o.source,
    scenarioSha256,
    sweepSha256,
    blocks: o.blocks,
    eventLog: o.eventLog,
    totalRuns: o.runIds.length,
  };
};

export const manifestOf = (
  id: SweepIdentity,
  shard: number,
  of: number,
  runs: readonly ShardRun[],
): ShardManifest => ({
  format: MANIFEST_FORMAT,
  scenario: id.scenario,
  source: id.source,
  scenario_sha256: id.scenarioSha256,
  sweep_sha256: id.sweepSha256,
  blocks: id.blocks,
  event_log: id.eventLog,
  total_runs: id.totalRuns,
  shard,
  of,
  runs,
});

/** Writes the manifest through a temporary file and a rename, so a reader sees all of it or none. */
export const writeManifest = async (dir: string, m: ShardManifest): Promise<void> => {
  const tmp = join(dir, `${MANIFEST_FILE}.tmp`);
  await writeFile(tmp, `${JSON.stringify(m, null, 2)}\n`);
  await rename(tmp, join(dir, MANIFEST_FILE));
};

const decodeManifest = Schema.decodeUnknownSync(ShardManifest);

/** Reads and checks a part's manifest; the error names the file. */
export const readManifest = async (dir: string): Promise<ShardManifest> => {
  const file = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new Error(
      `${dir} holds no ${MANIFEST_FILE}: not a shard's part, or its shard has not finished (run r3mes sim run <scenario> --shard I --of N --out ${dir})`,
    );
  }
  try {
    return decodeManifest(JSON.parse(text));
  } catch (e) {
    throw new Error(
      `${file} is not a shard manifest (format ${MANIFEST_FORMAT}): ${e instanceof Error ? e.message : String(e)}`,
    );
  }
};

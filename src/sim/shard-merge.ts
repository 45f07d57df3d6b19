/**
 * `r3mes sim merge`: shard parts (shards.ts) in, one results folder out —
 * `results.duckdb`, `parquet/` and the report, the same tables and event-log
 * hashes as the sweep run on one machine. Before writing anything it checks
 * that the parts are one sweep (same sweep_sha256), that every shard 0…N−1
 * is there exactly once, and that each part holds exactly its shard's runs.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Effect } from "effect";
import { writeReports } from "../../reports/render.ts";
import { attempt, DuckDbSink, OutputError, openResultsDb } from "./outputs/duckdb-sink.ts";
import {
  exportParquet,
  type OutputPaths,
  PARQUET_DIR,
  RESULTS_FILE,
} from "./outputs/output-sink.ts";
import { quoteIdent, sqlString, tableNames } from "./outputs/tables.ts";
import { MANIFEST_FILE, readManifest, type ShardManifest, shardOf } from "./shards.ts";

export interface Part {
  readonly dir: string;
  readonly manifest: ShardManifest;
}

/** A folder given to merge is a part (it holds manifest.json) or a folder of parts (its sub-folders that hold one). */
export const findParts = async (dirs: readonly string[]): Promise<string[]> => {
  const found: string[] = [];
  for (const d of dirs.map((x) => resolve(x))) {
    if (!(await stat(d).catch(() => undefined))?.isDirectory())
      throw new Error(`${d} is not a folder`);
    if (existsSync(join(d, MANIFEST_FILE))) {
      found.push(d);
      continue;
    }
    const subs = (await readdir(d, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => join(d, e.name))
      .sort();
    const parts = subs.filter((s) => existsSync(join(s, MANIFEST_FILE)));
    if (parts.length === 0)
      throw new Error(
        `${d} holds no ${MANIFEST_FILE}, nor any sub-folder with one: not a shard's part (an unfinished shard writes its manifest last)`,
      );
    found.push(...parts);
  }
  return found;
};

const short = (h: string) => h.slice(0, 12);
const describe = (p: Part) =>
  `${p.dir}: ${p.manifest.scenario} (${p.manifest.source}, scenario sha256 ${short(p.manifest.scenario_sha256)}…, ${p.manifest.total_runs} runs of ${p.manifest.blocks} blocks, event log ${p.manifest.event_log ? "on" : "off"}, shard ${p.manifest.shard} of ${p.manifest.of})`;

/** Checks that the parts make one whole sweep; returns them in shard order, or throws naming what is wrong. */
export const checkParts = (parts: readonly Part[]): Part[] => {
  if (parts.length === 0) throw new Error("no parts to merge");
  const first = parts[0]!;
  const strangers = parts.filter((p) => p.manifest.sweep_sha256 !== first.manifest.sweep_sha256);
  if (strangers.length > 0) {
    throw new Error(
      `the parts are not one sweep (their scenario file, its path, --blocks, --seed/--seeds or the event log setting differ):\n  ${describe(first)}\n  ${strangers.map(describe).join("\n  ")}`,
    );
  }
  const ofs = [...new Set(parts.map((p) => p.manifest.of))];
  if (ofs.length > 1)
    throw new Error(
      `the parts split the sweep differently (--of ${ofs.join(", --of ")}):\n  ${parts.map(describe).join("\n  ")}`,
    );
  const of = first.manifest.of;
  const byShard = new Map<number, Part[]>();
  for (const p of parts)
    byShard.set(p.manifest.shard, [...(byShard.get(p.manifest.shard) ?? []), p]);
  const problems: string[] = [];
  const missing = Array.from({ length: of }, (_, i) => i).filter((i) => !byShard.has(i));
  if (missing.length > 0)
    problems.push(
      `missing shard${missing.length > 1 ? "s" : ""} ${missing.join(", ")} of ${of} (run r3mes sim run ${first.manifest.source} --shard I --of ${of} for each)`,
    );
  for (const [shard, ps] of [...byShard].sort(([a], [b]) => a - b)) {
    if (ps.length > 1)
      problems.push(
        `shard ${shard} of ${of} given ${ps.length} times: ${ps.map((p) => p.dir).join(", ")}`,
      );
    if (shard < 0 || shard >= of)
      problems.push(`${ps[0]!.dir} claims shard ${shard}, outside 0…${of - 1}`);
  }
  if (problems.length > 0)
    throw new Error(`cannot merge ${first.manifest.scenario}: ${problems.join("; ")}`);
  for (const p of parts) {
    const want = Array.from({ length: first.manifest.total_runs }, (_, i) => i).filter(
      (i) => shardOf(i, of) === p.manifest.shard,
    );
    const got = p.manifest.runs.map((r) => r.index);
    if (JSON.stringify(got) !== JSON.stringify(want))
      throw new Error(
        `${p.dir} (shard ${p.manifest.shard} of ${of}) holds runs [${got.join(", ")}], not its shard's runs [${want.join(", ")}]`,
      );
  }
  return [...parts].sort((a, b) => a.manifest.shard - b.manifest.shard);
};

export interface MergeOptions {
  readonly parquet?: boolean;
  readonly report?: boolean;
}

/** Reads, checks and merges the parts under `dirs` into `outDir`. */
export const mergeShards = (
  dirs: readonly string[],
  outDir: string,
  options: MergeOptions = {},
): Effect.Effect<OutputPaths & { readonly parts: readonly Part[] }, OutputError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const found = yield* attempt("finding the parts", () => findParts(dirs));
      const read = yield* attempt("reading the manifests", () =>
        Promise.all(found.map(async (dir) => ({ dir, manifest: await readManifest(dir) }))),
      );
      const parts = yield* Effect.try({
        try: () => checkParts(read),
        catch: (e) =>
          new OutputError({ message: e instanceof Error ? e.message : String(e), cause: e }),
      });
      for (const p of parts) {
        for (const t of tableNames) {
          const file = join(p.dir, PARQUET_DIR, `${t}.parquet`);
          if (!existsSync(file))
            return yield* new OutputError({
              message: `${p.dir} (shard ${p.manifest.shard}) lacks ${join(PARQUET_DIR, `${t}.parquet`)}`,
            });
        }
      }
      const dir = resolve(outDir);
      yield* attempt(`cannot create the output folder ${dir}`, () =>
        mkdir(dir, { recursive: true }),
      );
      const duckdbPath = join(dir, RESULTS_FILE);
      const db = yield* openResultsDb(duckdbPath);
      const tables = yield* attempt(`cannot prepare the tables in ${duckdbPath}`, () =>
        DuckDbSink.open(db, { eventLog: true }),
      );
      yield* attempt("closing the table appenders", () => tables.close());
      const c = db.connection;
      const runIds: string[] = [];
      for (const p of parts) {
        const ids = p.manifest.runs.map((r) => r.run_id);
        runIds.push(...ids);
        const pq = (t: string) => sqlString(join(p.dir, PARQUET_DIR, `${t}.parquet`));
        yield* attempt(`merging shard ${p.manifest.shard} from ${p.dir}`, async () => {
          // The part's runs table must be the manifest's runs, hash for hash.
          const rows = (
            await c.runAndReadAll(
              `SELECT run_id, event_log_sha256 FROM read_parquet(${pq("runs")}) ORDER BY run_id`,
            )
          )
            .getRows()
            .map((r) => `${String(r[0])} ${String(r[1])}`);
          const want = p.manifest.runs.map((r) => `${r.run_id} ${r.event_log_sha256}`).sort();
          if (JSON.stringify(rows) !== JSON.stringify(want))
            throw new Error(
              `its runs.parquet does not match its manifest (runs or event-log hashes differ): the part is damaged; run its shard again`,
            );
          await c.run("BEGIN TRANSACTION");
          try {
            for (const t of tableNames) {
              // A re-merge into the same folder replaces these runs rather than doubling them.
              await c.run(
                `DELETE FROM ${quoteIdent(t)} WHERE run_id IN (SELECT run_id FROM read_parquet(${pq("runs")}))`,
              );
              await c.run(
                `INSERT INTO ${quoteIdent(t)} BY NAME SELECT * FROM read_parquet(${pq(t)})`,
              );
            }
            await c.run("COMMIT");
          } catch (e) {
            await c.run("ROLLBACK").catch(() => undefined);
            throw e;
          }
        });
      }
      let parquetDir: string | undefined;
      if (options.parquet ?? true) {
        const pqDir = join(dir, PARQUET_DIR);
        yield* attempt(`cannot clear ${pqDir}`, () => rm(pqDir, { recursive: true, force: true }));
        parquetDir = yield* exportParquet(db, pqDir);
      }
      const reportPath =
        (options.report ?? true) && runIds.length > 0 ? yield* writeReports(db, dir) : undefined;
      yield* attempt(`checkpointing ${duckdbPath}`, () => c.run("CHECKPOINT"));
      return { outDir: dir, duckdbPath, parquetDir, reportPath, runIds, parts };
    }),
  );

/**
 * Outputs of runs fanned out over worker threads. DuckDB takes one writer
 * per database file, so each worker thread records its runs into a part
 * database of its own (`makeSink`, loaded by src/sim/worker.ts; one part per
 * thread, kept open from its first run to `finishWorker`: opening a database
 * and its tables per run cost more than a short run itself), and the main
 * thread merges the parts into `<outDir>/results.duckdb` (`mergeParts`), then
 * writes Parquet and the report once. A run id appears in one part only;
 * merging first deletes that run's rows, so re-running into the same folder
 * replaces it.
 */
import { readdir, rm } from "node:fs/promises";
import { threadId } from "node:worker_threads";
import { join, resolve } from "node:path";
import { Effect } from "effect";
import { writeReports } from "../../../reports/render.ts";
import type { RunSpec } from "../scenario.ts";
import type { RunSink } from "../sink.ts";
import { attempt, DuckDbSink, type OutputError, openResultsDb } from "./duckdb-sink.ts";
import {
  createOutputSink,
  exportParquet,
  type OutputPaths,
  type OutputSink,
  PARQUET_DIR,
  RESULTS_FILE,
} from "./output-sink.ts";
import { quoteIdent, sqlString, tableNames } from "./tables.ts";

export const PARTS_DIR = ".parts";

export const partDir = (outDir: string, index: number): string =>
  join(resolve(outDir), PARTS_DIR, String(index).padStart(5, "0"));

/** This worker thread's part database, open from its first run until `finishWorker`. */
let part: { readonly outDir: string; readonly sink: OutputSink } | undefined;

/** Worker side: the run records into this thread's part database. */
export const makeSink = async (_spec: RunSpec, _index: number, data: unknown): Promise<RunSink> => {
  const { outDir, eventLog } = data as { outDir: string; eventLog?: boolean };
  if (part?.outDir !== outDir) {
    await finishWorker();
    part = {
      outDir,
      sink: await createOutputSink({
        outDir: partDir(outDir, threadId),
        parquet: false,
        report: false,
        eventLog: eventLog ?? true,
      }),
    };
  }
  const sink = part.sink;
  return {
    start: (run) => sink.start(run),
    block: (block) => sink.block(block),
    end: (run) => sink.end(run),
  };
};

/** Worker side, after its last run: closes the part database. */
export const finishWorker = async (): Promise<void> => {
  const open = part;
  part = undefined;
  if (open) await open.sink.finish();
};

/** Main side: merges every part database under `<outDir>/.parts` into the results, then writes Parquet and the report. */
export const mergeParts = (
  outDir: string,
  options: { readonly parquet?: boolean; readonly report?: boolean } = {},
): Effect.Effect<OutputPaths, OutputError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const dir = resolve(outDir);
      const duckdbPath = join(dir, RESULTS_FILE);
      const db = yield* openResultsDb(duckdbPath);
      const tables = yield* attempt(`cannot prepare the tables in ${duckdbPath}`, () =>
        DuckDbSink.open(db, { eventLog: true }),
      );
      yield* attempt("closing the table appenders", () => tables.close());
      const c = db.connection;
      const runIds: string[] = [];
      const parts = yield* attempt(`listing ${join(dir, PARTS_DIR)}`, async () =>
        (await readdir(join(dir, PARTS_DIR)).catch(() => [])).sort(),
      );
      for (const name of parts) {
        const part = join(dir, PARTS_DIR, name, RESULTS_FILE);
        yield* attempt(`merging ${part}`, async () => {
          await c.run(`ATTACH ${sqlString(part)} AS part (READ_ONLY)`);
          try {
            const ids = (await c.runAndReadAll("SELECT run_id FROM part.runs"))
              .getRows()
              .map((r) => String(r[0]));
            runIds.push(...ids);
            for (const t of tableNames) {
              await c.run(
                `DELETE FROM ${quoteIdent(t)} WHERE run_id IN (SELECT run_id FROM part.runs)`,
              );
              await c.run(`INSERT INTO ${quoteIdent(t)} SELECT * FROM part.${quoteIdent(t)}`);
            }
          } finally {
            await c.run("DETACH part");
          }
        });
      }
      yield* attempt(`removing ${join(dir, PARTS_DIR)}`, () =>
        rm(join(dir, PARTS_DIR), { recursive: true, force: true }),
      );
      let parquetDir: string | undefined;
      if (options.parquet ?? true) {
        const pq = join(dir, PARQUET_DIR);
        yield* attempt(`cannot clear ${pq}`, () => rm(pq, { recursive: true, force: true }));
        parquetDir = yield* exportParquet(db, pq);
      }
      const reportPath = (options.report ?? true) ? yield* writeReports(db, dir) : undefined;
      yield* attempt(`checkpointing ${duckdbPath}`, () => c.run("CHECKPOINT"));
      return { outDir: dir, duckdbPath, parquetDir, reportPath, runIds } satisfies OutputPaths;
    }),
  );

/**
 * What a simulation run leaves behind, in one sink: `<outDir>/results.duckdb`
 * (tables.ts; several runs of a sweep append to it, keyed by run_id), one
 * Parquet file per table in `<outDir>/parquet/`, and a self-contained HTML
 * report (`<outDir>/report.html`: the run's report, or for several runs the
 * sweep's, with each run's own report under `<outDir>/runs/`).
 *
 * Effect callers take `outputSink` (a scoped resource: the database closes
 * with the scope, on error too); others take `createOutputSink`, which
 * returns a RunSink with `finish()` (write outputs, close) and `abort()`.
 */
import { mkdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Cause, Effect, Exit, Scope } from "effect";
import { writeReports } from "../../../reports/render.ts";
import type { BlockRecord, RunEnd, RunSink, RunStart } from "../sink.ts";
import { attempt, DuckDbSink, OutputError, openResultsDb, type ResultsDb } from "./duckdb-sink.ts";
import { quoteIdent, sqlString, tableNames } from "./tables.ts";

export { OutputError } from "./duckdb-sink.ts";

export interface OutputOptions {
  /** Folder for results.duckdb, parquet/ and the report (created if missing). */
  readonly outDir: string;
  /** Record every event in the events table (default true). */
  readonly eventLog?: boolean;
  /** Export each table to Parquet at finish (default true). */
  readonly parquet?: boolean;
  /** Render the HTML report(s) at finish (default true). */
  readonly report?: boolean;
}

export interface OutputPaths {
  readonly outDir: string;
  readonly duckdbPath: string;
  /** Undefined when Parquet export was turned off. */
  readonly parquetDir: string | undefined;
  /** The run's report, or the sweep's for several runs; undefined when turned off. */
  readonly reportPath: string | undefined;
  /** Runs recorded by this sink, in order. */
  readonly runIds: readonly string[];
}

export const RESULTS_FILE = "results.duckdb";
export const PARQUET_DIR = "parquet";

/** Exports every results table to `<dir>/<table>.parquet`. */
export const exportParquet = (db: ResultsDb, dir: string): Effect.Effect<string, OutputError> =>
  Effect.gen(function* () {
    yield* attempt(`cannot create ${dir}`, () => mkdir(dir, { recursive: true }));
    for (const name of tableNames) {
      const file = join(dir, `${name}.parquet`);
      yield* attempt(`exporting ${name} to ${file}`, () =>
        db.connection.run(`COPY ${quoteIdent(name)} TO ${sqlString(file)} (FORMAT parquet)`),
      );
    }
    return dir;
  });

export interface ScopedOutputSink extends RunSink {
  /** Writes Parquet and reports for everything recorded; the sink takes no more runs. */
  readonly finish: Effect.Effect<OutputPaths, OutputError>;
}

export const outputSink = (
  options: OutputOptions,
): Effect.Effect<ScopedOutputSink, OutputError, Scope.Scope> =>
  Effect.gen(function* () {
    const outDir = resolve(options.outDir);
    yield* attempt(`cannot create the output folder ${outDir}`, () =>
      mkdir(outDir, { recursive: true }),
    );
    const duckdbPath = join(outDir, RESULTS_FILE);
    const db = yield* openResultsDb(duckdbPath);
    const sink = yield* attempt(`cannot prepare the tables in ${duckdbPath}`, () =>
      DuckDbSink.open(db, { eventLog: options.eventLog ?? true }),
    );
    const finish = Effect.gen(function* () {
      yield* attempt("closing the table appenders", () => sink.close());
      let parquetDir: string | undefined;
      if (options.parquet ?? true) {
        const dir = join(outDir, PARQUET_DIR);
        yield* attempt(`cannot clear ${dir}`, () => rm(dir, { recursive: true, force: true }));
        parquetDir = yield* exportParquet(db, dir);
      }
      const reportPath =
        (options.report ?? true) && sink.runIds.length > 0
          ? yield* writeReports(db, outDir)
          : undefined;
      yield* attempt(`checkpointing ${duckdbPath}`, () => db.connection.run("CHECKPOINT"));
      return {
        outDir,
        duckdbPath,
        parquetDir,
        reportPath,
        runIds: [...sink.runIds],
      } satisfies OutputPaths;
    });
    return {
      start: (run: RunStart) => sink.start(run),
      block: (block: BlockRecord) => sink.block(block),
      end: (run: RunEnd) => sink.end(run),
      finish,
    };
  });

export interface OutputSink extends RunSink {
  /** Writes Parquet and the report(s), then closes the database. */
  finish(): Promise<OutputPaths>;
  /** Closes the database without writing Parquet or reports (after a failure). */
  abort(): Promise<void>;
}

/** `outputSink` for callers outside Effect: the database stays open until finish or abort. */
export const createOutputSink = async (options: OutputOptions): Promise<OutputSink> => {
  const scope = Effect.runSync(Scope.make());
  const close = (exit: Exit.Exit<unknown, unknown>) => Effect.runPromise(Scope.close(scope, exit));
  let sink: ScopedOutputSink;
  try {
    sink = await Effect.runPromise(outputSink(options).pipe(Scope.provide(scope)));
  } catch (e) {
    await close(Exit.die(e));
    throw e;
  }
  let closed = false;
  const once = async (exit: Exit.Exit<unknown, unknown>) => {
    if (closed) return;
    closed = true;
    await close(exit);
  };
  return {
    start: (run) => sink.start(run),
    block: (block) => sink.block(block),
    end: (run) => sink.end(run),
    finish: async () => {
      if (closed) throw new Error("this output sink is already finished or aborted");
      const exit = await Effect.runPromiseExit(sink.finish);
      await once(exit);
      if (Exit.isSuccess(exit)) return exit.value;
      throw Cause.squash(exit.cause);
    },
    abort: () => once(Exit.void),
  };
};

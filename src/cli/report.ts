/**
 * `r3mes report <dir>`: re-renders the HTML report(s) from the results
 * database a simulation run left in <dir> (results.duckdb), e.g. after
 * editing the queries in reports/queries/ or to render one run of a large
 * sweep. Opens the database read-only: a report never changes results.
 */
import { existsSync, statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { Effect } from "effect";
import { REPORT_FILE, writeReports, writeRunReport } from "../../reports/render.ts";
import { attempt, OutputError, openResultsDb } from "../sim/outputs/duckdb-sink.ts";
import { RESULTS_FILE } from "../sim/outputs/output-sink.ts";

export interface ReportCommandOptions {
  /** A folder holding results.duckdb, or the database file itself. */
  readonly dir: string;
  /** Render only this run (its run_id) to `<out>/report-<run>.html`. */
  readonly run?: string | undefined;
  /** Folder for the HTML (default: the database's folder). */
  readonly out?: string | undefined;
  readonly maxRunReports: number;
}

const fail = (message: string) => Effect.fail(new OutputError({ message }));

export const renderReportsFrom = (o: ReportCommandOptions): Effect.Effect<string, OutputError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const input = resolve(o.dir);
      const file =
        existsSync(input) && statSync(input).isFile() ? input : join(input, RESULTS_FILE);
      if (!existsSync(file)) {
        return yield* fail(
          `no results database at ${file}: give the folder a simulation wrote (\`r3mes sim run <scenario> --out <dir>\` leaves ${RESULTS_FILE} there)`,
        );
      }
      const db = yield* openResultsDb(file, { readOnly: true });
      const tables = yield* attempt(`reading the tables of ${file}`, async () =>
        (await db.connection.runAndReadAll("SELECT table_name FROM information_schema.tables"))
          .getRowObjectsJS()
          .map((r) => String(r.table_name)),
      );
      if (!tables.includes("runs"))
        return yield* fail(
          `${file} is a DuckDB database but holds no R3MES results (no runs table)`,
        );
      const outDir = resolve(o.out ?? dirname(file));
      yield* attempt(`cannot create ${outDir}`, () => mkdir(outDir, { recursive: true }));
      if (o.run !== undefined)
        return yield* writeRunReport(
          db,
          o.run,
          join(outDir, `report-${o.run.replace(/[^A-Za-z0-9=._-]+/g, "_")}.html`),
        );
      return yield* writeReports(db, outDir, { maxRunReports: o.maxRunReports });
    }),
  );

export { REPORT_FILE };

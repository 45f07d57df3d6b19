/** Renders the HTML report(s) of the runs in a results database. */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Effect } from "effect";
import { attempt, type ResultsDb, type OutputError } from "../src/sim/outputs/duckdb-sink.ts";

export const writeReports = (_db: ResultsDb, outDir: string, runIds: readonly string[]): Effect.Effect<string, OutputError> =>
  Effect.gen(function* () {
    const path = join(outDir, "report.html");
    yield* attempt(`writing ${path}`, () => writeFile(path, `<!doctype html><title>R3MES</title><p>${runIds.length} runs</p>`));
    return path;
  });

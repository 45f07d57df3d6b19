/** `r3mes report`: re-renders the HTML report of a results.duckdb (one run, or a sweep with each run's own report) from reports/queries/ (docs/outputs.md). */
import { Console, Effect, Option } from "effect";
import { Argument, Command, Flag } from "effect/cli";
import { userFailure } from "../errors.ts";
import { renderReportsFrom } from "../report.ts";

export const reportCommand = Command.make(
  "report",
  {
    dir: Argument.String("dir").pipe(
      Argument.withDescription(
        "Folder a simulation run wrote (holds results.duckdb), or the path of a results.duckdb",
      ),
    ),
    run: Flag.String("run").pipe(
      Flag.withDescription(
        "Render only the run with this run_id (e.g. lazy_10/seed=3) to <out>/report-<run>.html",
      ),
      Flag.optional,
    ),
    out: Flag.String("out").pipe(
      Flag.withDescription("Folder to write the HTML into (default: the folder of results.duckdb)"),
      Flag.optional,
    ),
    maxRunReports: Flag.Int("max-run-reports").pipe(
      Flag.withDescription(
        "For several runs: how many per-run reports to write under <out>/runs/ beside the sweep report",
      ),
      Flag.withDefault(50),
    ),
    json: Flag.Boolean("json").pipe(
      Flag.withDescription('Print {"report":"<path>"} instead of text'),
      Flag.withDefault(false),
    ),
  },
  (f) =>
    renderReportsFrom({
      dir: f.dir,
      run: Option.getOrUndefined(f.run),
      out: Option.getOrUndefined(f.out),
      maxRunReports: f.maxRunReports,
    }).pipe(
      Effect.mapError((e) => userFailure("report failed")(new Error(e.message))),
      Effect.flatMap((path) =>
        Console.log(f.json ? JSON.stringify({ report: path }) : `report: ${path}`),
      ),
    ),
).pipe(
  Command.withDescription(
    "Re-render the self-contained HTML report from a results database (results.duckdb): one run's report, or for " +
      "several runs (seeds, sweep points) a sweep report comparing them plus each run's own report under runs/. " +
      "Charts: cumulative rewards per actor class, lazy-miner detection, slashes, stake Gini and stake by class, " +
      "verification tier usage, throughput; data from the SQL in reports/queries/. The database is opened read-only.",
  ),
  Command.withExamples([
    {
      command: "r3mes report out/lazy_10",
      description: "Re-render out/lazy_10/report.html from out/lazy_10/results.duckdb",
    },
    {
      command: "r3mes report out/sweep --run lazy_10/seed=7",
      description: "Render one run of a sweep to out/sweep/report-lazy_10_seed=7.html",
    },
    {
      command: "r3mes report out/sweep/results.duckdb --out /tmp/r --json",
      description: "Write the reports elsewhere and print the path as JSON",
    },
  ]),
);

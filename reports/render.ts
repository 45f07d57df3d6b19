/**
 * Renders the HTML reports of a results database: for one run, its report
 * as `<outDir>/report.html`; for several (seeds, sweep points), a sweep
 * report there comparing them, and each run's own report under
 * `<outDir>/runs/` (the first `maxRunReports`; `r3mes report --run` renders
 * any other). Data come only from the SQL in reports/queries/.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { Effect } from "effect";
import { attempt, OutputError, type ResultsDb } from "../src/sim/outputs/duckdb-sink.ts";
import * as charts from "./charts.ts";
import { type Column, esc, fmt, keyValueTable, page, parseJsonObject, table } from "./html.ts";
import { runProfitSection, sweepProfitSection } from "./profit-html.ts";
import { type Row, runQuery } from "./queries.ts";

export const REPORT_FILE = "report.html";
export const RUN_REPORTS_DIR = "runs";

const parse = parseJsonObject;

const pointText = (json: unknown): string => {
  const p = parse(json);
  const keys = Object.keys(p).sort();
  return keys.length === 0 ? "—" : keys.map((k) => `${k} = ${String(p[k])}`).join(", ");
};

const FOOTER =
  "Generated from <code>results.duckdb</code> (tables runs, windows, actors, profit, submissions, slashes, rewards, disputes, blocks, stake, events, model; " +
  "Parquet copies in <code>parquet/</code>) by the queries in <code>reports/queries/*.sql</code>. Amounts in REMES (1 REMES = 10⁶ uremes).";

const classColumns: readonly Column[] = [
  { key: "actor_kind", label: "Actor class" },
  { key: "actors", label: "Actors", numeric: true },
  { key: "rewards_per_actor_remes", label: "Rewards per actor (REMES)", numeric: true },
  { key: "slashes", label: "Slashes", numeric: true },
  { key: "actors_slashed", label: "Actors slashed", numeric: true },
  { key: "slashed_remes", label: "Slashed (REMES)", numeric: true },
  { key: "final_stake_per_actor_remes", label: "Final stake per actor (REMES)", numeric: true },
  { key: "submissions", label: "Submissions", numeric: true },
  { key: "verified", label: "Verified", numeric: true },
  { key: "rejected", label: "Rejected", numeric: true },
  { key: "traps_caught", label: "Caught by traps", numeric: true },
];

/** The command that reruns this run: its scenario file as given to sim run (else the shipped scenario of its name); the sweep point is named, not encoded. */
const reproduce = (run: Row): string => {
  const configured = parse(run.config).blocks;
  const blocks =
    typeof configured === "number" && configured !== Number(run.planned_blocks)
      ? ` --blocks ${String(run.planned_blocks)}`
      : "";
  const point =
    Object.keys(parse(run.sweep_point)).length > 0
      ? ` (sweep point ${esc(pointText(run.sweep_point))})`
      : "";
  const source = parse(run.config).source;
  const path = typeof source === "string" ? source : `scenarios/${String(run.scenario)}.json`;
  return `<code>r3mes sim run ${esc(path)} --seed ${esc(run.seed)}${esc(blocks)}</code>${point}`;
};

const runFacts = (run: Row): string => {
  const status =
    run.status === "ok"
      ? "completed, every invariant held"
      : `<span class="violation">invariant violated at height ${esc(run.violation_height)}: ${esc(run.violation)}</span>`;
  const rows: [string, string][] = [
    ["Run", `<code>${esc(run.run_id)}</code>`],
    ["Scenario", esc(run.scenario)],
    ["Seed", esc(run.seed)],
    ["Sweep point", esc(pointText(run.sweep_point))],
    ["Status", status],
    ["Blocks", `${esc(fmt(run.blocks))} of ${esc(fmt(run.planned_blocks))} planned`],
    ["Events", esc(fmt(run.events))],
    ["Actors", esc(fmt(run.actors))],
    [
      "Supply (REMES)",
      `genesis ${esc(fmt(run.supply_genesis_remes))}, minted ${esc(fmt(run.supply_minted_remes))}, burned ${esc(fmt(run.supply_burned_remes))}`,
    ],
    [
      "Final stake Gini",
      `miners ${esc(fmt(run.miner_stake_gini_pct))} %, validators ${esc(fmt(run.validator_stake_gini_pct))} %`,
    ],
    ["App hash", `<code>${esc(run.app_hash)}</code>`],
    ["Event log sha256", `<code>${esc(run.event_log_sha256)}</code>`],
    ["Reproduce with", reproduce(run)],
  ];
  return `<table><tbody>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join("\n")}</tbody></table>`;
};

const parameters = (run: Row): string =>
  `${keyValueTable(parse(run.config), "Scenario configuration, as given")}
<details open><summary>Protocol parameters (governance params at genesis)</summary>
${keyValueTable(parse(run.params), "Protocol parameters")}
</details>`;

/** The HTML report of one run (a row of the runs query). */
export const renderRunReport = async (
  c: DuckDBConnection,
  run: Row,
  backLink?: string,
): Promise<string> => {
  const id = String(run.run_id);
  const q = (name: Parameters<typeof runQuery>[1]) => runQuery(c, name, id);
  const profit = await runProfitSection(c, run);
  const figures = [
    charts.cumulativeRewardsChart(await q("cumulative_rewards")),
    charts.detectionChart(await q("detection")),
    charts.slashesChart(await q("slashes")),
    charts.giniChart(await q("stake_gini")),
    charts.stakeShareChart(await q("stake_share")),
    charts.tiersChart(await q("tiers")),
    charts.throughputChart(await q("throughput")),
  ];
  // The model charts, where the run has a model (the simulated backend).
  const model = await q("model");
  if (model.length > 0) figures.push(...charts.modelCharts(model));
  return page({
    title: `R3MES simulation report — ${String(run.scenario)}, seed ${String(run.seed)}`,
    lede:
      `Scenario <strong>${esc(run.scenario)}</strong>, seed <strong>${esc(run.seed)}</strong>, sweep point ${esc(pointText(run.sweep_point))}.` +
      (backLink ? ` <a href="${esc(backLink)}">Back to the sweep report</a>.` : ""),
    sections: [
      { id: "profit", title: "Does it pay?", html: profit.html },
      {
        id: "summary",
        title: "Summary",
        html:
          runFacts(run) + table(classColumns, await q("class_summary"), "Outcome by actor class"),
      },
      { id: "charts", title: "Charts", html: figures.map((f) => f.html).join("\n") },
      { id: "parameters", title: "Scenario and parameters", html: parameters(run) },
    ],
    footer: FOOTER,
  });
};

const compareValues = (a: unknown, b: unknown): number =>
  typeof a === "number" && typeof b === "number"
    ? a - b
    : String(a ?? "") < String(b ?? "")
      ? -1
      : String(a ?? "") > String(b ?? "")
        ? 1
        : 0;

/** Runs in reading order: scenario, then sweep point (numerically where numbers), then seed. */
export const sortRuns = <R extends Row>(runs: readonly R[]): R[] => {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(parse(r.sweep_point))))].sort();
  return [...runs].sort((a, b) => {
    const s = compareValues(a.scenario, b.scenario);
    if (s !== 0) return s;
    const pa = parse(a.sweep_point);
    const pb = parse(b.sweep_point);
    for (const k of keys) {
      const c = compareValues(pa[k], pb[k]);
      if (c !== 0) return c;
    }
    return compareValues(Number(a.seed), Number(b.seed));
  });
};

/** Sweep coordinates that vary across runs: the one with the most values first (the x axis), then by name. */
const varyingKeys = (runs: readonly Row[]): string[] => {
  const values = new Map<string, Set<string>>();
  for (const r of runs)
    for (const [k, v] of Object.entries(parse(r.sweep_point))) {
      const s = values.get(k) ?? new Set();
      s.add(JSON.stringify(v));
      values.set(k, s);
    }
  return [...values.keys()]
    .filter((k) => values.get(k)!.size > 1)
    .sort((a, b) => values.get(b)!.size - values.get(a)!.size || (a < b ? -1 : 1));
};

/**
 * The model's final loss across the sweep, where runs have a model. When the
 * poisoners' share of the miners varies it is the x axis (a sweep over a
 * group's count), coloured by the aggregation method if that varies too.
 */
const modelComparison = async (
  c: DuckDBConnection,
  keys: readonly string[],
  x: string,
  series: string | undefined,
): Promise<charts.Chart[]> => {
  const rows = (await runQuery(c, "model_sweep")).map((r) => ({ ...r, ...parse(r.sweep_point) }));
  if (rows.length === 0) return [];
  const byShare = new Set(rows.map((r) => r.poisoner_share_pct)).size > 1;
  const method = keys.find((k) => k.endsWith(".method"));
  const mx = byShare ? "poisoner_share_pct" : x;
  const ms = byShare ? (method ?? keys.find((k) => !k.endsWith(".count"))) : series;
  const colour = ms ? `colour: ${ms}` : undefined;
  const data = rows.map((r) => (ms && colour ? { ...r, [colour]: String(r[ms]) } : r));
  const label = byShare ? "poisoners' share of the miners (%)" : mx;
  return [
    charts.modelSweepChart(data, mx, label, colour, "peak"),
    charts.modelSweepChart(data, mx, label, colour, "final"),
  ];
};

/** The sweep report: every run in a table, and measures compared across sweep points. */
export const renderSweepReport = async (
  c: DuckDBConnection,
  runs: readonly Row[],
  links: ReadonlyMap<string, string>,
): Promise<string> => {
  const sweep = await runQuery(c, "sweep");
  const keys = varyingKeys(runs);
  const x = keys[0] ?? "seed";
  const series = keys[1];
  // Colour needs categories: the series coordinate as text, beside its own (numeric) column.
  const seriesField = `colour: ${series ?? ""}`;
  const withPoint: Row[] = sweep.map((r) => {
    const p = parse(r.sweep_point);
    return {
      ...r,
      ...p,
      seed: Number(r.seed),
      ...(series ? { [seriesField]: String(p[series]) } : {}),
    };
  });
  const perRun = sortRuns([...new Map(withPoint.map((r) => [String(r.run_id), r])).values()]);
  const hasLazy = perRun.some((r) => Number(r.lazy_miners) > 0);
  const against = x === "seed" ? "seed (no sweep coordinate varies)" : x;
  const colour = series ? `; colour: ${series}` : "";
  const seriesDomain = series
    ? [...new Set(withPoint.map((r) => String(r[seriesField])))].sort(
        (a, b) => compareValues(Number(a), Number(b)) || compareValues(a, b),
      )
    : undefined;
  const figures = [
    ...(hasLazy
      ? [
          charts.sweepChart(
            "sweep-detection",
            `Lazy miners caught vs ${against}`,
            `Percentage of lazy miners slashed for lazy mining at least once by the end of each run; dots are runs (seeds), the line is their mean${colour}`,
            perRun.filter((r) => r.lazy_caught_pct !== null),
            x,
            "lazy_caught_pct",
            "Lazy miners caught (%)",
            series && seriesField,
            seriesDomain,
          ),
        ]
      : []),
    charts.sweepChart(
      "sweep-rewards",
      `Rewards per actor by class vs ${against}`,
      "REMES minted to the average actor of each class over the whole run; dots are runs, lines the mean over seeds",
      withPoint.filter((r) => r.actor_kind !== null),
      x,
      "rewards_per_actor_remes",
      "REMES per actor",
      "actor_kind",
    ),
    charts.sweepChart(
      "sweep-gini",
      `Final miner stake Gini vs ${against}`,
      `Gini coefficient of the miners' bonded stake at the last block (%), per run and mean over seeds${colour}`,
      perRun,
      x,
      "miner_stake_gini_pct",
      "Gini (%)",
      series && seriesField,
      seriesDomain,
    ),
  ];
  figures.push(...(await modelComparison(c, keys, x, series)));
  const scenarios = [...new Set(runs.map((r) => String(r.scenario)))];
  const honest = new Map(
    withPoint
      .filter((r) => r.actor_kind === "honest_miner")
      .map((r) => [String(r.run_id), r.rewards_per_actor_remes]),
  );
  const lazy = new Map(
    withPoint
      .filter((r) => r.actor_kind === "lazy_miner")
      .map((r) => [String(r.run_id), r.rewards_per_actor_remes]),
  );
  const index = new Map(perRun.map((r, i) => [String(r.run_id), i + 1]));
  const runCell = (r: Row) => {
    const id = String(r.run_id);
    const label = `#${index.get(id) ?? ""}`;
    return links.has(id)
      ? `<a href="${esc(links.get(id))}" title="${esc(id)}">${esc(label)}</a>`
      : `<span title="${esc(id)}">${esc(label)}</span>`;
  };
  const runTable = table(
    [
      { key: "run_id", label: "Run", html: runCell },
      { key: "seed", label: "Seed", numeric: true },
      ...keys.map((k) => ({
        key: k,
        label: k,
        numeric: perRun.every((r) => typeof r[k] === "number"),
      })),
      { key: "status", label: "Status" },
      { key: "blocks", label: "Blocks", numeric: true },
      { key: "lazy_caught", label: "Lazy miners caught", numeric: true },
      { key: "honest", label: "Honest miner rewards (REMES/actor)", numeric: true },
      { key: "lazy", label: "Lazy miner rewards (REMES/actor)", numeric: true },
      { key: "miner_stake_gini_pct", label: "Miner stake Gini (%)", numeric: true },
    ],
    perRun.map((r) => ({
      ...r,
      lazy_caught:
        Number(r.lazy_miners) > 0 ? `${String(r.lazy_caught)} of ${String(r.lazy_miners)}` : "—",
      honest: honest.get(String(r.run_id)) ?? null,
      lazy: lazy.get(String(r.run_id)) ?? null,
    })),
    `Run ids (the run_id column of every table): ${scenarios.length === 1 ? `${scenarios[0]}/` : "<scenario>/"}seed=N${keys.map((k) => `/${k}=…`).join("")}; hover a run for its id, click it for its report.`,
  );
  const seeds = [...new Set(runs.map((r) => Number(r.seed)))].sort((a, b) => a - b);
  const first = runs[0]!;
  const unlinked = runs.length - links.size;
  return page({
    title: `R3MES sweep report — ${scenarios.join(", ")}`,
    lede: `${runs.length} runs: scenario ${scenarios.map(esc).join(", ")}; seeds ${esc(seeds.join(", "))}; sweep coordinates ${keys.length > 0 ? esc(keys.join(", ")) : "none (seeds only)"}.`,
    sections: [
      { id: "profit", title: "Does it pay?", html: (await sweepProfitSection(c, runs, keys)).html },
      {
        id: "runs",
        title: "Runs",
        html:
          runTable +
          (unlinked > 0
            ? `<p>${unlinked} runs have no report of their own here; render one with <code>r3mes report &lt;dir&gt; --run &lt;run id&gt;</code>.</p>`
            : ""),
      },
      {
        id: "comparison",
        title: "Comparison across the sweep",
        html: figures.map((f) => f.html).join("\n"),
      },
      {
        id: "parameters",
        title: "Scenario and parameters (first run)",
        html:
          `<p>Run <code>${esc(first.run_id)}</code>, seed ${esc(first.seed)}; other runs differ by their sweep point and seed.</p>` +
          parameters(first),
      },
    ],
    footer: FOOTER,
  });
};

const slug = (runId: string): string => runId.replace(/[^A-Za-z0-9=._-]+/g, "_");

export interface ReportOptions {
  /** Per-run reports written beside a sweep report (default 50). */
  readonly maxRunReports?: number;
}

/** Writes report.html (and runs/*.html for a sweep) for every run in the database; returns report.html's path. */
export const writeReports = (
  db: ResultsDb,
  outDir: string,
  options: ReportOptions = {},
): Effect.Effect<string, OutputError> =>
  Effect.gen(function* () {
    const c = db.connection;
    const runs = sortRuns(
      yield* attempt(`reading the runs of ${db.path}`, () => runQuery(c, "runs")),
    );
    if (runs.length === 0)
      return yield* new OutputError({
        message: `${db.path} holds no runs yet; record one with \`r3mes sim run <scenario> --out <dir>\``,
      });
    const path = join(outDir, REPORT_FILE);
    const runsDir = join(outDir, RUN_REPORTS_DIR);
    yield* attempt(`clearing ${runsDir}`, () => rm(runsDir, { recursive: true, force: true }));
    if (runs.length === 1) {
      const html = yield* attempt("rendering the run report", () => renderRunReport(c, runs[0]!));
      yield* attempt(`writing ${path}`, () => writeFile(path, html));
      return path;
    }
    const links = new Map<string, string>();
    const max = options.maxRunReports ?? 50;
    if (max > 0) yield* attempt(`creating ${runsDir}`, () => mkdir(runsDir, { recursive: true }));
    for (const [i, run] of runs.slice(0, max).entries()) {
      const file = `${String(i + 1).padStart(3, "0")}-${slug(String(run.run_id))}.html`;
      const html = yield* attempt(`rendering the report of ${String(run.run_id)}`, () =>
        renderRunReport(c, run, `../${REPORT_FILE}`),
      );
      yield* attempt(`writing ${file}`, () => writeFile(join(runsDir, file), html));
      links.set(String(run.run_id), `${RUN_REPORTS_DIR}/${file}`);
    }
    const html = yield* attempt("rendering the sweep report", () =>
      renderSweepReport(c, runs, links),
    );
    yield* attempt(`writing ${path}`, () => writeFile(path, html));
    return path;
  });

/** Renders one run's report to `file` (for `r3mes report --run`). */
export const writeRunReport = (
  db: ResultsDb,
  runId: string,
  file: string,
): Effect.Effect<string, OutputError> =>
  Effect.gen(function* () {
    const runs = yield* attempt(`reading the runs of ${db.path}`, () =>
      runQuery(db.connection, "runs"),
    );
    const run = runs.find((r) => r.run_id === runId);
    if (!run) {
      const known = runs
        .slice(0, 10)
        .map((r) => String(r.run_id))
        .join(", ");
      return yield* new OutputError({
        message: `no run ${runId} in ${db.path}; it holds ${runs.length} runs (${known}${runs.length > 10 ? ", …" : ""})`,
      });
    }
    const html = yield* attempt("rendering the run report", () =>
      renderRunReport(db.connection, run),
    );
    yield* attempt(`writing ${file}`, () => writeFile(file, html));
    return file;
  });

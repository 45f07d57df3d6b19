/**
 * The reports' "Does it pay?" section: the first chart, the verdicts in
 * plain words, the profit breakdown by class, the cost model in effect and,
 * for lazy miners, the closed forms of trap detection beside the measured
 * rates. A run report compares over the run's actors; a sweep report pairs
 * per seed at each sweep point and finds where along the swept parameter an
 * attack stops paying. Method: docs/profit.md.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { resolveCosts } from "../src/sim/costs.ts";
import type { Scenario } from "../src/sim/scenario.ts";
import * as charts from "./charts.ts";
import { type Column, esc, keyValueTable, parseJsonObject, table } from "./html.ts";
import {
  breakEven,
  type Comparison,
  compareClasses,
  compareCoalitions,
  lazyClosedForms,
  type LazyClosedForm,
  remes,
} from "./profit.ts";
import { type Row, runQuery } from "./queries.ts";

const parse = parseJsonObject;

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

const pointOf = (c: Comparison): charts.ProfitPoint => ({
  kind: c.kind,
  label: `${c.kind} vs ${c.counterpart}`,
  mean: c.estimate.mean,
  lo: c.estimate.lo ?? null,
  hi: c.estimate.hi ?? null,
});

const VERDICT_CLASS = {
  profitable: "pays",
  "not profitable": "loses",
  inconclusive: "unsure",
} as const;

const verdictList = (cs: readonly Comparison[]): string =>
  cs.length === 0
    ? ""
    : `<ul class="verdicts">${cs.map((c) => `<li class="${VERDICT_CLASS[c.verdict]}">${esc(c.text)}</li>`).join("\n")}</ul>`;

const classColumns: readonly Column[] = [
  { key: "actor_kind", label: "Actor class" },
  { key: "actors", label: "Actors", numeric: true },
  { key: "profit_per_actor_remes", label: "Profit per actor", numeric: true },
  { key: "net_per_actor_remes", label: "On-chain net", numeric: true },
  { key: "rewards_per_actor_remes", label: "Rewards", numeric: true },
  { key: "slashed_per_actor_remes", label: "Slashed", numeric: true },
  { key: "bonds_lost_per_actor_remes", label: "Bonds lost", numeric: true },
  { key: "bonds_won_per_actor_remes", label: "Bonds won, bounties", numeric: true },
  { key: "fees_per_actor_remes", label: "Fees", numeric: true },
  { key: "work_cost_per_actor_remes", label: "Cost of work", numeric: true },
  { key: "capital_cost_per_actor_remes", label: "Capital cost", numeric: true },
  { key: "gpu_hours_per_actor", label: "Device-hours", numeric: true },
  { key: "profit_pct_of_stake", label: "Profit (% of stake)", numeric: true },
  { key: "profit_per_gpu_hour_remes", label: "Profit per device-hour", numeric: true },
];

const closedFormTable = (forms: readonly LazyClosedForm[], caption: string): string =>
  forms.length === 0
    ? ""
    : table(
        [
          { key: "group", label: "lazy_miner group" },
          { key: "actors", label: "Actors", numeric: true },
          { key: "t", label: "Trap rate t", numeric: true },
          { key: "f", label: "Skip share f", numeric: true },
          { key: "n", label: "Tasks per actor n", numeric: true },
          { key: "per_task", label: "Trap catch per task: t·f | measured", numeric: true },
          { key: "within", label: "Caught within n: 1 − (1 − t·f)ⁿ | measured", numeric: true },
          {
            key: "value",
            label: "Value of a lazy task vs honest (REMES): trap-only closed form | measured",
            numeric: true,
          },
        ],
        forms.map((f) => ({
          group: f.group,
          actors: f.actors,
          t: f.t,
          f: f.f,
          n: f.n,
          per_task: `${pct(f.perTaskClosed)} | ${pct(f.perTaskMeasured)}`,
          within: `${pct(f.withinClosed)} | ${pct(f.withinMeasured)}`,
          value: `${remes(f.valueClosed)} | ${Number.isNaN(f.valueMeasured) ? "—" : remes(f.valueMeasured)}`,
        })),
        caption,
      );

const CLOSED_FORM_NOTE =
  "Closed forms count trap jobs only: a task is a trap with chance t and a lazy miner fakes it with chance f, so a trap catches t·f of its tasks and catches it at least once within n tasks " +
  "with chance 1 − (1 − t·f)ⁿ. The value of a lazy task against an honest one is f·(c·(1 − e) − t·(r + S)): the training it saves (c, the run's honest cost per task; e, the effort of a partial fake) " +
  "against the reward r and the lazy-mining slash S it loses when that task is a trap. The measured value is the class's profit gap to honest miners divided by its tasks; it is lower " +
  "where tier-1 disagreement and tier-2/3 disputes catch fakes too, and traps are capped by trap commitment slots and the vault.";

const costModelTable = (config: Record<string, unknown>): string => {
  const m = resolveCosts({
    ...(config.costs ? { costs: config.costs as Scenario["costs"] } : {}),
    ...(config.backend ? { backend: config.backend as Scenario["backend"] } : {}),
  });
  return `<details><summary>Cost model in effect (scenario <code>costs</code> over the defaults of src/sim/costs.ts; docs/profit.md)</summary>
${keyValueTable(m, "Cost model: USD per device-hour by architecture, USD per REMES, per-unit device milliseconds, annual capital rate (bps)")}
</details>`;
};

/** The "Does it pay?" section of one run's report: its chart first. */
export const runProfitSection = async (
  c: DuckDBConnection,
  run: Row,
): Promise<{ chart: charts.Chart; html: string }> => {
  const id = String(run.run_id);
  const rows = await runQuery(c, "profit_classes", id);
  const comparisons = [
    ...compareClasses(rows),
    ...compareCoalitions(await runQuery(c, "profit_coalitions", id), rows),
  ];
  const chart = charts.profitChart(
    comparisons.map(pointOf),
    `one run, seed ${String(run.seed)}: intervals over the actors of each class`,
  );
  if (rows.length === 0) return { chart, html: chart.html };
  const forms = lazyClosedForms(run, await runQuery(c, "profit_lazy", id));
  const html = [
    chart.html,
    `<p>A single seed: the intervals are Welch's intervals over the actors of each class (a class of one actor takes its counterpart's spread), not over Monte Carlo seeds. ` +
      `Run several seeds (<code>--seeds 20</code>) for intervals over seeds.</p>`,
    verdictList(comparisons),
    table(
      classColumns,
      rows,
      "Profit by actor class, REMES per actor (device-hours per actor; profit per staked REMES and per device-hour over the class)",
    ),
    forms.length > 0
      ? `<h3>Trap detection: closed forms beside the measurements</h3>${closedFormTable(forms, "Lazy miners of this run")}<p>${esc(CLOSED_FORM_NOTE)}</p>`
      : "",
    costModelTable(parse(run.config)),
  ].join("\n");
  return { chart, html };
};

/** The "Does it pay?" section of a sweep report: `keys` are the sweep coordinates that vary (the first is the x axis). */
export const sweepProfitSection = async (
  c: DuckDBConnection,
  runs: readonly Row[],
  keys: readonly string[],
): Promise<{ chart: charts.Chart; html: string }> => {
  const rows = await runQuery(c, "profit_classes");
  const seeds = new Set(runs.map((r) => Number(r.seed))).size;
  const basis =
    seeds > 1
      ? `paired per seed, Student-t over ${seeds} seeds`
      : "one seed per point: intervals over the actors of each class";
  if (keys.length === 0) {
    const comparisons = [
      ...compareClasses(rows),
      ...compareCoalitions(await runQuery(c, "profit_coalitions"), rows),
    ];
    const chart = charts.profitChart(comparisons.map(pointOf), basis);
    return {
      chart,
      html: [chart.html, verdictList(comparisons), costModelTable(parse(runs[0]?.config))].join(
        "\n",
      ),
    };
  }
  const [x, ...rest] = keys as [string, ...string[]];
  const byPoint = new Map<string, Row[]>();
  for (const r of rows) {
    const k = String(r.sweep_point);
    byPoint.set(k, [...(byPoint.get(k) ?? []), r]);
  }
  const facetOf = (p: Record<string, unknown>) =>
    rest.map((k) => `${k} = ${String(p[k])}`).join(", ");
  const points: (charts.ProfitPoint & {
    x: number | string;
    facet?: string;
    counterpart: string;
    verdict: string;
    basis: string;
  })[] = [];
  for (const [key, group] of byPoint) {
    const p = parse(key);
    const xv = p[x];
    for (const cmp of compareClasses(group)) {
      points.push({
        ...pointOf(cmp),
        x: typeof xv === "number" ? xv : String(xv),
        ...(rest.length > 0 ? { facet: facetOf(p) } : {}),
        counterpart: cmp.counterpart,
        verdict: cmp.verdict,
        basis: cmp.basis,
      });
    }
  }
  points.sort(
    (a, b) =>
      (a.facet ?? "").localeCompare(b.facet ?? "") ||
      a.kind.localeCompare(b.kind) ||
      (typeof a.x === "number" && typeof b.x === "number"
        ? a.x - b.x
        : String(a.x).localeCompare(String(b.x))),
  );
  const chart = charts.profitSweepChart(
    points,
    x,
    rest.length > 0 ? rest.join(", ") : undefined,
    basis,
  );
  const lines: string[] = [];
  if (points.every((q) => typeof q.x === "number")) {
    const series = new Map<string, typeof points>();
    for (const q of points)
      series.set(`${q.kind}\u0000${q.facet ?? ""}`, [
        ...(series.get(`${q.kind}\u0000${q.facet ?? ""}`) ?? []),
        q,
      ]);
    for (const qs of series.values()) {
      if (qs.length < 2) continue;
      const b = breakEven(
        qs[0]!.kind,
        qs[0]!.counterpart,
        x,
        qs.map((q) => ({
          x: q.x as number,
          e: { mean: q.mean, n: 0, ...(q.lo !== null ? { lo: q.lo, hi: q.hi! } : {}) },
        })),
      );
      lines.push(`${b.text}${qs[0]!.facet ? ` (${qs[0]!.facet})` : ""}`);
    }
  }
  const verdictTable = table(
    [
      ...[x, ...rest].map((k) => ({ key: k, label: k })),
      { key: "kind", label: "Actor class" },
      { key: "counterpart", label: "Against" },
      { key: "mean_s", label: "REMES per actor more", numeric: true },
      { key: "ci", label: "95% CI", numeric: true },
      { key: "verdict", label: "Verdict" },
    ],
    points.map((q) => {
      const key = [...byPoint.keys()].find(
        (k) =>
          String(parse(k)[x]) === String(q.x) &&
          (rest.length === 0 || facetOf(parse(k)) === q.facet),
      );
      return {
        ...parse(key),
        kind: q.kind,
        counterpart: q.counterpart,
        mean_s: remes(q.mean),
        ci: q.lo === null ? "—" : `[${remes(q.lo)}, ${remes(q.hi!)}]`,
        verdict: q.verdict,
      };
    }),
    `Each class against its counterpart at each sweep point (${basis})`,
  );
  const lazyRows = await runQuery(c, "profit_lazy");
  const runById = new Map(runs.map((r) => [String(r.run_id), r]));
  const forms = [...new Set(lazyRows.map((r) => String(r.run_id)))].flatMap((id) => {
    const run = runById.get(id);
    return run
      ? lazyClosedForms(
          run,
          lazyRows.filter((r) => String(r.run_id) === id),
        ).map((f) => ({ point: String(run.sweep_point), f }))
      : [];
  });
  const pointOrder = (k: string) => {
    const p = parse(k.split("\u0000")[0]);
    return [...rest, x].map((c) => p[c]);
  };
  const byPointOrder = (a: string, b: string) => {
    const [pa, pb] = [pointOrder(a), pointOrder(b)];
    for (let i = 0; i < pa.length; i++) {
      const d =
        typeof pa[i] === "number" && typeof pb[i] === "number"
          ? (pa[i] as number) - (pb[i] as number)
          : String(pa[i]).localeCompare(String(pb[i]));
      if (d !== 0) return d;
    }
    return a.localeCompare(b);
  };
  const meanForms: LazyClosedForm[] = [...new Set(forms.map((q) => `${q.point}\u0000${q.f.group}`))]
    .sort(byPointOrder)
    .map((k) => {
      const fs = forms.filter((q) => `${q.point}\u0000${q.f.group}` === k).map((q) => q.f);
      const avg = (g: (f: LazyClosedForm) => number) =>
        fs.reduce((a, f) => a + g(f), 0) / fs.length;
      const point = parse(k.split("\u0000")[0]);
      const label = Object.keys(point)
        .sort()
        .map((p) => `${p}=${String(point[p])}`)
        .join(", ");
      return {
        group: `${fs[0]!.group} @ ${label}`,
        actors: fs[0]!.actors,
        t: fs[0]!.t,
        f: fs[0]!.f,
        effort: fs[0]!.effort,
        n: avg((f) => f.n),
        perTaskClosed: avg((f) => f.perTaskClosed),
        perTaskMeasured: avg((f) => f.perTaskMeasured),
        withinClosed: avg((f) => f.withinClosed),
        withinMeasured: avg((f) => f.withinMeasured),
        valueClosed: avg((f) => f.valueClosed),
        valueMeasured: avg((f) => f.valueMeasured),
      };
    });
  const html = [
    chart.html,
    lines.length > 0
      ? `<h3>Break-even along ${esc(x)}</h3><ul class="verdicts">${lines.map((l) => `<li>${esc(l)}</li>`).join("\n")}</ul>` +
        "<p>Break-even: where the mean crosses 0, linear between sweep points; its interval: where the 95 % interval's bounds cross 0 (open-ended when a bound does not cross in the swept range).</p>"
      : "",
    verdictTable,
    meanForms.length > 0
      ? `<h3>Trap detection: closed forms beside the measurements</h3>${closedFormTable(meanForms, "Lazy miners at each sweep point (mean over seeds)")}<p>${esc(CLOSED_FORM_NOTE)}</p>`
      : "",
    costModelTable(parse(runs[0]?.config)),
  ].join("\n");
  return { chart, html };
};

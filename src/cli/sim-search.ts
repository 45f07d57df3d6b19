/**
 * `r3mes sim search`: runs the strategy search (src/sim/search.ts) and
 * writes what a researcher opens: the best strategy as a runnable scenario
 * (`best.json`), every candidate (`candidates.json`) and a report of the
 * search (`report.html`: profit against honest work over the explored
 * space, the best candidates with their intervals).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import * as Plot from "@observablehq/plot";
import { renderPlot } from "../../reports/charts.ts";
import { esc, page, table } from "../../reports/html.ts";
import { remes, verdictText } from "../../reports/profit.ts";
import { runScenario } from "../sim/run.ts";
import { type Candidate, search, type SearchResult } from "../sim/search.ts";
import { loadScenario, scenarioName } from "../sim/scenario.ts";

export interface SimSearchOptions {
  readonly scenario: string;
  readonly attacker: string;
  readonly budget: number;
  readonly seeds: number;
  readonly seed: number | undefined;
  readonly searchSeed: number;
  readonly blocks: number | undefined;
  readonly out: string | undefined;
  readonly json: boolean;
}

const pointText = (c: Candidate): string =>
  Object.entries(c.point)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(" ");

const ci = (c: Candidate): string =>
  c.estimate.lo === undefined || c.estimate.hi === undefined
    ? "—"
    : `[${remes(c.estimate.lo)}, ${remes(c.estimate.hi)}]`;

const reportHtml = (r: SearchResult, o: SimSearchOptions, scenarioPath: string): string => {
  const rows = r.candidates.map((c) => ({
    step: c.step,
    advantage: c.estimate.mean,
    origin: c.origin,
    ...c.point,
  }));
  let bestSoFar = Number.NEGATIVE_INFINITY;
  const trace = r.candidates.map((c) => ({
    step: c.step,
    best: (bestSoFar = Math.max(bestSoFar, c.estimate.mean)),
  }));
  const progress = renderPlot({
    title: "Profit against honest work, per candidate",
    subtitle: `REMES per actor, mean over ${o.seeds} seed${o.seeds === 1 ? "" : "s"}; the line is the best found so far; above 0 the strategy beats ${r.counterpart}`,
    x: { label: "candidate (evaluation order)" },
    y: { label: "profit − counterpart (REMES per actor)", grid: true },
    marks: [
      Plot.ruleY([0], { stroke: "#999" }),
      Plot.dot(rows, { x: "step", y: "advantage", fill: "origin", tip: true }),
      Plot.line(trace, { x: "step", y: "best", stroke: "#b2182b" }),
    ],
    color: { legend: true },
  });
  const perDim = r.dims
    .map((d) =>
      renderPlot({
        title: `Profit against honest work by ${d.field}`,
        subtitle: "each dot a candidate (all other options as that candidate had them)",
        x: { label: d.field, ...(d.type === "int" ? {} : { type: "point" as const }) },
        y: { label: "REMES per actor", grid: true },
        marks: [
          Plot.ruleY([0], { stroke: "#999" }),
          Plot.dot(
            rows.map((x) => ({
              ...x,
              [d.field]:
                String(x[d.field as keyof typeof x]) === "undefined"
                  ? ""
                  : d.type === "int"
                    ? Number(x[d.field as keyof typeof x])
                    : String(x[d.field as keyof typeof x]),
            })),
            { x: d.field, y: "advantage", tip: true },
          ),
        ],
      }),
    )
    .join("\n");
  const top = [...r.candidates]
    .sort((a, b) => b.estimate.mean - a.estimate.mean)
    .slice(0, 15)
    .map((c) => ({
      step: c.step,
      point: pointText(c),
      mean: remes(c.estimate.mean),
      ci: ci(c),
      origin: c.origin,
    }));
  const verdictOfBest = verdictText(r.group, r.counterpart, r.best.estimate);
  return page({
    title: `Strategy search: ${r.group} in ${basename(scenarioPath)}`,
    lede:
      `${r.candidates.length} candidate strategies of group <code>${esc(r.group)}</code> (${esc(r.kind)}), each run on seeds ${o.seed ?? 1}…${(o.seed ?? 1) + o.seeds - 1}. ` +
      `Start: ${esc(pointText(r.start))} → ${esc(remes(r.start.estimate.mean))} REMES per actor against ${esc(r.counterpart)}. ` +
      `Best: ${esc(pointText(r.best))} → <strong>${esc(verdictOfBest)}</strong>. Rerun it: <code>r3mes sim run ${esc(join(o.out ?? "", "best.json"))} --seeds ${o.seeds}</code>.`,
    sections: [
      { id: "progress", title: "The search", html: `<figure>${progress}</figure>` },
      { id: "space", title: "The explored space", html: perDim },
      {
        id: "top",
        title: "Best candidates",
        html: table(
          [
            { key: "step", label: "Candidate", numeric: true },
            { key: "point", label: "Strategy" },
            { key: "mean", label: "REMES per actor vs counterpart", numeric: true },
            { key: "ci", label: "95% CI over seeds" },
            { key: "origin", label: "Drawn by" },
          ],
          top,
        ),
      },
    ],
    footer: `Written by <code>r3mes sim search ${esc(scenarioPath)} --attacker ${esc(o.attacker)} --budget ${o.budget} --seeds ${o.seeds} --search-seed ${o.searchSeed}</code>; every candidate is in candidates.json. Profit as in docs/profit.md.`,
  });
};

export const runSearch = async (o: SimSearchOptions): Promise<void> => {
  const loaded = loadScenario(o.scenario);
  // One sweep point: the search chooses the attacker's options itself.
  const { sweep: _sweep, ...scenario } = loaded;
  const out = resolve(
    o.out ??
      join(
        "out",
        scenarioName(o.scenario),
        `search-${o.attacker.replace(/[^A-Za-z0-9_.-]/g, "_")}`,
      ),
  );
  const log = (s: string) => (o.json ? process.stderr : process.stdout).write(`${s}\n`);
  log(
    `${basename(o.scenario)}: searching ${o.attacker}'s strategy, ${o.budget} candidates × ${o.seeds} seeds → ${out}`,
  );
  const result = await search({
    scenario,
    group: o.attacker,
    budget: o.budget,
    seeds: o.seeds,
    firstSeed: o.seed ?? loaded.seed ?? 1,
    searchSeed: o.searchSeed,
    blocks: o.blocks ?? loaded.shortBlocks ?? loaded.blocks,
    run: (s, seed, blocks) => runScenario(s, { seed, ...(blocks !== undefined ? { blocks } : {}) }),
    onCandidate: (c, best) =>
      log(
        `  ${String(c.step + 1).padStart(4)}/${o.budget} ${pointText(c).padEnd(48)} ${remes(c.estimate.mean).padStart(12)} REMES/actor   best ${remes(best.estimate.mean)}`,
      ),
  });
  await mkdir(out, { recursive: true });
  const bestPath = join(out, "best.json");
  await writeFile(bestPath, `${JSON.stringify(result.bestScenario, null, 2)}\n`);
  await writeFile(join(out, "candidates.json"), `${JSON.stringify(result.candidates, null, 2)}\n`);
  const reportPath = join(out, "report.html");
  await writeFile(reportPath, reportHtml(result, { ...o, out }, o.scenario));
  const summary = {
    group: result.group,
    kind: result.kind,
    start: result.start.point,
    start_remes: result.start.estimate.mean,
    best: result.best.point,
    best_remes: result.best.estimate.mean,
    best_lo: result.best.estimate.lo ?? null,
    best_hi: result.best.estimate.hi ?? null,
    scenario: bestPath,
    report: reportPath,
  };
  if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else
    log(
      `best: ${pointText(result.best)}: ${verdictText(result.group, result.counterpart, result.best.estimate)}\nscenario: ${bestPath}\nreport: ${reportPath}`,
    );
};

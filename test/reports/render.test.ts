import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeReports } from "../../reports/render.ts";
import { openResultsDb } from "../../src/sim/outputs/duckdb-sink.ts";
import { createOutputSink, type OutputPaths } from "../../src/sim/outputs/output-sink.ts";
import { replayDemo } from "../sim/outputs/demo-run.ts";

const RUN_CHARTS = [
  "profit",
  "rewards",
  "detection",
  "slashes",
  "gini",
  "stake",
  "tiers",
  "throughput",
];

/** Every chart div holds exactly one <svg> (Plot's legend swatches are inline SVG too, so count chart divs). */
const chartIds = (html: string) =>
  [...html.matchAll(/<div class="chart" id="chart-([a-z-]+)">/g)].map((m) => m[1]);
const svgsInCharts = (html: string) =>
  html
    .split('<div class="chart"')
    .slice(1)
    .map((part) => (part.match(/<svg[^>]*class="plot-/g) ?? []).length);

/** External references: anything fetched over http(s). SVG/XHTML namespace URIs are names, not fetches. */
const externalRefs = (html: string) =>
  html
    .replace(/\sxmlns(:\w+)?="http:\/\/www\.w3\.org\/[^"]*"/g, "")
    .match(/https?:\/\/[^\s"'<>)]*/g) ?? [];

describe("the HTML report of one run", () => {
  let dir: string;
  let paths: OutputPaths;
  let html: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "r3mes-report-"));
    const sink = await createOutputSink({ outDir: dir });
    await replayDemo(7, sink);
    paths = await sink.finish();
    html = await readFile(paths.reportPath!, "utf8");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("is written to <out>/report.html and has every chart, each an inline <svg>", () => {
    expect(paths.reportPath).toBe(join(dir, "report.html"));
    expect(chartIds(html)).toEqual(RUN_CHARTS);
    expect(svgsInCharts(html)).toEqual(RUN_CHARTS.map(() => 1));
  });

  it("names the seed, the scenario and the parameters", () => {
    expect(html).toContain("R3MES simulation report — demo, seed 7");
    expect(html).toMatch(/<th>Seed<\/th><td>7<\/td>/);
    expect(html).toContain("r3mes sim run scenarios/demo.json --seed 7");
    expect(html).toMatch(/<td>windowBlocks<\/td><td>10<\/td>/);
    expect(html).toMatch(/<td>slashLazyMiningBps<\/td><td>5000<\/td>/);
    expect(html).toMatch(/<td>lazyMiners<\/td><td>1<\/td>/);
  });

  it("has a summary table by actor class with the lazy miner slashed", () => {
    expect(html).toMatch(
      /<td>lazy_miner<\/td><td class="num">1<\/td><td class="num">0<\/td><td class="num">[1-9]/,
    );
    expect(html).toContain("completed, every invariant held");
  });

  it("opens offline: no script, no external reference, CSS inline", () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/@import/);
    expect(externalRefs(html)).toEqual([]);
    expect(html).toContain("<style>");
  });

  it("is deterministic: rendering again from the database gives the same bytes", async () => {
    const path = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const db = yield* openResultsDb(paths.duckdbPath, { readOnly: true });
          return yield* writeReports(db, dir);
        }),
      ),
    );
    expect(await readFile(path, "utf8")).toBe(html);
  });
});

describe("the sweep report", () => {
  let dir: string;
  let paths: OutputPaths;
  let html: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "r3mes-sweep-report-"));
    const sink = await createOutputSink({ outDir: dir, eventLog: false });
    for (const trap of [2000, 500])
      for (const seed of [2, 1])
        await replayDemo(seed, sink, { scenario: "lazy", sweepPoint: { trap_rate_bps: trap } });
    paths = await sink.finish();
    html = await readFile(paths.reportPath!, "utf8");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("compares the runs across the sweep coordinate in charts, each an inline <svg>", () => {
    expect(html).toContain("R3MES sweep report — lazy");
    expect(chartIds(html)).toEqual([
      "profit-sweep",
      "sweep-detection",
      "sweep-rewards",
      "sweep-gini",
    ]);
    expect(svgsInCharts(html)).toEqual([1, 1, 1, 1]);
    expect(html).toContain("Lazy miners caught vs trap_rate_bps");
    expect(externalRefs(html)).toEqual([]);
  });

  it("lists the runs in sweep order (numeric), then seed, each linked to its own report", async () => {
    const order = [...html.matchAll(/title="(lazy\/seed=\d+\/trap_rate_bps=\d+)">#(\d+)</g)].map(
      (m) => `${m[2]} ${m[1]}`,
    );
    expect(order).toEqual([
      "1 lazy/seed=1/trap_rate_bps=500",
      "2 lazy/seed=2/trap_rate_bps=500",
      "3 lazy/seed=1/trap_rate_bps=2000",
      "4 lazy/seed=2/trap_rate_bps=2000",
    ]);
    expect(html).toMatch(/<th class="num">trap_rate_bps<\/th>/);
    const links = [...html.matchAll(/href="(runs\/[^"]+)"/g)].map((m) => m[1]!);
    expect(links.length).toBe(4);
    for (const l of links) expect(existsSync(join(dir, l)), l).toBe(true);
    expect((await readdir(join(dir, "runs"))).length).toBe(4);
    const one = await readFile(join(dir, links[0]!), "utf8");
    expect(chartIds(one)).toEqual(RUN_CHARTS);
    expect(one).toContain('href="../report.html"');
    expect(dirname(paths.reportPath!)).toBe(dir);
  });
});

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOutputSink } from "../../src/sim/outputs/output-sink.ts";
import { replayDemo } from "../sim/outputs/demo-run.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const r3mes = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/r3mes.js", ...args], { cwd: root, encoding: "utf8" });

describe("r3mes report", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "r3mes-cli-report-"));
    const sink = await createOutputSink({
      outDir: join(dir, "run"),
      report: false,
      parquet: false,
    });
    await replayDemo(4, sink, { scenario: "sweep", sweepPoint: { trap_rate_bps: 1000 } });
    await replayDemo(4, sink, { scenario: "sweep", sweepPoint: { trap_rate_bps: 3000 } });
    await sink.finish();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("is listed by r3mes --help, and its --help explains the flags", () => {
    expect(r3mes("--help").stdout).toMatch(/SUBCOMMANDS[\s\S]*\breport\b/);
    const h = r3mes("report", "--help");
    expect(h.status).toBe(0);
    for (const flag of ["--run", "--out", "--max-run-reports", "--json"])
      expect(h.stdout).toContain(flag);
  });

  it("re-renders the sweep report and the runs' reports from results.duckdb", async () => {
    const r = r3mes("report", join(dir, "run"), "--json");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const { report } = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { report: string };
    expect(report).toBe(join(dir, "run", "report.html"));
    const html = await readFile(report, "utf8");
    expect(html).toContain("R3MES sweep report — sweep");
    expect(html).toContain("<svg");
    expect(existsSync(join(dir, "run", "runs"))).toBe(true);
  });

  it("renders one run with --run into --out", async () => {
    const r = r3mes(
      "report",
      join(dir, "run", "results.duckdb"),
      "--run",
      "sweep/seed=4/trap_rate_bps=3000",
      "--out",
      join(dir, "one"),
    );
    expect(r.status).toBe(0);
    const path = join(dir, "one", "report-sweep_seed=4_trap_rate_bps=3000.html");
    expect(r.stdout).toContain(`report: ${path}`);
    expect(await readFile(path, "utf8")).toContain("R3MES simulation report — sweep, seed 4");
  });

  it("names an unknown run and lists the known ones", () => {
    const r = r3mes("report", join(dir, "run"), "--run", "nope");
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(
      /no run nope in .*results\.duckdb; it holds 2 runs \(sweep\/seed=4\/trap_rate_bps=1000/,
    );
  });

  it("a folder without results.duckdb: says what to point it at, exits non-zero", () => {
    const r = r3mes("report", join(dir, "missing"));
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain(
      `report failed: no results database at ${join(dir, "missing", "results.duckdb")}`,
    );
    expect(r.stdout + r.stderr).toContain("r3mes sim run <scenario> --out <dir>");
    expect(existsSync(join(dir, "missing"))).toBe(false);
  });

  it("a corrupt results.duckdb: a clear error, and the file is left untouched", async () => {
    const bad = join(dir, "bad");
    await rm(bad, { recursive: true, force: true });
    await import("node:fs/promises").then((fs) => fs.mkdir(bad));
    await writeFile(join(bad, "results.duckdb"), "not a database\n");
    const r = r3mes("report", bad);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(
      /report failed: cannot open the results database .*bad\/results\.duckdb: .*not a valid DuckDB database/,
    );
    expect(await readFile(join(bad, "results.duckdb"), "utf8")).toBe("not a database\n");
    expect(existsSync(join(bad, "report.html"))).toBe(false);
  });

  it("a DuckDB database that holds no R3MES results is refused", async () => {
    const other = join(dir, "other.duckdb");
    const instance = await DuckDBInstance.create(other);
    const c = await instance.connect();
    await c.run("CREATE TABLE t (x INTEGER)");
    c.closeSync();
    instance.closeSync();
    const r = r3mes("report", other);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain(
      "is a DuckDB database but holds no R3MES results (no runs table)",
    );
  });
});

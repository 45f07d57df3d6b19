import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";

const r3mes = (...args: string[]) => {
  const r = spawnSync(process.execPath, ["bin/r3mes.js", ...args], {
    encoding: "utf8",
    timeout: 170_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};
const jsonLines = (s: string) =>
  s
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("r3mes sim run", () => {
  const out = mkdtempSync(join(tmpdir(), "r3mes-sim-"));

  it("runs a scenario, prints one JSON line per seed and writes the report and tables", async () => {
    const r = r3mes(
      "sim",
      "run",
      "scenarios/baseline.json",
      "--blocks",
      "60",
      "--out",
      join(out, "one"),
      "--json",
    );
    expect(r.status, r.stderr).toBe(0);
    const [line] = jsonLines(r.stdout);
    expect(Object.keys(line!).sort()).toEqual([
      "app_hash",
      "blocks",
      "event_log_sha256",
      "events",
      "report",
      "seed",
    ]);
    expect(line!.blocks).toBe(60);
    expect(line!.event_log_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(existsSync(String(line!.report))).toBe(true);
    expect(readFileSync(String(line!.report), "utf8")).toContain("<svg");
    expect(existsSync(join(out, "one", "parquet", "runs.parquet"))).toBe(true);
  });

  it("fans several seeds out over worker threads into one results database, each run as deterministic as in-process", async () => {
    const r = r3mes(
      "sim",
      "run",
      "scenarios/baseline.json",
      "--blocks",
      "60",
      "--seeds",
      "2",
      "--threads",
      "2",
      "--out",
      join(out, "two"),
      "--json",
    );
    expect(r.status, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.map((l) => l.seed)).toEqual([1, 2]);
    const solo = jsonLines(
      r3mes(
        "sim",
        "run",
        "scenarios/baseline.json",
        "--blocks",
        "60",
        "--out",
        join(out, "solo"),
        "--json",
      ).stdout,
    )[0]!;
    expect(lines[0]!.event_log_sha256).toBe(solo.event_log_sha256);
    expect(lines[1]!.event_log_sha256).not.toBe(solo.event_log_sha256);
    const db = await DuckDBInstance.create(join(out, "two", "results.duckdb"), {
      access_mode: "READ_ONLY",
    });
    const c = await db.connect();
    const runs = (await c.runAndReadAll("select seed from runs order by seed"))
      .getRows()
      .map((row) => Number(row[0]));
    expect(runs).toEqual([1, 2]);
    const events = Number((await c.runAndReadAll("select count(*) from events")).getRows()[0]![0]);
    expect(events).toBe(Number(lines[0]!.events) + Number(lines[1]!.events));
    c.closeSync();
    db.closeSync();
  });

  it("rejects a scenario with a bad field, naming the field and the file", () => {
    const bad = join(out, "bad.json");
    const scenario = JSON.parse(readFileSync("scenarios/baseline.json", "utf8")) as Record<
      string,
      unknown
    >;
    writeFileSync(bad, JSON.stringify({ ...scenario, blocks: -5 }));
    const r = r3mes("sim", "run", bad, "--out", join(out, "bad"));
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("blocks");
    expect(r.stdout + r.stderr).toContain("bad.json");
  });
});

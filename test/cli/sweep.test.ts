import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { NodeServices } from "@effect/platform-node";
import { Effect, Exit } from "effect";
import { Command } from "effect/cli";
import { describe, expect, it, vi } from "vitest";
import { r3mes } from "../../src/cli/app.ts";
import { runSim, type SimRunOptions } from "../../src/cli/sim-run.ts";
import { runMerge } from "../../src/cli/sim-shard.ts";
import { tableNames } from "../../src/sim/outputs/tables.ts";
import { mergeShards } from "../../src/sim/shard-merge.ts";
import { readManifest } from "../../src/sim/shards.ts";

// 2 sweep points × 2 seeds = 4 runs of 40 blocks.
const SCENARIO = "test/sim/fixtures/small_sweep.json";
const base: SimRunOptions = {
  scenario: SCENARIO,
  seed: undefined,
  seeds: undefined,
  out: undefined,
  json: false,
  threads: 1,
  blocks: undefined,
  eventLog: true,
};

/** The command tree in this process (no start-up cost): what it printed to stdout, and whether it succeeded. */
const inProcess = async (...args: string[]): Promise<{ ok: boolean; out: string }> => {
  const lines: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => {
    lines.push(a.join(" "));
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    const exit = await Effect.runPromiseExit(
      Command.runWith(r3mes, { version: "test" })(args).pipe(Effect.provide(NodeServices.layer)),
    );
    return { ok: Exit.isSuccess(exit), out: lines.join("\n") };
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
};

/**
 * Per table: row count and rows of one results folder missing from the other (EXCEPT ALL, both ways).
 * No column is per-process: the tables hold virtual time only (wall-clock timings never reach them).
 */
const diffTables = async (
  a: string,
  b: string,
): Promise<Record<string, { rows: number; onlyA: number; onlyB: number }>> => {
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  try {
    await c.run(`ATTACH '${join(a, "results.duckdb")}' AS a (READ_ONLY)`);
    await c.run(`ATTACH '${join(b, "results.duckdb")}' AS b (READ_ONLY)`);
    const n = async (sql: string) => Number((await c.runAndReadAll(sql)).getRows()[0]![0]);
    const out: Record<string, { rows: number; onlyA: number; onlyB: number }> = {};
    for (const t of tableNames) {
      out[t] = {
        rows: await n(`SELECT count(*) FROM a."${t}"`),
        onlyA: await n(
          `SELECT count(*) FROM (SELECT * FROM a."${t}" EXCEPT ALL SELECT * FROM b."${t}")`,
        ),
        onlyB: await n(
          `SELECT count(*) FROM (SELECT * FROM b."${t}" EXCEPT ALL SELECT * FROM a."${t}")`,
        ),
      };
    }
    return out;
  } finally {
    c.closeSync();
    db.closeSync();
  }
};

const hashes = async (dir: string): Promise<string[]> => {
  const db = await DuckDBInstance.create(join(dir, "results.duckdb"), { access_mode: "READ_ONLY" });
  const c = await db.connect();
  try {
    return (
      await c.runAndReadAll("SELECT run_id || ' ' || event_log_sha256 FROM runs ORDER BY run_id")
    )
      .getRows()
      .map((r) => String(r[0]));
  } finally {
    c.closeSync();
    db.closeSync();
  }
};

const expectSame = async (single: string, merged: string) => {
  const diff = await diffTables(single, merged);
  for (const [t, d] of Object.entries(diff))
    expect({ t, onlyA: d.onlyA, onlyB: d.onlyB }).toEqual({ t, onlyA: 0, onlyB: 0 });
  expect(diff.runs!.rows).toBe(4);
  expect(diff.events!.rows).toBeGreaterThan(0);
  expect(await hashes(merged)).toEqual(await hashes(single));
  // The reports are rendered from the same rows: byte for byte the same.
  expect(readFileSync(join(merged, "report.html"))).toEqual(
    readFileSync(join(single, "report.html")),
  );
  expect(readdirSync(join(merged, "runs"))).toEqual(readdirSync(join(single, "runs")));
  for (const t of tableNames)
    expect(existsSync(join(merged, "parquet", `${t}.parquet`))).toBe(true);
};

describe("distributed sweeps: shards, merge, local processes", () => {
  const tmp = mkdtempSync(join(tmpdir(), "r3mes-sweep-"));
  const single = join(tmp, "single");
  const part = (i: number) => join(tmp, "parts", String(i));

  it("4 shards merged equal the sweep run on one machine: every table row for row, the event-log hashes, the report", async () => {
    expect(await runSim({ ...base, out: single })).toBe(0);
    // A results database already in a part's folder (here: the whole sweep's) must not leak into the part.
    mkdirSync(part(0), { recursive: true });
    cpSync(join(single, "results.duckdb"), join(part(0), "results.duckdb"));
    for (let i = 0; i < 4; i++)
      expect(await runSim({ ...base, shard: i, of: 4, out: part(i) })).toBe(0);
    const manifests = await Promise.all([0, 1, 2, 3].map((i) => readManifest(part(i))));
    // Run i of the sweep belongs to shard i mod 4.
    expect(manifests.map((m) => m.runs.map((r) => r.index))).toEqual([[0], [1], [2], [3]]);
    expect(new Set(manifests.map((m) => m.sweep_sha256)).size).toBe(1);
    expect(existsSync(join(part(0), "report.html"))).toBe(false);
    expect(existsSync(join(part(0), "results.duckdb"))).toBe(false);
    // Parts given in any order, as a folder of parts.
    expect(
      await runMerge({ dirs: [join(tmp, "parts")], out: join(tmp, "merged"), json: false }),
    ).toBe(0);
    await expectSame(single, join(tmp, "merged"));
  }, 180_000);

  it("a shard fans its runs over worker threads and still merges into the same results", async () => {
    const two = (i: number) => join(tmp, "two", String(i));
    expect(await runSim({ ...base, shard: 0, of: 2, threads: 2, out: two(0) })).toBe(0);
    expect(await runSim({ ...base, shard: 1, of: 2, threads: 1, out: two(1) })).toBe(0);
    expect((await readManifest(two(0))).runs.map((r) => r.run_id)).toEqual([
      "small_sweep/seed=1/params.trapRateBps=500",
      "small_sweep/seed=1/params.trapRateBps=2000",
    ]);
    expect(await runMerge({ dirs: [two(1), two(0)], out: join(tmp, "merged2"), json: false })).toBe(
      0,
    );
    await expectSame(single, join(tmp, "merged2"));
  }, 180_000);

  it("refuses a missing shard, a shard given twice and a part of another sweep, naming them", async () => {
    const merge = (dirs: string[]) => Effect.runPromise(mergeShards(dirs, join(tmp, "bad")));
    await expect(merge([part(0), part(1), part(3)])).rejects.toThrow(/missing shard 2 of 4/);
    cpSync(part(1), join(tmp, "copy-of-1"), { recursive: true });
    await expect(
      merge([part(0), part(1), part(2), part(3), join(tmp, "copy-of-1")]),
    ).rejects.toThrow(/shard 1 of 4 given 2 times: .*parts\/1, .*copy-of-1/);
    expect(await runSim({ ...base, shard: 2, of: 4, blocks: 30, out: join(tmp, "other") })).toBe(0);
    await expect(merge([part(0), part(1), join(tmp, "other"), part(3)])).rejects.toThrow(
      /not one sweep[\s\S]*other: small_sweep .*30 blocks/,
    );
    await expect(merge([join(tmp, "single")])).rejects.toThrow(/holds no manifest\.json/);
    await expect(runSim({ ...base, shard: 4, of: 4, out: join(tmp, "x") })).rejects.toThrow(
      /--shard 4: must be an integer from 0 to 3/,
    );
  }, 180_000);

  it("--parallelism 2 runs the shards as 2 local processes and merges them into the same results", async () => {
    expect(
      await runSim({ ...base, threads: undefined, parallelism: 2, out: join(tmp, "local") }),
    ).toBe(0);
    expect(existsSync(join(tmp, "local", ".shards"))).toBe(false);
    await expectSame(single, join(tmp, "local"));
  }, 180_000);

  it("r3mes sim --help lists merge and job; the command line reaches them", async () => {
    const help = await inProcess("sim", "--help");
    expect(help.out).toMatch(/\bmerge\b.*Merge the parts of a sharded sweep/);
    expect(help.out).toMatch(/\bjob\b.*Kubernetes Indexed Job/);
    const job = await inProcess(
      "sim",
      "job",
      SCENARIO,
      "--parallelism",
      "2",
      "--volume-claim",
      "sweeps",
      "--out",
      join(tmp, "k8s"),
    );
    expect(job.ok).toBe(true);
    expect(readFileSync(join(tmp, "k8s", "job.yaml"), "utf8")).toContain("claimName: sweeps");
    const merged = await inProcess(
      "sim",
      "merge",
      join(tmp, "parts"),
      "--out",
      join(tmp, "merged-cli"),
      "--json",
    );
    expect(merged.ok).toBe(true);
    expect(
      merged.out
        .split("\n")
        .map((l) => (JSON.parse(l) as { event_log_sha256: string }).event_log_sha256)
        .sort(),
    ).toEqual((await hashes(single)).map((h) => h.split(" ")[1]).sort());
  });
});

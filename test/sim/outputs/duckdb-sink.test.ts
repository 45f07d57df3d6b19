import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProtocolEvent } from "../../../src/protocol/events.ts";
import { lazyMiner } from "../../../src/protocol/testing/demo-world.ts";
import type { MockChain } from "../../../src/protocol/testing/chain.ts";
import { createOutputSink, type OutputPaths } from "../../../src/sim/outputs/output-sink.ts";
import { tableNames } from "../../../src/sim/outputs/tables.ts";
import { replayDemo } from "./demo-run.ts";

const query = async (file: string, sql: string): Promise<Record<string, unknown>[]> => {
  const instance = await DuckDBInstance.create(
    file,
    file === ":memory:" ? {} : { access_mode: "READ_ONLY" },
  );
  try {
    const c = await instance.connect();
    try {
      return (await c.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
    } finally {
      c.closeSync();
    }
  } finally {
    instance.closeSync();
  }
};

const count = (events: readonly ProtocolEvent[], c: ProtocolEvent["case"]) =>
  events.filter((e) => e.case === c).length;
const sumOf = <T>(xs: readonly T[], f: (x: T) => bigint) => xs.reduce((a, x) => a + f(x), 0n);

describe("the DuckDB output sink on the demo world", () => {
  let dir: string;
  let paths: OutputPaths;
  let chain: MockChain;
  let events: ProtocolEvent[];
  const run = "demo/seed=1";
  const q = (sql: string) => query(paths.duckdbPath, sql);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "r3mes-out-"));
    const sink = await createOutputSink({ outDir: dir, report: false });
    chain = await replayDemo(1, sink);
    paths = await sink.finish();
    events = chain.log.flat();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("records the run with its outcome, final supply and params", async () => {
    const [r] = await q("SELECT * FROM runs");
    expect(r).toMatchObject({
      run_id: run,
      scenario: "demo",
      seed: 1n,
      status: "ok",
      blocks: chain.log.length,
      events: BigInt(events.length),
    });
    expect(r!.supply_minted_uremes).toBe(chain.state.supply.minted);
    expect(r!.supply_burned_uremes).toBe(chain.state.supply.burned);
    expect(JSON.parse(r!.params as string).windowBlocks).toBe(10);
    expect(paths.runIds).toEqual([run]);
  });

  it("holds one events row per event, in order, with bigint payloads as strings", async () => {
    const rows = await q("SELECT event_case, count(*) AS n FROM events GROUP BY ALL");
    const byCase = new Map(rows.map((r) => [r.event_case, Number(r.n)]));
    for (const c of new Set(events.map((e) => e.case)))
      expect(byCase.get(c), c).toBe(count(events, c));
    const [slash] = await q(
      "SELECT payload->>'amount' AS amount FROM events WHERE event_case = 'slashed' ORDER BY height, event_index LIMIT 1",
    );
    const first = events.find((e) => e.case === "slashed")!;
    expect(slash!.amount).toBe(String(first.value.amount));
  });

  it("has one submissions row per GradientSubmitted; the lazy miner's are rejected, the others accepted and paid", async () => {
    const subs = await q("SELECT * FROM submissions ORDER BY submission_id");
    expect(subs.length).toBe(count(events, "gradientSubmitted"));
    for (const s of subs) {
      if (s.miner === lazyMiner)
        expect(s, `submission ${s.submission_id}`).toMatchObject({
          status: "rejected",
          reward_uremes: 0n,
          actor_kind: "lazy_miner",
        });
      else {
        // A lone honest peer of the lazy miner ties at tier 1 and survives its dispute: optimistic.
        expect(
          s.status === "verified" || (s.tier1 === "mismatched" && s.status === "optimistic"),
          `submission ${s.submission_id}`,
        ).toBe(true);
        expect(s.reward_uremes as bigint).toBeGreaterThan(0n);
      }
    }
    const paid = sumOf(subs, (s) => s.reward_uremes as bigint);
    const minerRewards = sumOf(events, (e) =>
      e.case === "rewardMinted" && e.value.kind === 1 ? e.value.amount : 0n,
    );
    expect(paid).toBe(minerRewards);
    expect(subs.find((s) => s.miner === lazyMiner && s.window === 1)!.trap).toBe("caught");
  });

  it("has one slashes row per Slashed event with the same amounts", async () => {
    const slashes = await q("SELECT * FROM slashes ORDER BY height, offence_key");
    const expected = events.flatMap((e) => (e.case === "slashed" ? [e.value] : []));
    expect(slashes.length).toBe(expected.length);
    expect(sumOf(slashes, (s) => s.amount_uremes as bigint)).toBe(sumOf(expected, (s) => s.amount));
    expect(new Set(slashes.map((s) => s.offence))).toEqual(new Set(["lazy_mining"]));
    expect(slashes.every((s) => s.actor_kind === "lazy_miner")).toBe(true);
  });

  it("has one rewards row per RewardMinted, summing to supply.minted", async () => {
    const rewards = await q("SELECT * FROM rewards");
    expect(rewards.length).toBe(count(events, "rewardMinted"));
    expect(sumOf(rewards, (r) => r.amount_uremes as bigint)).toBe(chain.state.supply.minted);
    const [w] = await q(
      "SELECT sum(rewards_miner_uremes + rewards_proposer_uremes + rewards_validator_uremes) AS total FROM windows",
    );
    expect(w!.total).toBe(chain.state.supply.minted);
  });

  it("folds per-window metrics that add up to the event counts", async () => {
    const [w] =
      await q(`SELECT sum(submissions) s, sum(verified) v, sum(mismatched) m, sum(rejected) r, sum(traps_revealed) t,
      sum(trap_caught) c, sum(slashes) sl, sum(blocks) b, sum(events) e, sum(disputes_tier2) d2, sum(escalations) esc FROM windows`);
    const t1 = events.flatMap((e) => (e.case === "tier1Evaluated" ? [e.value] : []));
    const traps = events.flatMap((e) => (e.case === "trapRevealed" ? [e.value] : []));
    expect(w).toMatchObject({
      s: BigInt(count(events, "gradientSubmitted")),
      v: BigInt(t1.reduce((n, x) => n + x.verifiedIds.length, 0)),
      m: BigInt(t1.reduce((n, x) => n + x.mismatchedIds.length, 0)),
      r: BigInt(count(events, "submissionRejected")),
      t: BigInt(traps.length),
      // A trap catch is recomputation rejecting work on a revealed trap shard: the demo's lazy miner in window 1.
      c: 1n,
      sl: BigInt(count(events, "slashed")),
      b: BigInt(chain.log.length),
      e: BigInt(events.length),
      d2: BigInt(events.filter((e) => e.case === "disputeOpened" && e.value.tier === 2).length),
      esc: BigInt(count(events, "disputeEscalated")),
    });
  });

  it("records actors with final stake and balance from the last block", async () => {
    const actors = await q("SELECT * FROM actors ORDER BY address");
    expect(actors.length).toBe(13);
    for (const a of actors) {
      expect(a.balance_uremes, a.address as string).toBe(
        chain.state.balances.get(a.address as string) ?? 0n,
      );
      expect(a.snapshot_height).toBe(chain.height);
    }
    const lazy = actors.find((a) => a.address === lazyMiner)!;
    const lazySlashes = events.filter(
      (e) => e.case === "slashed" && e.value.address === lazyMiner,
    ).length;
    expect(lazySlashes).toBeGreaterThanOrEqual(2);
    expect(lazy).toMatchObject({
      kind: "lazy_miner",
      slashes: lazySlashes,
      traps_caught: 1,
      rewards_uremes: 0n,
    });
  });

  it("records disputes, blocks and stake snapshots", async () => {
    const disputes = await q("SELECT * FROM disputes");
    expect(disputes.length).toBe(count(events, "disputeOpened"));
    expect(disputes.filter((d) => d.outcome === "rejected").length).toBe(
      events.filter((e) => e.case === "disputeResolved" && e.value.outcome === 2).length,
    );
    const [b] = await q("SELECT count(*) n, max(height) h FROM blocks");
    expect(b).toMatchObject({ n: BigInt(chain.log.length), h: chain.height });
    const stake = await q("SELECT DISTINCT actor_kind FROM stake ORDER BY 1");
    expect(stake.map((s) => s.actor_kind)).toEqual([
      "honest_miner",
      "honest_proposer",
      "honest_validator",
      "lazy_miner",
    ]);
  });

  it("exports every table to Parquet, readable back with the same row counts", async () => {
    expect((await readdir(paths.parquetDir!)).sort()).toEqual(
      tableNames.map((t) => `${t}.parquet`).sort(),
    );
    for (const t of tableNames) {
      const [fromDb] = await q(`SELECT count(*) AS n FROM ${t}`);
      const [fromParquet] = await query(
        ":memory:",
        `SELECT count(*) AS n FROM read_parquet('${join(paths.parquetDir!, `${t}.parquet`)}')`,
      );
      expect(fromParquet!.n, t).toBe(fromDb!.n);
    }
    const [r] = await query(
      ":memory:",
      `SELECT sum(amount_uremes) AS s FROM read_parquet('${join(paths.parquetDir!, "rewards.parquet")}')`,
    );
    expect(BigInt(r!.s as bigint)).toBe(chain.state.supply.minted);
  });

  it("leaves no staging tables behind", async () => {
    const rows = await q("SELECT table_name FROM information_schema.tables ORDER BY 1");
    expect(rows.map((r) => r.table_name)).toEqual([...tableNames].sort());
  });
});

describe("several runs in one results database", () => {
  it("append keyed by run_id (seed and sweep point); re-running a run replaces it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "r3mes-sweep-"));
    try {
      const sink = await createOutputSink({ outDir: dir, report: false, parquet: false });
      await replayDemo(1, sink, { scenario: "sweep", sweepPoint: { trap_rate_bps: 1000 } });
      await replayDemo(2, sink, { scenario: "sweep", sweepPoint: { trap_rate_bps: 1000 } });
      await replayDemo(1, sink, { scenario: "sweep", sweepPoint: { trap_rate_bps: 5000 } });
      const first = await sink.finish();
      expect(first.runIds).toEqual([
        "sweep/seed=1/trap_rate_bps=1000",
        "sweep/seed=2/trap_rate_bps=1000",
        "sweep/seed=1/trap_rate_bps=5000",
      ]);
      const before = await query(
        first.duckdbPath,
        "SELECT run_id, count(*) n FROM events GROUP BY ALL ORDER BY 1",
      );
      // A second session re-runs one of them: its rows are replaced, the others kept.
      const again = await createOutputSink({ outDir: dir, report: false, parquet: false });
      await replayDemo(2, again, { scenario: "sweep", sweepPoint: { trap_rate_bps: 1000 } });
      await again.finish();
      expect(
        await query(
          first.duckdbPath,
          "SELECT run_id, count(*) n FROM events GROUP BY ALL ORDER BY 1",
        ),
      ).toEqual(before);
      const runs = await query(
        first.duckdbPath,
        "SELECT run_id, sweep_point->>'trap_rate_bps' AS trap FROM runs ORDER BY run_id",
      );
      expect(runs.map((r) => r.trap)).toEqual(["1000", "5000", "1000"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("a run recorded twice", () => {
  const counts = (file: string) =>
    query(
      file,
      "SELECT (SELECT count(*) FROM events) e, (SELECT count(*) FROM submissions) s, (SELECT count(*) FROM runs) r, (SELECT count(*) FROM blocks) b",
    );

  it("in one session, or after a crash half-way, leaves exactly one copy of its rows", async () => {
    const clean = await mkdtemp(join(tmpdir(), "r3mes-clean-"));
    const dir = await mkdtemp(join(tmpdir(), "r3mes-twice-"));
    try {
      const a = await createOutputSink({ outDir: clean, report: false, parquet: false });
      await replayDemo(5, a);
      const expected = await counts((await a.finish()).duckdbPath);

      // A crash after 20 blocks: the run never ends, the sink is aborted.
      const crashing = await createOutputSink({ outDir: dir, report: false, parquet: false });
      let n = 0;
      const dying = {
        start: crashing.start,
        end: crashing.end,
        block: (b: Parameters<typeof crashing.block>[0]) => {
          if (++n > 20) throw new Error("engine crashed");
          crashing.block(b);
        },
      };
      await expect(replayDemo(5, dying)).rejects.toThrow("engine crashed");
      await crashing.abort();

      const again = await createOutputSink({ outDir: dir, report: false, parquet: false });
      await replayDemo(5, again);
      await replayDemo(5, again);
      const paths = await again.finish();
      expect(await counts(paths.duckdbPath)).toEqual(expected);
    } finally {
      await rm(clean, { recursive: true, force: true });
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("bad input", () => {
  it("a corrupt results.duckdb gives an error naming the file, and the file is left as it was", async () => {
    const dir = await mkdtemp(join(tmpdir(), "r3mes-bad-"));
    try {
      await writeFile(join(dir, "results.duckdb"), "this is not a database");
      await expect(createOutputSink({ outDir: dir })).rejects.toThrow(
        /cannot open the results database .*results\.duckdb/,
      );
      expect(await readFile(join(dir, "results.duckdb"), "utf8")).toBe("this is not a database");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("blocks before start, or a second start before end, are refused with a clear message", async () => {
    const dir = await mkdtemp(join(tmpdir(), "r3mes-order-"));
    const sink = await createOutputSink({ outDir: dir, report: false, parquet: false });
    try {
      await expect(
        Promise.resolve().then(() =>
          sink.end({ blocks: 0, events: 0, eventLogSha256: "", appHash: "" }),
        ),
      ).rejects.toThrow(/before start/);
      await replayDemo(1, sink);
      expect(() =>
        sink.start({
          scenario: "x",
          seed: 1,
          config: {},
          params: {} as never,
          actors: [
            { address: "a", kind: "honest_miner", group: "", gpuArch: "" },
            { address: "a", kind: "honest_miner", group: "", gpuArch: "" },
          ],
          plannedBlocks: 1,
        }),
      ).toThrow(/listed twice/);
    } finally {
      await sink.abort();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

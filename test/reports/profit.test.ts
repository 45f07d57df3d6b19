import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  breakEven,
  caughtWithin,
  compareClasses,
  counterpartOf,
  lazyTaskValue,
  trapCatchPerTask,
  verdictOf,
  verdictText,
  zeroCrossing,
} from "../../reports/profit.ts";
import { meanInterval, sampleOf, tCdf, tQuantile, welchInterval } from "../../reports/stats.ts";
import { createOutputSink } from "../../src/sim/outputs/output-sink.ts";
import { runScenario } from "../../src/sim/run.ts";
import { loadScenario } from "../../src/sim/scenario.ts";

describe("interval math", () => {
  it("Student-t quantiles match the t table (two-sided 95 %)", () => {
    const table: [number, number][] = [
      [1, 12.706],
      [2, 4.303],
      [4, 2.776],
      [10, 2.228],
      [30, 2.042],
      [120, 1.98],
    ];
    for (const [df, t] of table) expect(tQuantile(0.975, df)).toBeCloseTo(t, 3);
    expect(tQuantile(0.975, 1)).toBeCloseTo(Math.tan(Math.PI * 0.475), 6);
    expect(tQuantile(0.975, 1e7)).toBeCloseTo(1.95996, 4);
    expect(tQuantile(0.025, 4)).toBeCloseTo(-2.776, 3);
  });

  it("the quantile inverts the CDF", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        fc.double({ min: 0.5, max: 200, noNaN: true }),
        (p, df) => Math.abs(tCdf(tQuantile(p, df), df) - p) < 1e-9,
      ),
    );
  });

  it("a mean's interval is mean ± t·s/√n; Welch's reduces to it against a constant-free second sample", () => {
    const e = meanInterval(sampleOf([1, 2, 3, 4, 5]));
    // mean 3, s = √2.5, n = 5, t(0.975, 4) = 2.776445
    const half = 2.776445 * Math.sqrt(2.5 / 5);
    expect(e.mean).toBe(3);
    expect(e.lo).toBeCloseTo(3 - half, 5);
    expect(e.hi).toBeCloseTo(3 + half, 5);
    expect(meanInterval(sampleOf([7])).lo).toBeUndefined();
    const w = welchInterval(sampleOf([10, 12, 14, 16]), sampleOf([1, 2, 3, 4, 5, 6]));
    // Welch–Satterthwaite df for these two samples: va = 20/3/4, vb = 3.5/6.
    const va = 20 / 3 / 4;
    const vb = 3.5 / 6;
    const df = (va + vb) ** 2 / (va ** 2 / 3 + vb ** 2 / 5);
    expect(w.mean).toBe(13 - 3.5);
    expect(w.df).toBeCloseTo(df, 9);
    expect(w.hi! - w.mean).toBeCloseTo(tQuantile(0.975, df) * Math.sqrt(va + vb), 9);
    expect(welchInterval(sampleOf([1]), sampleOf([2])).lo).toBeUndefined();
  });
});

describe("verdicts", () => {
  it("say in plain words whether a class pays against its counterpart", () => {
    expect(verdictText("lazy_miner", "honest mining", { mean: 12.5, lo: 3, hi: 22, n: 10 })).toBe(
      "lazy_miner pays 12.50 REMES more per actor than honest mining, 95% CI [3.00, 22.00]: profitable",
    );
    expect(
      verdictText("lazy_miner", "honest mining", {
        mean: -1650,
        lo: -1900.123,
        hi: -1400.5,
        n: 10,
      }),
    ).toBe(
      "lazy_miner loses 1,650.00 REMES per actor against honest mining, 95% CI [-1,900.12, -1,400.50]: not profitable",
    );
    expect(
      verdictText("copycat_miner", "honest mining", { mean: -2, lo: -5, hi: 1, n: 10 }),
    ).toMatch(/: inconclusive$/);
    expect(verdictOf({ mean: 5, n: 1 })).toBe("inconclusive");
  });

  it("compare attackers with their honest counterpart and honest classes with staying idle", () => {
    expect(counterpartOf("lazy_miner")).toEqual({ kind: "honest_miner", label: "honest mining" });
    expect(counterpartOf("data_withholder").kind).toBe("honest_miner");
    expect(counterpartOf("lazy_validator").kind).toBe("honest_validator");
    expect(counterpartOf("colluding_proposer").kind).toBe("honest_proposer");
    expect(counterpartOf("honest_miner")).toEqual({ label: "staying idle" });
    expect(counterpartOf("false_challenger")).toEqual({ label: "staying idle" });
  });

  it("pair per seed over several runs", () => {
    const row = (run: string, kind: string, mean: number) => ({
      run_id: run,
      actor_kind: kind,
      actors: 10,
      profit_per_actor_remes: mean,
      profit_var_remes2: 100,
    });
    // The differences per seed are −10, −12, −8: mean −10, s = 2, n = 3.
    const rows = [
      row("a", "honest_miner", 50),
      row("a", "lazy_miner", 40),
      row("b", "honest_miner", 70),
      row("b", "lazy_miner", 58),
      row("c", "honest_miner", 30),
      row("c", "lazy_miner", 22),
    ];
    const [honest, lazy] = compareClasses(rows);
    expect(honest!.kind).toBe("honest_miner");
    expect(lazy!.basis).toBe("seeds");
    expect(lazy!.estimate.mean).toBeCloseTo(-10, 9);
    expect(lazy!.estimate.hi).toBeCloseTo(-10 + (tQuantile(0.975, 2) * 2) / Math.sqrt(3), 9);
    expect(lazy!.verdict).toBe("not profitable");
    // One run: Welch over the actors.
    const [, one] = compareClasses(rows.filter((r) => r.run_id === "a"));
    expect(one!.basis).toBe("actors");
    expect(one!.estimate.mean).toBe(-10);
  });
});

describe("break-even along a sweep", () => {
  it("interpolates where the mean and the interval's bounds cross 0", () => {
    expect(zeroCrossing([0, 10], [5, -5])).toBe(5);
    expect(zeroCrossing([0, 10, 20], [5, 1, 3])).toBeUndefined();
    const b = breakEven("lazy_miner", "honest mining", "params.trapRateBps", [
      { x: 2_000, e: { mean: -30, lo: -40, hi: -20, n: 4 } },
      { x: 500, e: { mean: 10, lo: 0, hi: 20, n: 4 } },
      { x: 1_000, e: { mean: -10, lo: -20, hi: 0, n: 4 } },
    ]);
    expect(b.x).toBeCloseTo(750, 9);
    expect([b.lo, b.hi]).toEqual([500, 1_000]);
    expect(b.text).toBe(
      "lazy_miner stops paying against honest mining at params.trapRateBps ≈ 750 (95% CI [500, 1,000])",
    );
    expect(
      breakEven("lazy_miner", "honest mining", "k", [
        { x: 1, e: { mean: -1, n: 1 } },
        { x: 2, e: { mean: -2, n: 1 } },
      ]).text,
    ).toMatch(/does not pay against honest mining over the whole swept range/);
  });
});

describe("closed forms", () => {
  it("trap catch t·f per task and 1 − (1 − t·f)^n within n tasks", () => {
    expect(trapCatchPerTask(0.1, 0.3)).toBeCloseTo(0.03, 12);
    expect(caughtWithin(0.1, 0.3, 1)).toBeCloseTo(0.03, 12);
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 200 }),
        (t, f, n) => {
          const p = caughtWithin(t, f, n);
          return p >= 0 && p <= 1 && caughtWithin(t, f, n + 1) >= p - 1e-12;
        },
      ),
    );
    // Saves 1 REMES of training 30 % of the time, risks reward 8 + slash 1,000 on 10 % of those.
    expect(
      lazyTaskValue({ t: 0.1, f: 0.3, effort: 0, cost: 1, reward: 8, slash: 1_000 }),
    ).toBeCloseTo(0.3 * (1 - 0.1 * 1_008), 9);
  });
});

describe("the report of a lazy-mining scenario", () => {
  let dir: string;
  let html: string;
  let sweepHtml: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "r3mes-profit-"));
    const s = loadScenario(resolve(import.meta.dirname, "../../scenarios/lazy_30.json"));
    const one = await createOutputSink({
      outDir: join(dir, "one"),
      eventLog: false,
      parquet: false,
    });
    await runScenario(s, { seed: 1, blocks: 200, sink: one });
    html = await readFile((await one.finish()).reportPath!, "utf8");
    const two = await createOutputSink({
      outDir: join(dir, "two"),
      eventLog: false,
      parquet: false,
    });
    for (const seed of [1, 2, 3, 4]) await runScenario(s, { seed, blocks: 200, sink: two });
    sweepHtml = await readFile((await two.finish()).reportPath!, "utf8");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("opens with the profit chart and says lazy mining does not pay", () => {
    expect(html.indexOf('<div class="chart" id="chart-profit">')).toBeLessThan(
      html.indexOf('<div class="chart" id="chart-rewards">'),
    );
    expect(html).toMatch(
      /lazy_miner loses [0-9,.]+ REMES per actor against honest mining, 95% CI \[-[0-9,.]+, -[0-9,.]+\]: not profitable/,
    );
    expect(html).toMatch(
      /honest_miner pays [0-9,.]+ REMES more per actor than staying idle, 95% CI \[[0-9,.]+, [0-9,.]+\]: profitable/,
    );
    expect(html).toContain("A single seed: the intervals are Welch");
    expect(html).toContain("1 − (1 − t·f)ⁿ");
  });

  it("over several seeds pairs per seed", () => {
    expect(sweepHtml).toContain('id="chart-profit"');
    expect(sweepHtml).toContain("paired per seed, Student-t over 4 seeds");
    expect(sweepHtml).toMatch(
      /lazy_miner loses [0-9,.]+ REMES per actor against honest mining, 95% CI \[-[0-9,.]+, -[0-9,.]+\]: not profitable/,
    );
  });
});

describe("classes of an attack scenario with several strategies of one kind", () => {
  it('compare each group ("kind (group)") with the kind\'s honest counterpart', async () => {
    const dir = await mkdtemp(join(tmpdir(), "r3mes-groups-"));
    try {
      const sink = await createOutputSink({ outDir: dir, eventLog: false, parquet: false });
      await runScenario(
        loadScenario(resolve(import.meta.dirname, "../../scenarios/attacks/isolator.json")),
        { seed: 1, blocks: 120, sink },
      );
      const html = await readFile((await sink.finish()).reportPath!, "utf8");
      for (const g of ["kernel", "kernel_spotting", "arch_spotting"])
        expect(html).toMatch(
          new RegExp(
            `isolated_miner \\(${g}\\) (pays|loses) [0-9,.]+ REMES (more )?per actor (than|against) honest mining`,
          ),
        );
      expect(counterpartOf("isolated_miner (kernel)").kind).toBe("honest_miner");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("coalitions", () => {
  it("are judged as a whole against the same actors playing honestly, each member against its counterpart outside the coalition", async () => {
    const { compareCoalitions } = await import("../../reports/profit.ts");
    // One run: 10 honest miners outside earn 100 each; the coalition's 2 miners earn 150 each and its validator −40
    // (honest validators outside earn 10): excess = (300 − 2·100) + (−40 − 10) = 50 over 3 members.
    const classRows = [
      {
        run_id: "r",
        actor_kind: "honest_miner",
        actors: 12,
        profit_per_actor_remes: (10 * 100 + 2 * 150) / 12,
      },
      { run_id: "r", actor_kind: "honest_validator", actors: 4, profit_per_actor_remes: 10 },
      { run_id: "r", actor_kind: "farming_validator", actors: 1, profit_per_actor_remes: -40 },
    ];
    const coalitionRows = [
      {
        run_id: "r",
        actor_group: "farm",
        actor_kind: "farming_validator",
        actors: 1,
        profit_remes: -40,
      },
      {
        run_id: "r",
        actor_group: "farm",
        actor_kind: "honest_miner",
        actors: 2,
        profit_remes: 300,
      },
    ];
    const [c] = compareCoalitions(coalitionRows, classRows);
    expect(c!.kind).toBe("coalition farm");
    expect(c!.estimate.mean).toBeCloseTo(50 / 3, 9);
    expect(c!.text).toMatch(
      /^coalition farm pays 16\.67 REMES more per member than the same actors playing honestly/,
    );
  });
});

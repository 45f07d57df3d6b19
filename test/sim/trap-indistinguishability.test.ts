/**
 * Traps can not be told from real tasks (issue 13). Over many windows of a
 * small scenario, every (window, shard) that received submissions is a
 * sample, labelled a trap when the committee later revealed it. Classifiers
 * that see only public data — the miner's own task (observe.ts `handedJob`,
 * what `spotsTrap` reads), the trap commitments, the window's beacon, the
 * vault index, the trap history of earlier windows — must flag traps at the
 * base rate: the trap rate among flagged and among unflagged samples stays
 * inside a binomial band (z = 3.29, two-sided 99.9%) around the overall rate.
 * A positive control (the committee's secret plan) shows the labels are
 * right and that the test would see a leak.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { GpuArch } from "../../src/gen/remes/v1/types_pb.ts";
import { handedJob } from "../../src/actors/attacks/observe.ts";
import { TaskFeed } from "../../src/actors/world.ts";
import { hashParts, Prng } from "../../src/protocol/randomness.ts";
import type { State } from "../../src/protocol/state.ts";
import { runScenario } from "../../src/sim/run.ts";
import { loadScenario, resolveParams } from "../../src/sim/scenario.ts";
import type { RunSink } from "../../src/sim/sink.ts";

const dir = resolve(import.meta.dirname, "../../scenarios");
const Z = 3.29;
const SEED = 1;

interface Sample {
  readonly window: number;
  readonly shard: number;
  trap: boolean;
}

describe("trap tasks are indistinguishable from real ones", () => {
  it("no public-data classifier flags traps better than chance; the committee's secret plan does", async () => {
    const base = loadScenario(resolve(dir, "attacks/trap_spotter.json"));
    const s = {
      ...base,
      actors: base.actors.filter(
        (a) =>
          a.kind !== "trap_spotting_miner" &&
          a.kind !== "loss_copying_miner" &&
          a.kind !== "lazy_miner",
      ),
    };
    const params = resolveParams(s);
    if (typeof params === "string") throw new Error(params);
    const samples = new Map<string, Sample>();
    const commitments = new Map<number, Uint8Array[]>();
    const beacon = new Map<number, Uint8Array>();
    const vaultShards = new Map<number, Set<number>>(); // window of entry → shards (public index)
    const sink: RunSink = {
      start: () => {},
      block: (b) => {
        for (const e of b.events) {
          if (e.case === "gradientSubmitted") {
            const k = `${e.value.window}/${e.value.shard}`;
            if (!samples.has(k))
              samples.set(k, { window: Number(e.value.window), shard: e.value.shard, trap: false });
          } else if (e.case === "trapRevealed") {
            const x = samples.get(`${e.value.window}/${e.value.shard}`);
            if (x) x.trap = true;
          } else if (e.case === "trapCommitmentAccepted")
            commitments.set(Number(e.value.window), e.value.commitments);
          else if (e.case === "windowOpened") beacon.set(Number(e.value.window), e.value.seed);
          else if (e.case === "vaultEntryAdded") {
            const set = vaultShards.get(Number(e.value.window)) ?? new Set();
            set.add(e.value.shard);
            vaultShards.set(Number(e.value.window), set);
          }
        }
      },
      end: () => {},
    };
    const r = await runScenario(s, { seed: SEED, blocks: 1_000, sink });
    expect(r.violation).toBeUndefined();
    // The last windows may not be revealed yet: keep windows with committed traps that closed long enough ago.
    const lastWindow = Math.max(...[...samples.values()].map((x) => x.window));
    const all = [...samples.values()].filter(
      (x) => commitments.has(x.window) && x.window < lastWindow - 1,
    );
    const traps = all.filter((x) => x.trap).length;
    const p = traps / all.length;
    expect(all.length).toBeGreaterThan(400);
    expect(p).toBeGreaterThan(0.1);

    // The feed the run used (run.ts: root.fork("tasks")): its task for a shard, and the committee's secret plan.
    const feed = new TaskFeed(new Prng(hashParts("sim/root", SEED)).fork("tasks"));
    const st = { params } as unknown as Readonly<State>;
    const n = params.totalShards;
    const classifiers: Record<string, (x: Sample) => boolean> = {
      // observe.ts spotsTrap: the task's job is not the one the assignment implies.
      spotsTrap: (x) => {
        const j = handedJob(feed.task(x.window, x.shard, GpuArch.AMPERE, st));
        return j.window !== x.window || j.shard !== x.shard;
      },
      commitmentByte: (x) => (commitments.get(x.window) ?? []).some((c) => c[0]! % n === x.shard),
      commitmentWithShard: (x) =>
        (commitments.get(x.window) ?? []).some(
          (c) => c[31]! === hashParts("guess", x.window, x.shard)[31]!,
        ) ||
        (commitments.get(x.window) ?? []).some((c) => (c[1]! ^ x.shard) % 4 === 0 && c[2]! < 64),
      beacon: (x) =>
        new Prng(
          hashParts("guess/beacon", beacon.get(x.window) ?? new Uint8Array(32), x.shard),
        ).chance(params.trapRateBps, 10_000),
      recentVault: (x) =>
        [1, 2, 3].some((d) => vaultShards.get(x.window - d)?.has(x.shard) ?? false),
      lastWindowTrap: (x) => samples.get(`${x.window - 1}/${x.shard}`)?.trap ?? false,
    };
    // A learned prior: the shards most often trapped in the first half, flagged in the second.
    const mid = Math.floor(lastWindow / 2);
    const freq = new Map<number, number>();
    for (const x of all)
      if (x.window < mid && x.trap) freq.set(x.shard, (freq.get(x.shard) ?? 0) + 1);
    const hot = new Set(
      [...freq]
        .sort((a, b) => b[1] - a[1])
        .slice(0, Math.ceil(n / 4))
        .map(([shard]) => shard),
    );
    classifiers.learnedShardPrior = (x) => x.window >= mid && hot.has(x.shard);

    const report: Record<string, unknown> = {};
    for (const [name, flag] of Object.entries(classifiers)) {
      const flagged = all.filter(flag);
      const unflagged = all.filter((x) => !flag(x));
      for (const [group, xs] of [
        ["flagged", flagged],
        ["unflagged", unflagged],
      ] as const) {
        if (xs.length === 0) continue;
        const rate = xs.filter((x) => x.trap).length / xs.length;
        const band = Z * Math.sqrt((p * (1 - p)) / xs.length);
        report[`${name}/${group}`] = { n: xs.length, rate: rate.toFixed(3) };
        expect(
          Math.abs(rate - p),
          `${name}: trap rate among ${group} ${rate.toFixed(3)} vs base ${p.toFixed(3)} ± ${band.toFixed(3)} (n=${xs.length})`,
        ).toBeLessThanOrEqual(band);
      }
      // Accuracy no better than always answering "not a trap" (1 − p), within the band.
      const acc = all.filter((x) => flag(x) === x.trap).length / all.length;
      expect(acc).toBeLessThanOrEqual(1 - p + Z * Math.sqrt((p * (1 - p)) / all.length));
    }
    // spotsTrap never fires: every miner is handed its own assignment's job.
    expect(all.some(classifiers.spotsTrap!)).toBe(false);

    // Positive control: the committee's plan (secret until the reveal) predicts every trap.
    const secret = (x: Sample) => feed.planFor(x.window, st).traps.has(x.shard);
    expect(
      all.every((x) => secret(x) === x.trap),
      "the committee's plan and the revealed traps agree",
    ).toBe(true);
    console.log(
      `trap indistinguishability: ${all.length} samples, base rate ${p.toFixed(3)}`,
      JSON.stringify(report),
    );
  }, 60_000);
});

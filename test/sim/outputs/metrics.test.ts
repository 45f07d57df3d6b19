import { describe, expect, it } from "vitest";
import { MetricsSink, type SubmissionRow } from "../../../src/sim/outputs/metrics.ts";
import { replayDemo } from "./demo-run.ts";

describe("MetricsSink (no database)", () => {
  it("folds the demo world into windows and streams each submission once its window settles", async () => {
    const streamed: SubmissionRow[] = [];
    const sink = new MetricsSink({ submission: (r) => streamed.push({ ...r }) });
    const chain = await replayDemo(3, sink);
    const events = chain.log.flat();
    const windows = sink.windows();
    // The demo runs until window 1 (all traps) settles: windows 0.. in order, however many opened meanwhile.
    expect(windows.length).toBeGreaterThanOrEqual(4);
    expect(windows.map((w) => w.window)).toEqual([...windows.keys()]);
    expect(windows.reduce((n, w) => n + w.submissions, 0)).toBe(
      events.filter((e) => e.case === "gradientSubmitted").length,
    );
    expect(windows.reduce((n, w) => n + w.blocks, 0)).toBe(chain.log.length);
    expect(windows[0]!.trapsRevealed + windows[1]!.trapsRevealed).toBe(
      events.filter((e) => e.case === "trapRevealed").length,
    );
    // Window 1 is all traps: recomputation passes every honest miner and catches the lazy one (in tier 1's dispute).
    expect(windows[1]!.trapPassed).toBeGreaterThan(0);
    expect(windows[1]!.trapCaught).toBe(1);
    expect(windows[1]!.trapPassed).toBe(
      streamed.filter((r) => r.window === 1 && r.trap === "passed").length,
    );
    // Each submission exactly once, all settled windows flushed before the end.
    expect(new Set(streamed.map((s) => s.submissionId)).size).toBe(streamed.length);
    expect(streamed.length).toBe(events.filter((e) => e.case === "gradientSubmitted").length);
    const minted = windows.reduce(
      (n, w) => n + w.rewardsMinerUremes + w.rewardsProposerUremes + w.rewardsValidatorUremes,
      0n,
    );
    expect(minted).toBe(chain.state.supply.minted);
    const byClass = windows.flatMap((w) => [...w.rewardsByClass]).reduce((n, [, v]) => n + v, 0n);
    expect(byClass).toBe(minted);
    expect(windows.flatMap((w) => [...w.slashedByClass.keys()])).not.toContain("honest_miner");
  });

  it("refuses blocks before start", () => {
    expect(() => new MetricsSink().block({} as never)).toThrow(/before start/);
  });
});

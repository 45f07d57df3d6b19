/**
 * A simulated miner whose commitment is lost on the way sends it again while
 * the commit phase is open, as the live daemon's reveal journal does
 * (src/actors/live/reveal-journal.ts): on a lossy link it still commits for
 * nearly every window it is assigned, instead of losing each window whose
 * commitment the network dropped.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/sim/run.ts";
import { parseScenario } from "../../src/sim/scenario.ts";
import type { RunSink } from "../../src/sim/sink.ts";

const lossy = (lossBps: number) =>
  parseScenario(
    {
      ...(JSON.parse(
        readFileSync(resolve(import.meta.dirname, "../../scenarios/baseline.json"), "utf8"),
      ) as object),
      faults: { lossBps },
    },
    "baseline with a lossy network",
  );

/** Of the (miner, window) pairs assigned in windows 1..6, the share whose commitment landed. */
const committedShare = async (lossBps: number) => {
  const assigned = new Map<number, number>();
  const committed = new Set<string>();
  const sink: RunSink = {
    start() {},
    block(b) {
      for (const e of b.events) {
        if (e.case === "windowOpened") {
          const w = Number(e.value.window);
          assigned.set(w, b.state.windows.get(w)?.assignment.size ?? 0);
        } else if (e.case === "gradientCommitted")
          committed.add(`${e.value.window}/${e.value.miner}`);
      }
    },
    end() {},
  };
  const r = await runScenario(lossy(lossBps), { seed: 5, blocks: 150, sink });
  expect(r.violation).toBeUndefined();
  let want = 0;
  let got = 0;
  for (let w = 1; w <= 6; w++) {
    want += assigned.get(w) ?? 0;
    got += [...committed].filter((k) => k.startsWith(`${w}/`)).length;
  }
  expect(want).toBeGreaterThan(100);
  return { share: got / want, lost: r.stats.txsLost };
};

describe("a simulated miner's lost commitment", () => {
  it("is sent again while the commit phase is open: on a 30% lossy link nearly every assigned window gets its commitment", async () => {
    const { share, lost } = await committedShare(3_000);
    expect(lost).toBeGreaterThan(100);
    expect(share).toBeGreaterThan(0.97);
  });
});

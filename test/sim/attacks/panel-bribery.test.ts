/**
 * scenarios/attacks/panel_bribery.json: a cheater who pays its tier-3 panel
 * used to buy silence and an undecided (paid) outcome. Since issue 13 silence
 * is slashed and the panel re-drawn (panel-rounds.ts): bribes buy nothing.
 */
import { describe, expect, it } from "vitest";
import { DisputeOutcome } from "../../../src/gen/remes/v1/events_pb.ts";
import { attackScenario, mean, members, type Observed, observe } from "./chain-helpers.ts";

const tier3 = (r: Observed, kind: string) => {
  const who = new Set(members(r, kind).map((a) => a.address));
  const ds = r
    .seen("disputeResolved")
    .filter((d) => d.value.tier === 3 && who.has(r.authors.get(Number(d.value.disputeId)) ?? ""));
  return {
    n: ds.length,
    undecided: ds.filter((d) => d.value.outcome === DisputeOutcome.UNDECIDED).length,
    rejected: ds.filter((d) => d.value.outcome === DisputeOutcome.REJECTED).length,
  };
};

describe("panel bribery", () => {
  const s = attackScenario("panel_bribery");

  it("buys nothing since issue 13: the bought silence is slashed and replaced, the bribers' disputes are decided, and each mercenary loses more than it is paid", async () => {
    const r = await observe(s);
    expect(r.violation).toBeUndefined();
    const bribers = tier3(r, "bribing_miner");
    expect(bribers.n).toBeGreaterThan(0);
    expect(bribers.rejected).toBeGreaterThan(0);
    expect(bribers.rejected).toBeGreaterThan(bribers.undecided);
    const briberAddresses = new Set(members(r, "bribing_miner").map((a) => a.address));
    const bribes = r.seen("transferred").filter((t) => briberAddresses.has(t.value.from));
    expect(bribes.length).toBeGreaterThan(0);
    // Every mercenary that took bribes lost more to no-verdict slashes than it received.
    for (const v of members(r, "abstaining_validator")) {
      const received = bribes
        .filter((t) => t.value.to === v.address)
        .reduce((t, b) => t + b.value.amount, 0n);
      if (received === 0n) continue;
      expect(v.slashedUremes).toBeGreaterThan(received);
    }
    // The bribers end below an honest miner (and, over seeds 1–3, level with the lazy miners who pay nothing).
    expect(mean(members(r, "bribing_miner"), (a) => a.netUremes)).toBeLessThan(
      mean(members(r, "honest_miner"), (a) => a.netUremes),
    );
  });
});

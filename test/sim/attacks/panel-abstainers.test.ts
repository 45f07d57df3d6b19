/**
 * scenarios/attacks/panel_abstainers.json: validators who stay silent on
 * their ring's disputes turn tier-3 rejections into UNDECIDED outcomes, which
 * pay the ring's fakes and cost the abstainers nothing.
 */
import { describe, expect, it } from "vitest";
import { DisputeOutcome } from "../../../src/gen/remes/v1/events_pb.ts";
import { attackScenario, mean, members, type Observed, observe, replaceKind } from "./chain-helpers.ts";

const tier3Outcomes = (r: Observed, group: string): { undecided: number; rejected: number } => {
  const ring = new Set(members(r, "lazy_miner", group).map((a) => a.address));
  let undecided = 0;
  let rejected = 0;
  for (const { value: d } of r.seen("disputeResolved")) {
    if (d.tier !== 3 || !ring.has(r.authors.get(d.disputeId) ?? "")) continue;
    if (d.outcome === DisputeOutcome.UNDECIDED) undecided++;
    if (d.outcome === DisputeOutcome.REJECTED) rejected++;
  }
  return { undecided, rejected };
};

describe("panel abstainers", () => {
  const s = attackScenario("panel_abstainers");

  it("leave their ring's disputes undecided: the ring's fakes are paid and slashed less than the same fakes outside it", async () => {
    const r = await observe(s);
    expect(r.violation).toBeUndefined();
    const ring = tier3Outcomes(r, "ring");
    const solo = tier3Outcomes(r, "solo");
    // Two abstainers on a three-member panel leave no majority: most of the ring's disputes end undecided (seed 1: 8 of 14 since the global model changed the block hashes that draw panels; 16 of 17 before).
    expect(ring.undecided + ring.rejected).toBeGreaterThan(5);
    expect(ring.undecided).toBeGreaterThan(ring.rejected);
    // The same cheating outside the ring is judged: no undecided panel.
    expect(solo.rejected).toBeGreaterThan(0);
    expect(solo.undecided).toBe(0);
    const ringMiners = members(r, "lazy_miner", "ring");
    const soloMiners = members(r, "lazy_miner", "solo");
    // Slashed less by disputes (traps and isolation audits judged by panels without two ring members still slash both groups).
    const disputeSlashes = (as: readonly { address: string }[]) =>
      r.seen("slashed").filter(({ value: x }) => x.offenceKey.startsWith("dispute/") && as.some((a) => a.address === x.address)).length;
    expect(disputeSlashes(ringMiners)).toBeLessThan(disputeSlashes(soloMiners));
    expect(mean(ringMiners, (a) => a.rewardsUremes)).toBeGreaterThan(mean(soloMiners, (a) => a.rewardsUremes));
    // It does not pay on chain today: traps still catch the ring's fakes (50% of the stake each), so the
    // ring ends below an honest miner; abstention only disarms tiers 2 and 3.
    expect(mean(ringMiners, (a) => a.netUremes)).toBeLessThan(mean(members(r, "honest_miner"), (a) => a.netUremes));
    // Silence is free: no abstainer is slashed, and each still earns on the disputes it does judge.
    for (const v of members(r, "abstaining_validator")) {
      expect(v.slashedUremes).toBe(0n);
      expect(v.rewardsUremes).toBeGreaterThan(0n);
    }
  });

  it("win nothing for the ring when the same validators judge honestly", async () => {
    const r = await observe(replaceKind(s, "abstaining_validator", "honest_validator"));
    expect(r.violation).toBeUndefined();
    const ring = tier3Outcomes(r, "ring");
    expect(ring.rejected).toBeGreaterThan(0);
    expect(ring.undecided).toBe(0);
  });
});

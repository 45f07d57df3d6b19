/**
 * scenarios/attacks/panel_bribery.json: a cheater who pays its tier-3 panel
 * buys silence from validators for hire, and its disputes end undecided.
 */
import { describe, expect, it } from "vitest";
import { DisputeOutcome } from "../../../src/gen/remes/v1/events_pb.ts";
import { attackScenario, mean, members, type Observed, observe, REMES } from "./chain-helpers.ts";

const tier3 = (r: Observed, kind: string) => {
  const who = new Set(members(r, kind).map((a) => a.address));
  const ds = r.seen("disputeResolved").filter((d) => d.value.tier === 3 && who.has(r.authors.get(d.value.disputeId) ?? ""));
  return { n: ds.length, undecided: ds.filter((d) => d.value.outcome === DisputeOutcome.UNDECIDED).length, rejected: ds.filter((d) => d.value.outcome === DisputeOutcome.REJECTED).length };
};

describe("panel bribery", () => {
  const s = attackScenario("panel_bribery");

  it("buys undecided outcomes: the bribers keep stake the non-payers lose, and the panel pockets the bribes", async () => {
    const r = await observe(s);
    expect(r.violation).toBeUndefined();
    const bribers = tier3(r, "bribing_miner");
    const payers = tier3(r, "lazy_miner");
    expect(bribers.n).toBeGreaterThan(5);
    expect(bribers.undecided).toBeGreaterThan(2 * bribers.rejected);
    expect(payers.rejected).toBeGreaterThan(0);
    expect(payers.undecided).toBe(0);
    // 20 REMES to each of 3 panel members per escalated dispute, against 50% of the stake.
    const briberAddresses = new Set(members(r, "bribing_miner").map((a) => a.address));
    const bribes = r.seen("transferred").filter((t) => briberAddresses.has(t.value.from));
    const drawn = [...r.seen("disputeEscalated"), ...r.seen("disputeOpened").filter((d) => d.value.tier === 3)];
    // At most one bribe per panel member of each dispute drawn against a briber (none once it can no longer pay).
    const briberPanels = drawn.filter((e) => briberAddresses.has(r.authors.get(e.value.disputeId) ?? "")).length;
    expect(bribes.length).toBeLessThanOrEqual(3 * briberPanels);
    expect(bribes.length).toBeGreaterThanOrEqual(2 * briberPanels);
    expect(bribes.every((t) => t.value.amount === 20n * REMES)).toBe(true);
    expect(mean(members(r, "bribing_miner"), (a) => a.slashedUremes)).toBeLessThan(mean(members(r, "lazy_miner"), (a) => a.slashedUremes));
    expect(mean(members(r, "bribing_miner"), (a) => a.netUremes)).toBeGreaterThan(mean(members(r, "lazy_miner"), (a) => a.netUremes));
    // Still below an honest miner on chain today: traps catch bribers too.
    expect(mean(members(r, "bribing_miner"), (a) => a.netUremes)).toBeLessThan(mean(members(r, "honest_miner"), (a) => a.netUremes));
    // Taking a bribe and staying silent is unpunished; every validator that sat on a bribed panel is richer for it.
    for (const v of [...members(r, "abstaining_validator"), ...members(r, "honest_validator")]) {
      expect(v.slashedUremes).toBe(0n);
      const received = bribes.filter((t) => t.value.to === v.address).reduce((t, b) => t + b.value.amount, 0n);
      expect(v.netUremes).toBe(v.rewardsUremes + received);
    }
  });
});

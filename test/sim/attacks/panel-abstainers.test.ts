/**
 * scenarios/attacks/panel_abstainers.json: validators who stay silent on
 * their ring's disputes used to turn tier-3 rejections into UNDECIDED
 * outcomes that paid the ring's fakes at no cost. Since issue 13 a silent
 * member is slashed and replaced (panel-rounds.ts): the ring loses.
 */
import { describe, expect, it } from "vitest";
import { DisputeOutcome } from "../../../src/gen/remes/v1/events_pb.ts";
import { Offence } from "../../../src/gen/remes/v1/types_pb.ts";
import {
  attackScenario,
  mean,
  members,
  type Observed,
  observe,
  replaceKind,
} from "./chain-helpers.ts";

const tier3Outcomes = (r: Observed, group: string): { undecided: number; rejected: number } => {
  const ring = new Set(members(r, "lazy_miner", group).map((a) => a.address));
  let undecided = 0;
  let rejected = 0;
  for (const { value: d } of r.seen("disputeResolved")) {
    if (d.tier !== 3 || !ring.has(r.authors.get(Number(d.disputeId)) ?? "")) continue;
    if (d.outcome === DisputeOutcome.UNDECIDED) undecided++;
    if (d.outcome === DisputeOutcome.REJECTED) rejected++;
  }
  return { undecided, rejected };
};

describe("panel abstainers", () => {
  const s = attackScenario("panel_abstainers");

  it("lose since issue 13: each silent member is slashed and replaced, the ring's disputes are decided, and silence costs the abstainers more than honest judging", async () => {
    const r = await observe(s);
    expect(r.violation).toBeUndefined();
    const ring = tier3Outcomes(r, "ring");
    // Re-drawn panels decide the ring's fakes (seeds 1–3 at full length: every one rejected, none undecided).
    expect(ring.rejected).toBeGreaterThan(0);
    expect(ring.rejected).toBeGreaterThan(ring.undecided);
    expect(r.seen("panelRedrawn").length).toBeGreaterThan(0);
    // The abstainers are slashed for every verdict they withheld, and end below the honest validators.
    const noVerdict = r.seen("slashed").filter((e) => e.value.offence === Offence.NO_VERDICT);
    const abstainers = members(r, "abstaining_validator");
    const ringSet = new Set(abstainers.map((a) => a.address));
    expect(noVerdict.length).toBeGreaterThan(0);
    expect(noVerdict.every((e) => ringSet.has(e.value.address))).toBe(true);
    expect(mean(abstainers, (a) => a.netUremes)).toBeLessThan(
      mean(members(r, "honest_validator"), (a) => a.netUremes),
    );
    // And the ring's lazy miners end below an honest miner.
    expect(mean(members(r, "lazy_miner", "ring"), (a) => a.netUremes)).toBeLessThan(
      mean(members(r, "honest_miner"), (a) => a.netUremes),
    );
  });

  it("win nothing for the ring when the same validators judge honestly", async () => {
    const r = await observe(replaceKind(s, "abstaining_validator", "honest_validator"));
    expect(r.violation).toBeUndefined();
    const ring = tier3Outcomes(r, "ring");
    expect(ring.rejected).toBeGreaterThan(0);
    expect(ring.undecided).toBe(0);
  });
});

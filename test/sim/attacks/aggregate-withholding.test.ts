/**
 * scenarios/attacks/aggregate_withholding.json: a proposer that reveals a CID
 * it never published is found out and slashed 20%; one that commits and
 * never reveals stalls its windows for 0.01% of its stake.
 */
import { describe, expect, it } from "vitest";
import { AggregationFault, DisputeOutcome } from "../../../src/gen/remes/v1/events_pb.ts";
import { aggregateCid, ContentStore } from "../../../src/actors/world.ts";
import { attackScenario, members, observe, REMES } from "./chain-helpers.ts";

describe("the simulator's content store", () => {
  it("has an aggregate only once its proposer published it", () => {
    const store = new ContentStore();
    const v = Int32Array.from([1, -2, 3]);
    const cid = aggregateCid(v);
    expect(store.hasAggregate(cid, v)).toBe(false);
    store.putAggregate(cid, v);
    expect(store.hasAggregate(cid, v)).toBe(true);
    expect(store.hasAggregate(aggregateCid(Int32Array.from([1, -2, 4])), v)).toBe(false);
  });
});

describe("aggregate withholders", () => {
  it("'blob' is challenged and slashed; 'stall' leaves windows without an aggregate for almost nothing", async () => {
    const s = attackScenario("aggregate_withholding");
    const r = await observe(s);
    expect(r.violation).toBeUndefined();
    const [blob] = members(r, "withholding_proposer", "blob");
    const [stall] = members(r, "withholding_proposer", "stall");
    const faults = r.seen("aggregationFaulted");
    const blobFaults = faults.filter((f) => f.value.proposer === blob!.address);
    const stallFaults = faults.filter((f) => f.value.proposer === stall!.address);

    // Every aggregate 'blob' revealed was disputed and lost at tier 3.
    expect(blobFaults.length).toBeGreaterThan(0);
    expect(blobFaults.every((f) => f.value.fault === AggregationFault.DISPUTE_LOST)).toBe(true);
    const lost = r
      .seen("disputeResolved")
      .filter((d) => r.authors.get(Number(d.value.disputeId)) === blob!.address);
    expect(lost.length).toBe(blobFaults.length);
    expect(lost.every((d) => d.value.outcome === DisputeOutcome.REJECTED)).toBe(true);
    // 20% of a 10,000 REMES stake at the first loss, compounding after.
    expect(blob!.slashedUremes).toBeGreaterThanOrEqual(2_000n * REMES);
    expect(blob!.rewardsUremes).toBe(0n);

    // 'stall' misses reveals: 1 bps of its stake per window, and no aggregate for those windows.
    expect(stallFaults.length).toBeGreaterThan(0);
    expect(stallFaults.every((f) => f.value.fault === AggregationFault.MISSED_REVEAL)).toBe(true);
    expect(stall!.slashedUremes).toBeGreaterThan(0n);
    expect(stall!.slashedUremes).toBeLessThanOrEqual(BigInt(stallFaults.length) * REMES);
    const finalized = new Set(r.seen("aggregationFinalized").map((f) => f.value.window));
    for (const f of stallFaults) expect(finalized.has(f.value.window)).toBe(false);

    // The honest proposers are paid and never slashed; the challengers gained what 'blob' lost.
    for (const p of members(r, "honest_proposer")) expect(p.slashedUremes).toBe(0n);
    expect(members(r, "honest_proposer").some((p) => p.rewardsUremes > 0n)).toBe(true);
    expect(members(r, "honest_validator").reduce((t, v) => t + v.netUremes, 0n)).toBeGreaterThan(
      blob!.slashedUremes / 4n,
    );
  });
});

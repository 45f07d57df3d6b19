/**
 * scenarios/attacks/censored_availability.json: a griefer's availability
 * challenges lose against miners who answer, and win 100 REMES each when its
 * partners propose every block of the response window and leave the proofs out.
 */
import { describe, expect, it } from "vitest";
import { Offence } from "../../../src/gen/remes/v1/types_pb.ts";
import { command } from "../../../src/protocol/commands.ts";
import { Mempool, type SimTx } from "../../../src/sim/mempool.ts";
import { attackScenario, members, observe, REMES, replaceKind } from "./chain-helpers.ts";

describe("the mempool", () => {
  it("takes txs a censor left out back at its head, in their order, ahead of later arrivals", () => {
    const tx = (id: number): SimTx => ({ id, from: "a", cmd: command("send", { fromAddress: "a", toAddress: "b", amount: BigInt(id + 1) }) });
    const pool = new Mempool(100);
    for (let i = 0; i < 5; i++) pool.add(tx(i));
    const block = pool.reap(1_000_000, 3);
    expect(block.map((t) => t.id)).toEqual([0, 1, 2]);
    pool.putBack([block[0]!, block[2]!]);
    pool.add(tx(5));
    expect(pool.reap(1_000_000, 10).map((t) => t.id)).toEqual([0, 2, 3, 4, 5]);
    expect(pool.size).toBe(0);
  });
});

describe("censoring proposers with a data-availability griefer", () => {
  const s = attackScenario("censored_availability");

  it("the griefer with censors slashes honest miners who held their data and ends ahead; alone it loses its bonds", async () => {
    const r = await observe(s);
    expect(r.violation).toBeUndefined();
    expect(r.stats.txsCensored).toBeGreaterThan(0);
    const [partnered] = members(r, "da_griefer", "grief");
    const [alone] = members(r, "da_griefer", "alone");
    const honest = new Set(members(r, "honest_miner").map((a) => a.address));
    // Each win: 10% of a 2,000 REMES stake, half of it to the griefer.
    const wins = r.seen("slashed").filter((e) => e.value.offence === Offence.AVAILABILITY && e.value.beneficiary === partnered!.address);
    expect(wins.length).toBeGreaterThan(0);
    for (const w of wins) expect(honest.has(w.value.address)).toBe(true);
    expect(partnered!.netUremes).toBe(wins.reduce((t, w) => t + w.value.toBeneficiary, 0n) - lostBonds(r, partnered!.address));
    expect(partnered!.netUremes).toBeGreaterThan(100n * REMES);
    // Without censors every proof lands in time: bonds lost, nothing won.
    expect(r.seen("slashed").some((e) => e.value.beneficiary === alone!.address)).toBe(false);
    expect(alone!.netUremes).toBeLessThan(0n);
    // The censors themselves are not punished for it.
    for (const v of members(r, "censoring_validator")) expect(v.slashedUremes).toBe(0n);
  });

  it("loses its bonds when its partners propose honestly", async () => {
    const r = await observe(replaceKind(s, "censoring_validator", "honest_validator"));
    expect(r.stats.txsCensored).toBe(0);
    const [partnered] = members(r, "da_griefer", "grief");
    expect(r.seen("slashed").some((e) => e.value.beneficiary === partnered!.address)).toBe(false);
    expect(partnered!.netUremes).toBeLessThan(0n);
  });
});

/** Bonds of the challenger's availability challenges that were proven (paid to the miner). */
const lostBonds = (r: Awaited<ReturnType<typeof observe>>, challenger: string): bigint => {
  const bonds = new Map(r.seen("availabilityChallenged").filter((c) => c.value.challenger === challenger).map((c) => [c.value.challengeId, c.value.bond]));
  return r.seen("availabilityResolved").filter((x) => x.value.proven && bonds.has(x.value.challengeId)).reduce((t, x) => t + bonds.get(x.value.challengeId)!, 0n);
};

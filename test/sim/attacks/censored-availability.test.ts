/**
 * scenarios/attacks/censored_availability.json: a griefer's availability
 * challenges lose against miners who answer. Before issue 13 they won 100
 * REMES each (for a 1 REMES bond) when its partners proposed the three blocks
 * of the response window and left the proofs out, and the partnered griefer
 * ended ahead (this test failed after the fix and was flipped); now a bond
 * is a quarter of the slash and a window needs two distinct proposers, and
 * the partnered griefer loses too.
 */
import { describe, expect, it } from "vitest";
import { Offence } from "../../../src/gen/remes/v1/types_pb.ts";
import { command } from "../../../src/protocol/commands.ts";
import { Mempool, type SimTx } from "../../../src/sim/mempool.ts";
import { attackScenario, members, observe, REMES, replaceKind } from "./chain-helpers.ts";

describe("the mempool", () => {
  it("takes txs a censor left out back at its head, in their order, ahead of later arrivals", () => {
    const tx = (id: number): SimTx => ({
      id,
      from: "a",
      cmd: command("send", { fromAddress: "a", toAddress: "b", amount: BigInt(id + 1) }),
    });
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

  it("the griefer loses even with censors: a challenge bonds a quarter of the slash it can cause and a window needs two distinct proposers; alone it loses too", async () => {
    const r = await observe(s);
    expect(r.violation).toBeUndefined();
    expect(r.stats.txsCensored).toBeGreaterThan(0);
    const [partnered] = members(r, "da_griefer", "grief");
    const [alone] = members(r, "da_griefer", "alone");
    const honest = new Set(members(r, "honest_miner").map((a) => a.address));
    // It kept challenging, with bonds of up to 50 REMES (a quarter of the 200 REMES slash of a 2,000 REMES stake; less once a victim was slashed).
    const bonds = r
      .seen("availabilityChallenged")
      .filter((c) => c.value.challenger === partnered!.address);
    expect(bonds.length).toBeGreaterThan(5);
    for (const b of bonds)
      expect(b.value.bond > 1n * REMES && b.value.bond <= 50n * REMES).toBe(true);
    // Whatever it still wins (censors proposing every block until the window closes) does not pay for its lost bonds.
    const wins = r
      .seen("slashed")
      .filter(
        (e) =>
          e.value.offence === Offence.AVAILABILITY && e.value.beneficiary === partnered!.address,
      );
    for (const w of wins) expect(honest.has(w.value.address)).toBe(true);
    expect(partnered!.netUremes).toBe(
      wins.reduce((t, w) => t + w.value.toBeneficiary, 0n) -
        lostBonds(r, partnered!.address) -
        openBonds(r, partnered!.address),
    );
    expect(partnered!.netUremes).toBeLessThan(0n);
    expect(r.seen("slashed").some((e) => e.value.beneficiary === alone!.address)).toBe(false);
    expect(alone!.netUremes).toBeLessThan(0n);
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
  const bonds = new Map(
    r
      .seen("availabilityChallenged")
      .filter((c) => c.value.challenger === challenger)
      .map((c) => [c.value.challengeId, c.value.bond]),
  );
  return r
    .seen("availabilityResolved")
    .filter((x) => x.value.proven && bonds.has(x.value.challengeId))
    .reduce((t, x) => t + bonds.get(x.value.challengeId)!, 0n);
};

/** Bonds of the challenger's availability challenges still open when the run ended (in escrow). */
const openBonds = (r: Awaited<ReturnType<typeof observe>>, challenger: string): bigint => {
  const resolved = new Set(r.seen("availabilityResolved").map((x) => x.value.challengeId));
  return r
    .seen("availabilityChallenged")
    .filter((c) => c.value.challenger === challenger && !resolved.has(c.value.challengeId))
    .reduce((t, c) => t + c.value.bond, 0n);
};

/**
 * scenarios/attacks/unbond_before_slash.json and unbonding_spam.json: stake
 * that unbonded faster than the first slash escaped it; validateParams now
 * refuses such a period (issue 13), and with the least it allows every
 * slash finds stake. Tiny unbondings no longer pile up entries
 * (max_unbonding_entries per address and role).
 */
import { describe, expect, it } from "vitest";
import { Offence, Role } from "../../../src/gen/remes/v1/types_pb.ts";
import { defaultParams, longestSlashingDelay } from "../../../src/protocol/params.ts";
import { resolveParams } from "../../../src/sim/scenario.ts";
import { attackScenario, mean, members, observe, REMES } from "./chain-helpers.ts";

describe("unbond before slash", () => {
  const s = attackScenario("unbond_before_slash");

  it("is refused a period shorter than the way from a submission to its last slash", () => {
    const p = resolveParams({ ...s, params: { ...s.params, unbondingBlocks: 4 } });
    expect(p).toMatch(
      /^params: unbondingBlocks must be at least the longest slashing delay, 69 blocks/,
    );
  });

  it("escapes no slash with the least period validateParams allows: every fake's slash finds stake", async () => {
    const least = resolveParams(s);
    if (typeof least === "string") throw new Error(least);
    expect(least.unbondingBlocks).toBe(longestSlashingDelay(least));
    const r = await observe(s);
    expect(r.violation).toBeUndefined();
    const unbonders = members(r, "unbonding_miner");
    const addresses = new Set(unbonders.map((a) => a.address));
    // Before issue 13 (unbondingBlocks 4) every one of these slashes found 0 uremes and the unbonders earned +29.6 REMES.
    const slashes = r
      .seen("slashed")
      .filter((e) => addresses.has(e.value.address) && e.value.offence === Offence.LAZY_MINING);
    expect(slashes.length).toBeGreaterThan(0);
    for (const e of slashes) expect(e.value.amount).toBeGreaterThan(0n);
    expect(mean(unbonders, (a) => a.netUremes)).toBeLessThan(0n);
    expect(mean(unbonders, (a) => a.netUremes)).toBeLessThan(
      mean(members(r, "honest_miner"), (a) => a.netUremes),
    );
  });

  it("gains nothing with the default unbonding period: the slash reaches the unbonding entry", async () => {
    const { unbondingBlocks: _, ...params } = s.params ?? {};
    expect(defaultParams().unbondingBlocks).toBeGreaterThan(300_000);
    const p = defaultParams();
    const rate = new Map([
      [Offence.LAZY_MINING, p.slashLazyMiningBps],
      [Offence.AVAILABILITY, p.slashAvailabilityBps],
      // Its next window's commitment, left unrevealed once it unbonded (gradient-commits.ts).
      [Offence.UNREVEALED_COMMITMENT, p.slashUnrevealedCommitBps],
    ]);
    // Each unbonder fakes once and unbonds its whole stake at once, then waits out the 21 days; whatever catches a fake
    // (a lazy-mining verdict, a missed availability proof, its unrevealed next commitment) finds the 2,000 REMES in its
    // unbonding entry and takes its full rate of what is left. One seed may catch none of four single fakes: seeds 1-3 together catch some.
    let caught = 0;
    for (const seed of [1, 2, 3]) {
      const r = await observe({ ...s, params }, { seed });
      expect(r.violation).toBeUndefined();
      const unbonders = members(r, "unbonding_miner");
      const addresses = new Set(unbonders.map((a) => a.address));
      const slashes = r.seen("slashed").filter((e) => addresses.has(e.value.address));
      caught += slashes.length;
      // Each slash takes its full rate of what the unbonding entry still holds (2,000 REMES less earlier slashes).
      const left = new Map<string, bigint>();
      for (const e of slashes) {
        expect(e.value.role).toBe(Role.MINER);
        const atRisk = left.get(e.value.address) ?? 2_000n * REMES;
        expect(e.value.amount).toBe((atRisk * BigInt(rate.get(e.value.offence)!)) / 10_000n);
        left.set(e.value.address, atRisk - e.value.amount);
      }
      expect(mean(unbonders, (a) => a.netUremes)).toBeLessThan(
        mean(members(r, "honest_miner"), (a) => a.netUremes),
      );
    }
    expect(caught).toBeGreaterThan(0);
  });
});

describe("unbonding spam", () => {
  // Before issue 13 every 1-uremes unbonding opened an entry (200 a block here, 10^6 in 5,000 blocks) and
  // every block and slash scanned them all. Now an (address, role) holds at most max_unbonding_entries.
  it("holds at most max_unbonding_entries entries: the rest of the spam is refused, and it still earns no more than mining", async () => {
    const s = attackScenario("unbonding_spam");
    const blocks = s.shortBlocks!;
    const r = await observe(s, { blocks });
    expect(r.violation).toBeUndefined();
    const [spammer] = members(r, "spamming_miner");
    const entries = [...r.finalState.unbonding.values()];
    expect(entries.every((u) => u.address === spammer!.address && u.amount === 1n)).toBe(true);
    // None complete within the run (they wait 21 days), so the cap is reached and stays reached.
    expect(entries.length).toBe(defaultParams().maxUnbondingEntries);
    expect(r.finalState.params.maxUnbondingEntries).toBe(7);
    expect(spammer!.slashedUremes).toBe(0n);
    expect(spammer!.netUremes).toBe(spammer!.rewardsUremes);
  });
});

/**
 * Availability griefing (issue 13): a challenge's bond is sized to the slash
 * it can cause, and a response window survives a single censoring proposer.
 * Both given/when/then tests below failed before the fix (1 REMES bonded a
 * challenge worth 100 REMES; a proof left out of three blocks of one censor
 * was late).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GpuArch, Offence } from "../../src/gen/remes/v1/types_pb.ts";
import { labelAddress as addr } from "../../src/protocol/address.ts";
import { command } from "../../src/protocol/commands.ts";
import { merkleProof, merkleRoot } from "../../src/protocol/merkle.ts";
import { defaultParams } from "../../src/protocol/params.ts";
import {
  accepted,
  balance,
  cidOf,
  eventsOf,
  given,
  hashOf,
  REMES,
  rejected,
  shardOf,
  submitted as commitAndReveal,
} from "./given.ts";

const MINER = addr("remes1miner0");
const GRIEFER = addr("remes1griefer");
const CENSOR = addr("remes1censor");
const HONEST = addr("remes1honestval");
const chunks = [new Uint8Array(1024).fill(1), new Uint8Array(1024).fill(2)];

/** A 2,000 REMES miner commits at 2 and reveals at 11 under two equal validators; the griefer holds 1,000 REMES. */
const submitted = () => {
  const chain = given({
    miners: { [MINER]: 2_000n },
    validators: { [CENSOR]: 10_000n, [HONEST]: 10_000n },
    accounts: { [GRIEFER]: 1_000n },
  });
  chain.block();
  const hash = hashOf("g");
  commitAndReveal(
    chain,
    command("submitGradient", {
      miner: MINER,
      window: 0,
      shard: shardOf(chain, MINER),
      gradientCid: cidOf(hash),
      gradientHash: hash,
      daRoot: merkleRoot(chunks),
      sizeBytes: 2_048n,
      claimedLossMicro: 1_000n,
      gpuArch: GpuArch.AMPERE,
      kernelVersion: "bitnet-cpu/1",
    }),
  );
  return chain;
};

const prove = (challengeId: number, index: number) => {
  const p = merkleProof(chunks, index);
  return command("proveAvailability", {
    miner: MINER,
    challengeId,
    chunk: chunks[index]!,
    proof: { index: p.index, leafCount: p.leafCount, siblings: [...p.siblings] },
  });
};

describe("availability griefing", () => {
  it("given a 2,000 REMES miner, when a challenger bonds da_challenge_bond (1 REMES) against a slash that pays it 100 REMES, then the challenge is refused; a quarter of the slash (50 REMES) is accepted", () => {
    const chain = submitted();
    rejected(
      chain,
      command("challengeAvailability", { challenger: GRIEFER, submissionId: 0, bond: 1n * REMES }),
      "invalidMessage",
    );
    rejected(
      chain,
      command("challengeAvailability", {
        challenger: GRIEFER,
        submissionId: 0,
        bond: 50n * REMES - 1n,
      }),
      "invalidMessage",
    );
    const [c] = eventsOf(
      accepted(
        chain,
        command("challengeAvailability", {
          challenger: GRIEFER,
          submissionId: 0,
          bond: 50n * REMES,
        }),
      ),
      "availabilityChallenged",
    );
    expect(c!.bond).toBe(50n * REMES);
    expect(balance(chain, GRIEFER)).toBe(950n * REMES);
  });

  it("given a challenge, when one censoring validator proposes every block past the 3-block deadline and leaves the proof out, then the window stays open and the proof in the first honest block clears the miner", () => {
    const chain = submitted();
    const [c] = eventsOf(
      accepted(
        chain,
        command("challengeAvailability", {
          challenger: GRIEFER,
          submissionId: 0,
          bond: 50n * REMES,
        }),
      ),
      "availabilityChallenged",
    );
    const votes = [CENSOR, HONEST].map((address) => ({ address, signed: true }));
    // The censor proposes heights 13..18 (deadline 15) and includes no proof.
    chain.advanceTo(18, { proposer: CENSOR, lastCommit: votes });
    expect(
      chain.log
        .flat()
        .some((e) => e.case === "slashed" && e.value.offence === Offence.AVAILABILITY),
    ).toBe(false);
    expect(chain.state.availability.get(Number(c!.challengeId))?.proposers).toEqual([CENSOR]);
    // The honest validator's block carries the proof.
    const before = balance(chain, MINER);
    const r = chain.block([[prove(Number(c!.challengeId), c!.chunkIndex)]], {
      proposer: HONEST,
      lastCommit: votes,
    });
    expect(r.txResults[0]!.code).toBe(0);
    expect(eventsOf(r.events, "availabilityResolved")).toEqual([
      expect.objectContaining({ challengeId: c!.challengeId, proven: true }),
    ]);
    expect(balance(chain, MINER) - before).toBeGreaterThanOrEqual(50n * REMES); // the griefer's bond (plus block pay the miner does not get: it is no validator)
  });

  it("given blocks of two distinct proposers past the deadline, when no proof came, then the miner is slashed as before", () => {
    const chain = submitted();
    const [c] = eventsOf(
      accepted(
        chain,
        command("challengeAvailability", {
          challenger: GRIEFER,
          submissionId: 0,
          bond: 50n * REMES,
        }),
      ),
      "availabilityChallenged",
    );
    const votes = [CENSOR, HONEST].map((address) => ({ address, signed: true }));
    chain.block([], { proposer: CENSOR, lastCommit: votes }); // 13
    chain.block([], { proposer: HONEST, lastCommit: votes }); // 14
    chain.advanceTo(15, { proposer: CENSOR, lastCommit: votes });
    expect(chain.state.availability.has(Number(c!.challengeId))).toBe(true);
    const r = chain.block([], { proposer: CENSOR, lastCommit: votes }); // 16 > deadline 15
    expect(
      eventsOf(r.events, "slashed").map((s) => [s.offence, s.beneficiary, s.toBeneficiary]),
    ).toEqual([[Offence.AVAILABILITY, GRIEFER, 100n * REMES]]);
  });

  it("the griefer's expected gain G(s) = P·ρσS − (1 − P)·B, P = s^k, is negative at the default parameters for every censoring share s < 1/3 and k ≥ 1", () => {
    const p = defaultParams();
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 12n }), // stake at risk, REMES
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 1, max: 10 }), // s = a/b < 1/3
        fc.integer({ min: 1, max: 6 }),
        (stakeRemes, a, kk, k) => {
          const b = 3 * a + kk;
          const S = stakeRemes * REMES;
          const slashAmt = (S * BigInt(p.slashAvailabilityBps)) / 10_000n;
          const won = (slashAmt * BigInt(p.challengerRewardBps)) / 10_000n;
          const share = (slashAmt * BigInt(p.daChallengeBondSlashBps)) / 10_000n;
          const bond = share > p.daChallengeBond ? share : p.daChallengeBond;
          const ak = BigInt(a) ** BigInt(k);
          const bk = BigInt(b) ** BigInt(k);
          // b^k·G = a^k·won − (b^k − a^k)·bond
          return ak * won - (bk - ak) * bond < 0n;
        },
      ),
    );
  });
});

import { describe, expect, it } from "vitest";
import { DisputeOutcome, DisputeSubject } from "../../../src/gen/remes/v1/events_pb.ts";
import { BondDestination } from "../../../src/gen/remes/v1/params_pb.ts";
import { command } from "../../../src/protocol/commands.ts";
import { event } from "../../../src/protocol/events.ts";
import { ModuleAccount } from "../../../src/protocol/state.ts";
import { accepted, balance, eventsOf, REMES, rejected } from "../given.ts";
import { BOND, CHALLENGER, challenged, CLAIMED_LOSS, validators } from "./world.ts";
import { labelAddress as addr } from "../../../src/protocol/address.ts";

/** Four confirming validators are each paid validator_verification_reward (1 REMES) out of the forfeited bond. */
const PAID = 4n * REMES;
const confirmAll = (computed = CLAIMED_LOSS) =>
  Object.keys(validators).map((validator) =>
    command("voteLossCheck", { validator, disputeId: 0, computedLossMicro: computed }),
  );

describe("tier 2: loss spot check", () => {
  it("a challenge escrows the bond and opens a tier-2 dispute with a tier2_voting_blocks deadline", () => {
    const { chain, opened } = challenged();
    expect(eventsOf(opened, "disputeOpened")).toEqual([
      expect.objectContaining({
        disputeId: 0n,
        subject: DisputeSubject.GRADIENT,
        subjectId: 0n,
        window: 0n,
        challenger: CHALLENGER,
        bond: BOND,
        tier: 2,
        deadline: 15n,
      }),
    ]);
    expect(balance(chain, CHALLENGER)).toBe(900n * REMES);
    expect(balance(chain, ModuleAccount.escrow)).toBe(BOND);
  });

  it("a challenger whose challenge is wrong loses the bond to the miner (forfeited_bond_destination WINNER)", () => {
    const { chain } = challenged();
    const minerBefore = balance(chain, addr("remes1miner0"));
    accepted(chain, ...confirmAll()); // height 14
    const r = chain.block(); // height 15: the deadline
    expect(eventsOf(r.events, "disputeResolved")).toEqual([
      event("disputeResolved", {
        disputeId: 0,
        outcome: DisputeOutcome.UPHELD,
        tier: 2,
        refund: 0n,
        winner: addr("remes1miner0"),
        toWinner: BOND - PAID,
        toCommunity: 0n,
        burned: 0n,
      }).value,
    ]);
    expect(balance(chain, addr("remes1miner0")) - minerBefore).toBe(BOND - PAID);
    expect(balance(chain, CHALLENGER)).toBe(900n * REMES);
    expect(balance(chain, ModuleAccount.escrow)).toBe(0n);
    // Every validator that confirmed the claim is paid validator_verification_reward out of the bond, none minted.
    expect(eventsOf(r.events, "verifierPaid")).toEqual(
      Object.keys(validators)
        .sort()
        .map(
          (validator) =>
            event("verifierPaid", {
              disputeId: 0,
              validator,
              amount: 1n * REMES,
              source: ModuleAccount.escrow,
              window: 0,
            }).value,
        ),
    );
    expect(eventsOf(r.events, "rewardMinted")).toEqual([]);
    expect(eventsOf(r.events, "slashed")).toEqual([]);
    expect(chain.state.disputes.size).toBe(0);
  });

  it("with forfeited_bond_destination BURN the lost bond is burned", () => {
    const { chain } = challenged({ forfeitedBondDestination: BondDestination.BURN });
    const minerBefore = balance(chain, addr("remes1miner0"));
    accepted(chain, ...confirmAll());
    const burnedBefore = chain.state.supply.burned;
    const r = chain.block();
    expect(eventsOf(r.events, "disputeResolved")).toEqual([
      event("disputeResolved", {
        disputeId: 0,
        outcome: DisputeOutcome.UPHELD,
        tier: 2,
        refund: 0n,
        winner: "",
        toWinner: 0n,
        toCommunity: 0n,
        burned: BOND - PAID,
      }).value,
    ]);
    expect(chain.state.supply.burned - burnedBefore).toBe(BOND - PAID);
    expect(balance(chain, addr("remes1miner0"))).toBe(minerBefore);
    expect(balance(chain, CHALLENGER)).toBe(900n * REMES);
  });

  it("with forfeited_bond_destination COMMUNITY_POOL the lost bond goes to the community pool", () => {
    const { chain } = challenged({ forfeitedBondDestination: BondDestination.COMMUNITY_POOL });
    accepted(chain, ...confirmAll());
    chain.block();
    expect(balance(chain, ModuleAccount.communityPool)).toBe(BOND - PAID);
  });

  it("a bond below 10x the base miner reward is rejected", () => {
    const { chain } = challenged();
    const err = rejected(
      chain,
      command("challengeGradient", { challenger: CHALLENGER, submissionId: 1, bond: BOND - 1n }),
      "insufficientFunds",
    );
    expect(err.message).toContain(`at least ${BOND} uremes`);
  });

  it("a challenge of an already disputed submission, of one's own submission, or of an unknown one is rejected", () => {
    const { chain } = challenged();
    rejected(
      chain,
      command("challengeGradient", { challenger: addr("remes1val0"), submissionId: 0, bond: BOND }),
      "duplicate",
    );
    rejected(
      chain,
      command("challengeGradient", {
        challenger: addr("remes1miner1"),
        submissionId: 1,
        bond: BOND,
      }),
      "unauthorized",
    );
    rejected(
      chain,
      command("challengeGradient", { challenger: CHALLENGER, submissionId: 99, bond: BOND }),
      "notFound",
    );
  });

  it("a computed loss within loss_tolerance_bps (1%) supports the claim; one unit beyond does not", () => {
    const { chain } = challenged();
    const events = accepted(
      chain,
      command("voteLossCheck", {
        validator: addr("remes1val0"),
        disputeId: 0,
        computedLossMicro: CLAIMED_LOSS + 20_000n,
      }),
      command("voteLossCheck", {
        validator: addr("remes1val1"),
        disputeId: 0,
        computedLossMicro: CLAIMED_LOSS + 20_001n,
      }),
    );
    expect(eventsOf(events, "lossVoteCast").map((v) => v.supportsClaim)).toEqual([true, false]);
  });

  it("a validator voting twice, a non-validator voting, and a vote after the deadline are rejected", () => {
    const { chain } = challenged();
    accepted(
      chain,
      command("voteLossCheck", {
        validator: addr("remes1val0"),
        disputeId: 0,
        computedLossMicro: CLAIMED_LOSS,
      }),
    );
    rejected(
      chain,
      command("voteLossCheck", {
        validator: addr("remes1val0"),
        disputeId: 0,
        computedLossMicro: CLAIMED_LOSS,
      }),
      "duplicate",
    );
    rejected(
      chain,
      command("voteLossCheck", {
        validator: CHALLENGER,
        disputeId: 0,
        computedLossMicro: CLAIMED_LOSS,
      }),
      "unauthorized",
    );
    rejected(
      chain,
      command("voteLossCheck", {
        validator: addr("remes1val1"),
        disputeId: 0,
        computedLossMicro: CLAIMED_LOSS,
      }),
      "wrongPhase",
      16,
    );
  });

  it("without a confirming stake majority the dispute escalates to a tier-3 panel that excludes the parties", () => {
    const { chain } = challenged();
    chain.advanceTo(14);
    const r = chain.block(); // height 15
    const [esc] = eventsOf(r.events, "disputeEscalated");
    expect(esc).toMatchObject({ disputeId: 0n, deadline: 20n });
    expect(esc!.panel).toHaveLength(3);
    expect(esc!.panel.every((v) => v in validators)).toBe(true);
    expect(chain.state.disputes.get(0)!.tier).toBe(3);
  });
});

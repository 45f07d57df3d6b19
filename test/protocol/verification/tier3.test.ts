import { describe, expect, it } from "vitest";
import {
  DisputeOutcome,
  RewardKind,
  SubmissionStatus,
} from "../../../src/gen/remes/v1/events_pb.ts";
import { Offence, Role } from "../../../src/gen/remes/v1/types_pb.ts";
import { command } from "../../../src/protocol/commands.ts";
import { event } from "../../../src/protocol/events.ts";
import { ModuleAccount, roleKey } from "../../../src/protocol/state.ts";
import { accepted, balance, eventsOf, hashOf, MockChain, REMES, rejected } from "../given.ts";
import { BOND, CHALLENGER, CLAIMED_LOSS, challenged, validators } from "./world.ts";
import { labelAddress as addr } from "../../../src/protocol/address.ts";

let submitted: Uint8Array = new Uint8Array(32);
/** The challenged world, remembering submission 0's hash for the verdicts. */
const challengedAnd = () => {
  const r = challenged();
  submitted = r.chain.state.submissions.get(0)!.gradientHash;
  return r;
};

/** Challenged at 13, no tier-2 votes: escalated to a 3-member panel at the end of block 15 (deadline 20). */
const escalated = () => {
  const { chain } = challengedAnd();
  chain.advanceTo(15);
  const panel = [...chain.state.disputes.get(0)!.panel];
  const outsider = Object.keys(validators).find((v) => !panel.includes(v))!;
  return { chain, panel, outsider };
};

/** A panel member's verdict on submission 0: the hash it recomputed (the submitted one, or another), which the chain compares. */
const verdict = (validator: string, valid: boolean) =>
  command("submitArbitrationVerdict", {
    validator,
    disputeId: 0,
    valid,
    recomputedHash: valid ? submitted : hashOf("another gradient"),
  });
const stakeOf = (chain: MockChain, role: Role, a: string) =>
  chain.state.roles.get(roleKey(role, a))!.stake;

describe("tier 3: CPU arbitration", () => {
  it("a panel majority finding the work wrong slashes the miner 50% with challenger_reward_bps to the challenger and refunds the bond; the dissenting panel member is slashed 20%", () => {
    const { chain, panel } = escalated();
    const [a, b, dissenter] = panel as [string, string, string];
    const burnedBefore = chain.state.supply.burned;
    const dissenterStake = stakeOf(chain, Role.VALIDATOR, dissenter);
    const r = chain.exec(verdict(a, false), verdict(b, false), verdict(dissenter, true)); // height 14
    expect(r.txResults.every((t) => t.code === 0)).toBe(true);
    const slashes = eventsOf(r.events, "slashed");
    expect(slashes[0]).toEqual(
      event("slashed", {
        address: addr("remes1miner0"),
        role: Role.MINER,
        offence: Offence.LAZY_MINING,
        offenceKey: `dispute/0/${addr("remes1miner0")}`,
        amount: 1_000n * REMES,
        burned: 250n * REMES,
        toCommunity: 250n * REMES,
        beneficiary: CHALLENGER,
        toBeneficiary: 500n * REMES,
      }).value,
    );
    const falseAmount = (dissenterStake * 2_000n) / 10_000n;
    expect(slashes[1]).toEqual(
      event("slashed", {
        address: dissenter,
        role: Role.VALIDATOR,
        offence: Offence.FALSE_VERIFICATION,
        offenceKey: `false_verification/0/${dissenter}`,
        amount: falseAmount,
        burned: falseAmount / 2n,
        toCommunity: falseAmount / 2n,
        beneficiary: "",
        toBeneficiary: 0n,
      }).value,
    );
    expect(slashes).toHaveLength(2);
    expect(eventsOf(r.events, "submissionRejected")).toEqual([
      expect.objectContaining({ submissionId: 0n }),
    ]);
    // The majority is paid out of the miner's slash (its community-pool share), not minted.
    expect(eventsOf(r.events, "verifierPaid")).toEqual(
      [a, b].sort().map(
        (validator) =>
          event("verifierPaid", {
            disputeId: 0,
            validator,
            amount: 1n * REMES,
            source: ModuleAccount.communityPool,
            window: 0,
          }).value,
      ),
    );
    expect(eventsOf(r.events, "rewardMinted")).toEqual([]);
    expect(eventsOf(r.events, "disputeResolved")).toEqual([
      event("disputeResolved", {
        disputeId: 0,
        outcome: DisputeOutcome.REJECTED,
        tier: 3,
        refund: BOND,
        winner: "",
        toWinner: 0n,
        toCommunity: 0n,
        burned: 0n,
      }).value,
    ]);
    // Bond back plus half the slash.
    expect(balance(chain, CHALLENGER)).toBe(1_000n * REMES + 500n * REMES);
    expect(stakeOf(chain, Role.MINER, addr("remes1miner0"))).toBe(1_000n * REMES);
    expect(stakeOf(chain, Role.VALIDATOR, dissenter)).toBe(dissenterStake - falseAmount);
    expect(chain.state.supply.burned - burnedBefore).toBe(250n * REMES + falseAmount / 2n);
    expect(chain.state.submissions.get(0)!.status).toBe(SubmissionStatus.REJECTED);
    expect(balance(chain, ModuleAccount.escrow)).toBe(0n);
  });

  it("a tier-2 voter whose loss check confirmed a claim the panel then rejects is not slashed, only unrewarded; the panel majority is rewarded", () => {
    const { chain } = challengedAnd();
    // Work can be wrong with the right loss (a copied or guessed claim): remes1val3 measures the claimed loss honestly.
    accepted(
      chain,
      command("voteLossCheck", {
        validator: addr("remes1val3"),
        disputeId: 0,
        computedLossMicro: CLAIMED_LOSS,
      }),
    );
    chain.advanceTo(15);
    const panel = [...chain.state.disputes.get(0)!.panel];
    const voterStake = stakeOf(chain, Role.VALIDATOR, addr("remes1val3"));
    const r = chain.exec(...panel.map((v) => verdict(v, false)));
    expect(eventsOf(r.events, "disputeResolved")).toEqual([
      expect.objectContaining({ outcome: DisputeOutcome.REJECTED }),
    ]);
    expect(eventsOf(r.events, "slashed").map((s) => s.offence)).toEqual([Offence.LAZY_MINING]);
    const rewarded = eventsOf(r.events, "verifierPaid").map((m) => m.validator);
    expect(rewarded.sort()).toEqual(panel.filter((v) => v !== addr("remes1val3")).sort());
    expect(stakeOf(chain, Role.VALIDATOR, addr("remes1val3"))).toBe(voterStake);
  });

  it("a panel majority finding the work correct forfeits the bond to the miner", () => {
    const { chain, panel } = escalated();
    const minerBefore = balance(chain, addr("remes1miner0"));
    const r = chain.exec(verdict(panel[0]!, true), verdict(panel[1]!, true));
    expect(eventsOf(r.events, "disputeResolved")).toEqual([
      event("disputeResolved", {
        disputeId: 0,
        outcome: DisputeOutcome.UPHELD,
        tier: 3,
        refund: 0n,
        winner: addr("remes1miner0"),
        toWinner: BOND - 2n * REMES,
        toCommunity: 0n,
        burned: 0n,
      }).value,
    ]);
    // The two verifiers are paid out of the bond; the rest goes to the miner.
    expect(eventsOf(r.events, "verifierPaid").map((e) => [e.amount, e.source])).toEqual([
      [REMES, ModuleAccount.escrow],
      [REMES, ModuleAccount.escrow],
    ]);
    expect(balance(chain, addr("remes1miner0")) - minerBefore).toBe(BOND - 2n * REMES);
    expect(eventsOf(r.events, "slashed")).toEqual([]);
  });

  it("a verdict from a validator not on the panel is rejected", () => {
    const { chain, outsider } = escalated();
    rejected(chain, verdict(outsider, false), "notSelected");
  });

  it("a verdict before the dispute reaches tier 3, a second verdict, and one after the deadline are rejected", () => {
    const { chain } = challengedAnd();
    rejected(chain, verdict(addr("remes1val0"), false), "wrongPhase");
    chain.advanceTo(15);
    const p = chain.state.disputes.get(0)!.panel[0]!;
    accepted(chain, verdict(p, false));
    rejected(chain, verdict(p, true), "duplicate");
    rejected(chain, verdict(chain.state.disputes.get(0)!.panel[1]!, false), "wrongPhase", 21);
  });

  it("given a split panel with one silent member, when the deadline passes, then the silent member is slashed and replaced; with nobody left to draw the dispute ends undecided and refunds the bond", () => {
    const { chain, panel, outsider } = escalated();
    const silent = panel[2]!;
    const silentStake = stakeOf(chain, Role.VALIDATOR, silent);
    accepted(chain, verdict(panel[0]!, true), verdict(panel[1]!, false)); // height 14
    chain.advanceTo(19);
    const r = chain.block(); // height 20: the tier-3 deadline
    expect(eventsOf(r.events, "disputeResolved")).toEqual([]);
    expect(eventsOf(r.events, "slashed")).toEqual([
      expect.objectContaining({
        address: silent,
        offence: Offence.NO_VERDICT,
        amount: (silentStake * 1_000n) / 10_000n,
      }),
    ]);
    // The judges keep their verdicts; the only validator not yet drawn replaces the silent one, with a new deadline.
    expect(eventsOf(r.events, "panelRedrawn")).toEqual([
      event("panelRedrawn", {
        disputeId: 0,
        round: 2,
        panel: [panel[0]!, panel[1]!, outsider],
        deadline: 25,
        noShows: [silent],
      }).value,
    ]);
    rejected(chain, verdict(silent, true), "notSelected");
    // The replacement stays silent too: slashed, and nobody is left to draw, so the dispute ends undecided.
    chain.advanceTo(24);
    const end = chain.block(); // height 25
    expect(eventsOf(end.events, "slashed").map((e) => [e.address, e.offence])).toEqual([
      [outsider, Offence.NO_VERDICT],
    ]);
    expect(eventsOf(end.events, "disputeResolved")).toEqual([
      event("disputeResolved", {
        disputeId: 0,
        outcome: DisputeOutcome.UNDECIDED,
        tier: 3,
        refund: BOND,
        winner: "",
        toWinner: 0n,
        toCommunity: 0n,
        burned: 0n,
      }).value,
    ]);
    expect(eventsOf(end.events, "verifierPaid")).toEqual([]);
    expect(balance(chain, CHALLENGER)).toBe(1_000n * REMES);
    expect(stakeOf(chain, Role.MINER, addr("remes1miner0"))).toBe(2_000n * REMES);
  });

  it("given two silent members of three, when the deadline passes, then they are slashed and replaced by whoever is left, and the new panel decides against the work", () => {
    const { chain, panel } = escalated();
    accepted(chain, verdict(panel[0]!, false)); // height 16; the other two stay silent
    chain.advanceTo(20);
    const d = chain.state.disputes.get(0)!;
    expect(d.round).toBe(2);
    expect(d.panel).toContain(panel[0]!);
    const fresh = d.panel.filter((v) => v !== panel[0]);
    expect(fresh.some((v) => panel.includes(v))).toBe(false);
    const r = chain.exec(...fresh.map((v) => verdict(v, false)));
    expect(eventsOf(r.events, "disputeResolved")).toEqual([
      expect.objectContaining({ outcome: DisputeOutcome.REJECTED }),
    ]);
    expect(chain.state.submissions.get(0)!.status).toBe(SubmissionStatus.REJECTED);
  });
});

/**
 * Tier 2, the loss spot check: anyone but the miner may challenge a
 * submission once its window has closed and until the challenge window
 * (challenge_window_blocks after the close) ends, by posting a bond of
 * challenge_bond_multiplier × the base miner reward. The challenge period
 * follows the optimistic acceptance of layer 1 (seed 000 "Layer 1: Optimistic
 * Verification", seed 001 §5 "Challenge Period"), which tier 1 decides at the
 * close: before it there is nothing accepted to challenge, and a challenge
 * while the window is open could be repeated against honest work all window
 * long. The challenger may not vote on its own dispute (it would be paid for
 * judging its own claim), nor sit on its panel. Validators recompute the loss on a batch drawn from the
 * block hash and vote; a stake majority (with quorum) that confirms the
 * claimed loss ends the dispute for the miner, anything else escalates to
 * tier 3. Tier-1 mismatches skip this tier: the protocol opens their
 * disputes at tier 3, since a correct loss does not make a hash correct.
 */
import { DisputeSubject, SubmissionStatus } from "../../gen/remes/v1/events_pb.ts";
import { Role } from "../../gen/remes/v1/types_pb.ts";
import type { CommandOf } from "../commands.ts";
import type { BlockContext } from "../context.ts";
import { fail, type ProtocolError } from "../errors.ts";
import { event, type ProtocolEvent } from "../events.ts";
import { checkAddress, checkFunds } from "../ledger.ts";
import { isActive, roleOf } from "../staking.ts";
import type { State } from "../state.ts";
import { batchIndexFor, openDisputeOn } from "./disputes.ts";

export const requiredBond = (state: Readonly<State>): bigint =>
  BigInt(state.params.challengeBondMultiplier) * state.params.baseMinerReward;

/** Whether a computed loss confirms a claim within loss_tolerance_bps (relative). */
export const confirmsClaim = (claimed: bigint, computed: bigint, toleranceBps: number): boolean => {
  const diff = claimed > computed ? claimed - computed : computed - claimed;
  const scale = claimed > 0n ? claimed : 1n;
  return diff * 10_000n <= BigInt(toleranceBps) * scale;
};

export const decideChallengeGradient = (
  state: Readonly<State>,
  m: CommandOf<"challengeGradient">,
  ctx: BlockContext,
): ProtocolEvent[] | ProtocolError => {
  const bad = checkAddress("challenger", m.challenger);
  if (bad) return bad;
  const s = state.submissions.get(Number(m.submissionId));
  if (!s)
    return fail(
      "notFound",
      `submission ${m.submissionId} is not live (unknown, or its window was settled)`,
    );
  const w = state.windows.get(s.window)!;
  if (!w.closed)
    return fail(
      "wrongPhase",
      `submission ${m.submissionId} can be challenged once window ${s.window} closes (height ${w.closeHeight})`,
    );
  if (ctx.height > w.closeHeight + state.params.challengeWindowBlocks) {
    return fail(
      "wrongPhase",
      `the challenge window of submission ${m.submissionId} ended at height ${w.closeHeight + state.params.challengeWindowBlocks}`,
    );
  }
  if (s.status === SubmissionStatus.REJECTED)
    return fail("wrongPhase", `submission ${m.submissionId} is already rejected`);
  if (s.miner === m.challenger)
    return fail("unauthorized", "a miner can not challenge its own submission");
  if (openDisputeOn(state, DisputeSubject.GRADIENT, s.id))
    return fail("duplicate", `submission ${m.submissionId} is already under dispute`);
  const bond = requiredBond(state);
  if (m.bond < bond)
    return fail(
      "insufficientFunds",
      `the challenge bond must be at least ${bond} uremes (challenge_bond_multiplier × base_miner_reward), got ${m.bond}`,
    );
  const funds = checkFunds(state, m.challenger, m.bond);
  if (funds) return funds;
  return [openTier2(state, ctx, s.id, s.window, m.challenger, m.bond)];
};

export const openTier2 = (
  state: Readonly<State>,
  ctx: BlockContext,
  submissionId: number,
  window: number,
  challenger: string,
  bond: bigint,
  disputeId = state.counters.nextDisputeId,
): ProtocolEvent =>
  event("disputeOpened", {
    disputeId,
    subject: DisputeSubject.GRADIENT,
    subjectId: submissionId,
    window,
    challenger,
    bond,
    batchIndex: batchIndexFor(ctx, disputeId),
    tier: 2,
    deadline: ctx.height + state.params.tier2VotingBlocks,
  });

export const decideVoteLossCheck = (
  state: Readonly<State>,
  m: CommandOf<"voteLossCheck">,
  ctx: BlockContext,
): ProtocolEvent[] | ProtocolError => {
  const v = roleOf(state, Role.VALIDATOR, m.validator);
  if (!v || !isActive(state, v))
    return fail("unauthorized", `${m.validator} is not an active validator`);
  const d = state.disputes.get(Number(m.disputeId));
  if (!d) return fail("notFound", `dispute ${m.disputeId} is not open`);
  if (d.tier !== 2 || ctx.height > d.deadline)
    return fail("wrongPhase", `dispute ${m.disputeId} no longer takes tier-2 votes`);
  if (d.subject !== DisputeSubject.GRADIENT)
    return fail("wrongPhase", `dispute ${m.disputeId} is not about a gradient`);
  if (d.lossVotes.has(m.validator))
    return fail("duplicate", `${m.validator} already voted on dispute ${m.disputeId}`);
  const s = state.submissions.get(d.subjectId);
  if (!s) return fail("notFound", `submission ${d.subjectId} is gone`);
  if (s.miner === m.validator)
    return fail("unauthorized", "a validator can not vote on its own submission");
  if (d.challenger === m.validator)
    return fail(
      "unauthorized",
      `${m.validator} challenged dispute ${m.disputeId} and can not vote on it`,
    );
  const supportsClaim = confirmsClaim(
    s.claimedLossMicro,
    m.computedLossMicro,
    state.params.lossToleranceBps,
  );
  return [
    event("lossVoteCast", {
      disputeId: d.id,
      validator: m.validator,
      computedLossMicro: m.computedLossMicro,
      supportsClaim,
    }),
  ];
};

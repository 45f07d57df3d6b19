/**
 * Disputes: the shared record behind tier 2 (loss spot check) and tier 3
 * (CPU arbitration). A dispute names its subject (a gradient submission or an
 * aggregation), holds the challenger's bond in escrow, collects votes, and is
 * resolved in an end-block step: the loser pays (bond forfeited, or the
 * author slashed), panel members whose tier-3 verdict contradicted the
 * outcome are slashed for false verification, and validators whose votes all
 * matched it are paid (a tier-2 vote that did not is only unpaid).
 *
 * Verification pay is never minted (issue 13, self-challenge farming): each
 * verifier on the winning side gets up to validator_verification_reward out of
 * what the losing side forfeits — the challenger's bond (from escrow) when
 * the work is upheld, the author's slash (its community-pool share) when it
 * is rejected — split evenly when that is short. A dispute over honest work
 * thus pays its verifiers from the challenger's own bond, and an undecided
 * one (nobody forfeits) pays nobody. Validators' pay for honest work in an
 * honest network is the block reward (validator-rewards.ts), not this.
 *
 * Undecided is never an acquittal (panel-rounds.ts): a tier-3 panel without a
 * majority is re-drawn up to tier3_max_rounds times; a dispute still
 * undecided leaves a tier-1 MISMATCHED submission unpaid, and refunds a
 * challenger's bond (the submission stays as it was).
 */
import { BondDestination } from "../../gen/remes/v1/params_pb.ts";
import {
  DisputeOutcome,
  DisputeSubject,
  RewardKind,
  SubmissionStatus,
} from "../../gen/remes/v1/events_pb.ts";
import { AggregationFault } from "../../gen/remes/v1/events_pb.ts";
import { Offence, Role } from "../../gen/remes/v1/types_pb.ts";
import type { BlockContext } from "../context.ts";
import { type Emit, event, type EventOf } from "../events.ts";
import {
  aggregationWindow,
  disputeOn,
  disputesToAdvance,
  indexDisputeAdded,
  indexDisputeChanged,
  indexDisputeRemoved,
} from "../indexes.ts";
import { credit, debit } from "../ledger.ts";
import { hashMod } from "../randomness.ts";
import { slash } from "../slashing.ts";
import { activeStakeOf, isActive, roleOf } from "../staking.ts";
import { type AggregationState, type Dispute, ModuleAccount, type State } from "../state.ts";
import { assertSplit } from "../split.ts";
import { closePanelRound } from "./panel-rounds.ts";
import { selectPanel } from "./tier3.ts";

export const BATCHES = 65_536;

/** The batch a tier-2 check recomputes: drawn from the block hash of the challenge. */
export const batchIndexFor = (ctx: BlockContext, disputeId: number): number =>
  hashMod("remes/batch", [ctx.beacon, disputeId], BATCHES);

/** The open dispute on a subject, if any (one at a time per subject); from an index, not a scan (indexes.ts). */
export const openDisputeOn = (
  state: Readonly<State>,
  subject: DisputeSubject,
  subjectId: number,
): Dispute | undefined => disputeOn(state.disputes, subject, subjectId);

/** The revealed aggregation with this id and its window; from an index, not a scan of the windows (indexes.ts). */
export const findAggregation = (
  state: Readonly<State>,
  id: number,
): { window: number; agg: AggregationState } | undefined => {
  const w = aggregationWindow(state.windows, id);
  return w?.aggregation && { window: w.window, agg: w.aggregation };
};

/** The address whose work is disputed and the role its stake sits in. */
export const authorOf = (
  state: Readonly<State>,
  d: Pick<Dispute, "subject" | "subjectId">,
): { address: string; role: Role } | undefined => {
  if (d.subject === DisputeSubject.GRADIENT) {
    const s = state.submissions.get(d.subjectId);
    return s && { address: s.miner, role: Role.MINER };
  }
  const a = findAggregation(state, d.subjectId);
  return a && { address: a.agg.proposer, role: Role.PROPOSER };
};

// --- end-block step ---

/**
 * Weighs the votes of validators active now against all active validator
 * stake. It visits the votes (at most one per validator) and reads the total
 * from a running sum (indexes.ts), never every validator: a block whose
 * deadlines an attacker filled with disputes costs per dispute what its votes cost.
 */
const tier2Tally = (state: Readonly<State>, d: Dispute) => {
  const total = activeStakeOf(state, Role.VALIDATOR);
  let voted = 0n;
  let support = 0n;
  for (const [address, vote] of d.lossVotes) {
    const v = roleOf(state, Role.VALIDATOR, address);
    if (!v || !isActive(state, v)) continue;
    voted += v.stake;
    if (vote.supportsClaim) support += v.stake;
  }
  const quorum = total > 0n && voted * 10_000n >= BigInt(state.params.tier2QuorumBps) * total;
  return { quorum, upheld: quorum && support * 2n > voted };
};

/**
 * Tier 3 is decided by a strict majority of the panel's current stake, not of
 * its heads: panel members who disagree (for a gradient, recomputed hashes that
 * differ from each other or from the submission's) are weighed by what they put
 * at risk, and the losing side is slashed for false verification (seed 002
 * §10.2). Any hash other than the submitted one counts against the work (§4.4:
 * exact matching); a panel split with no stake majority leaves it undecided.
 */
const tier3Tally = (state: Readonly<State>, d: Dispute) => {
  let total = 0n;
  let valid = 0n;
  let invalid = 0n;
  for (const v of new Set(d.panel)) {
    const stake = roleOf(state, Role.VALIDATOR, v)?.stake ?? 0n;
    total += stake;
    const verdict = d.verdicts.get(v);
    if (verdict === true) valid += stake;
    else if (verdict === false) invalid += stake;
  }
  return { valid, invalid, total };
};

/**
 * Resolves or escalates the disputes whose tier is decided or whose deadline
 * passed, in id order. It looks only at those an index names (indexes.ts
 * `disputesToAdvance`: deadlines come, tier-3 tallies that may have changed),
 * not at every open dispute: for any other this loop's body does nothing.
 */
export const advanceDisputes = (state: Readonly<State>, ctx: BlockContext, emit: Emit): void => {
  const todo = disputesToAdvance(state.disputes, ctx.height);
  for (let id = todo.next(); id !== undefined; id = todo.next()) {
    const d = state.disputes.get(id);
    if (!d) continue;
    if (d.tier === 2) {
      if (d.deadline > ctx.height) continue;
      const { upheld } = tier2Tally(state, d);
      if (upheld) {
        resolve(state, d, DisputeOutcome.UPHELD, emit);
        continue;
      }
      const author = authorOf(state, d);
      const panel = selectPanel(state, ctx, d.id, [author?.address ?? "", d.challenger]);
      if (panel.length === 0) {
        resolve(state, d, DisputeOutcome.UNDECIDED, emit);
        continue;
      }
      emit(
        event("disputeEscalated", {
          disputeId: d.id,
          panel,
          deadline: ctx.height + state.params.tier3DeadlineBlocks,
        }),
      );
      continue;
    }
    const { valid, invalid, total } = tier3Tally(state, d);
    if (valid * 2n > total) resolve(state, d, DisputeOutcome.UPHELD, emit);
    else if (invalid * 2n > total) resolve(state, d, DisputeOutcome.REJECTED, emit);
    else if (
      d.deadline <= ctx.height &&
      !closePanelRound(state, ctx, d, [authorOf(state, d)?.address ?? "", d.challenger], emit)
    )
      resolve(state, d, DisputeOutcome.UNDECIDED, emit);
  }
};

/** Emits everything a dispute's outcome entails, then DisputeResolved. */
export const resolve = (
  state: Readonly<State>,
  d: Dispute,
  outcome: DisputeOutcome,
  emit: Emit,
): void => {
  const p = state.params;
  const author = authorOf(state, d);
  let authorSlashToPool = 0n;
  if (outcome === DisputeOutcome.REJECTED && author) {
    const bps =
      d.subject === DisputeSubject.GRADIENT ? p.slashLazyMiningBps : p.slashProposerFaultBps;
    const offence =
      d.subject === DisputeSubject.GRADIENT ? Offence.LAZY_MINING : Offence.PROPOSER_FAULT;
    const s = slash(
      state,
      author.address,
      author.role,
      offence,
      `dispute/${d.id}/${author.address}`,
      bps,
      d.challenger,
    );
    if (s) emit(s);
    if (s?.case === "slashed") authorSlashToPool = s.value.toCommunity;
    if (d.subject === DisputeSubject.GRADIENT)
      emit(
        event("submissionRejected", {
          submissionId: d.subjectId,
          reason: `dispute ${d.id}: tier-3 panel found the gradient wrong`,
        }),
      );
    else
      emit(
        event("aggregationFaulted", {
          window: d.window,
          proposer: author.address,
          fault: AggregationFault.DISPUTE_LOST,
        }),
      );
  }
  // Validators: a tier-3 verdict is the ground truth for tier-2 votes too.
  const decided = outcome !== DisputeOutcome.UNDECIDED;
  const truth = outcome === DisputeOutcome.UPHELD;
  const judged = new Map<string, boolean>();
  if (decided) {
    for (const [v, vote] of [...d.lossVotes].sort(([a], [b]) => (a < b ? -1 : 1)))
      judged.set(v, vote.supportsClaim === truth);
    if (d.tier === 3)
      for (const [v, verdict] of [...d.verdicts].sort(([a], [b]) => (a < b ? -1 : 1)))
        judged.set(v, (judged.get(v) ?? true) && verdict === truth);
  }
  const paid: string[] = [];
  for (const [v, right] of judged) {
    if (!roleOf(state, Role.VALIDATOR, v)) continue;
    if (right) paid.push(v);
    // Only a panel verdict against the outcome is a false verification. A tier-2 vote
    // attests the loss on one batch, and work can be wrong with the right loss (a copied
    // or guessed claim within tolerance): an honest voter then only misses the pay.
    else if (d.tier === 3 && d.verdicts.has(v) && d.verdicts.get(v) !== truth) {
      const s = slash(
        state,
        v,
        Role.VALIDATOR,
        Offence.FALSE_VERIFICATION,
        `false_verification/${d.id}/${v}`,
        p.slashFalseVerificationBps,
      );
      if (s) emit(s);
    }
  }
  // A protocol audit (no challenger, no bond: a tier-1 mismatch, a trap, an isolation audit) is work the protocol
  // asked for, and nobody can open one to farm it: each right verifier is paid validator_verification_reward,
  // minted, like a miner for a job. A user's challenge pays out of what the loser forfeits: the bond if upheld,
  // the author's slash if rejected, so challenging honest work mints nothing (self-challenge farming).
  const audit = d.challenger === "" && d.bond === 0n;
  if (audit && decided)
    for (const v of paid)
      emit(
        event("rewardMinted", {
          to: v,
          amount: p.validatorVerificationReward,
          kind: RewardKind.VALIDATOR,
          window: d.window,
        }),
      );
  const forfeit = audit
    ? 0n
    : outcome === DisputeOutcome.UPHELD
      ? d.bond
      : outcome === DisputeOutcome.REJECTED
        ? authorSlashToPool
        : 0n;
  const source =
    outcome === DisputeOutcome.UPHELD ? ModuleAccount.escrow : ModuleAccount.communityPool;
  let bondPaid = 0n;
  if (paid.length > 0 && forfeit > 0n) {
    const share = forfeit / BigInt(paid.length);
    const each = share < p.validatorVerificationReward ? share : p.validatorVerificationReward;
    if (each > 0n) {
      for (const v of paid)
        emit(
          event("verifierPaid", {
            disputeId: d.id,
            validator: v,
            amount: each,
            source,
            window: d.window,
          }),
        );
      if (source === ModuleAccount.escrow) bondPaid = each * BigInt(paid.length);
    }
  }
  let refund = d.bond;
  let toWinner = 0n;
  let toCommunity = 0n;
  let burned = 0n;
  let winner = "";
  if (outcome === DisputeOutcome.UPHELD && d.bond > 0n) {
    refund = 0n;
    const left = d.bond - bondPaid;
    if (p.forfeitedBondDestination === BondDestination.WINNER && author) {
      toWinner = left;
      winner = author.address;
    } else if (p.forfeitedBondDestination === BondDestination.COMMUNITY_POOL) toCommunity = left;
    else burned = left;
  }
  assertSplit(`dispute ${d.id} resolution: bond`, d.bond, [
    bondPaid,
    refund,
    toWinner,
    toCommunity,
    burned,
  ]);
  emit(
    event("disputeResolved", {
      disputeId: d.id,
      outcome,
      tier: d.tier,
      refund,
      winner,
      toWinner,
      toCommunity,
      burned,
    }),
  );
};

// --- evolve ---

export const evolveDisputeOpened = (state: State, e: EventOf<"disputeOpened">): void => {
  state.disputes.set(Number(e.disputeId), {
    id: Number(e.disputeId),
    subject: e.subject,
    subjectId: Number(e.subjectId),
    window: Number(e.window),
    challenger: e.challenger,
    bond: e.bond,
    batchIndex: e.batchIndex,
    tier: e.tier,
    deadline: Number(e.deadline),
    lossVotes: new Map(),
    panel: e.panel,
    verdicts: new Map(),
  });
  indexDisputeAdded(state.disputes, state.disputes.get(Number(e.disputeId))!);
  if (e.bond > 0n) {
    debit(state, e.challenger, e.bond);
    credit(state, ModuleAccount.escrow, e.bond);
  }
  state.counters.nextDisputeId = Math.max(state.counters.nextDisputeId, Number(e.disputeId) + 1);
};

export const evolveLossVoteCast = (state: State, e: EventOf<"lossVoteCast">): void => {
  state.disputes.get(Number(e.disputeId))?.lossVotes.set(e.validator, {
    computedLossMicro: e.computedLossMicro,
    supportsClaim: e.supportsClaim,
  });
};

export const evolveDisputeEscalated = (state: State, e: EventOf<"disputeEscalated">): void => {
  const d = state.disputes.get(Number(e.disputeId));
  if (!d) return;
  d.tier = 3;
  d.panel = e.panel;
  d.deadline = Number(e.deadline);
  indexDisputeChanged(state.disputes, d, true);
};

export const evolveArbitrationVerdictCast = (
  state: State,
  e: EventOf<"arbitrationVerdictCast">,
): void => {
  const d = state.disputes.get(Number(e.disputeId));
  if (!d) return;
  d.verdicts.set(e.validator, e.valid);
  indexDisputeChanged(state.disputes, d, false);
};

export const evolveDisputeResolved = (state: State, e: EventOf<"disputeResolved">): void => {
  const d = state.disputes.get(Number(e.disputeId));
  if (!d) return;
  // What verifierPaid did not already take out of the bond.
  debit(state, ModuleAccount.escrow, e.refund + e.toWinner + e.toCommunity + e.burned);
  credit(state, d.challenger, e.refund);
  credit(state, e.winner, e.toWinner);
  credit(state, ModuleAccount.communityPool, e.toCommunity);
  state.supply.burned += e.burned;
  // A tier-1 mismatch is accepted optimistically only once a panel upholds it: undecided is not an acquittal.
  if (d.subject === DisputeSubject.GRADIENT) {
    const s = state.submissions.get(d.subjectId);
    if (s) s.checkEndedAt = state.height;
    if (s && e.outcome === DisputeOutcome.UPHELD && s.status === SubmissionStatus.MISMATCHED)
      s.status = SubmissionStatus.OPTIMISTIC;
  }
  state.disputes.delete(Number(e.disputeId));
  indexDisputeRemoved(state.disputes, d);
};

export const evolvePanelRedrawn = (state: State, e: EventOf<"panelRedrawn">): void => {
  const d = state.disputes.get(Number(e.disputeId));
  if (!d) return;
  d.round = e.round;
  d.noShows = [...(d.noShows ?? []), ...e.noShows];
  d.panel = e.panel;
  d.deadline = Number(e.deadline);
  indexDisputeChanged(state.disputes, d, true);
};

export const evolveVerifierPaid = (state: State, e: EventOf<"verifierPaid">): void => {
  debit(state, e.source, e.amount);
  credit(state, e.validator, e.amount);
};

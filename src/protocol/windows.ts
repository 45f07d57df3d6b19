/**
 * Training windows of window_blocks blocks. A window opens at its first block
 * (the shard assignment is drawn from that block's hash), takes gradient
 * commitments until its last block, then reveals for gradient_reveal_blocks
 * more (gradient-commits.ts; the next window opens meanwhile), and closes at
 * the end of the reveal period: unrevealed commitments expire, tier 1 runs, mismatches are disputed, data
 * availability is sampled and a proposer is drawn. It settles once every
 * challenge, dispute and aggregation deadline has passed: rewards are paid,
 * verified jobs feed the vault, and its submissions are pruned from live
 * state (they remain in the event log), so memory stays flat as history grows.
 */
import { DisputeOutcome } from "../gen/remes/v1/events_pb.ts";
import type { Params } from "../gen/remes/v1/params_pb.ts";
import { Role } from "../gen/remes/v1/types_pb.ts";
import { expireAvailability, sampleAvailability } from "./availability.ts";
import { selectProposer } from "./aggregation.ts";
import type { BlockContext } from "./context.ts";
import { type Emit, event, type EventOf } from "./events.ts";
import { activeRolesSorted, disputesOfWindow, indexWindowRemoved } from "./indexes.ts";
import { deriveSeed } from "./randomness.ts";
import { payWindow, reuseVerifiedJobs } from "./rewards.ts";
import { assignShards } from "./shards.ts";
import { pruneOffences } from "./slashing.ts";
import { minStake } from "./staking.ts";
import type { State } from "./state.ts";
import { resolve } from "./verification/disputes.ts";
import { auditLone } from "./verification/isolation.ts";
import { evaluateTier1 } from "./verification/tier1.ts";
import { expireCommitments } from "./gradient-commits.ts";
import { openTier3 } from "./verification/tier3.ts";

/** Blocks from a window's close to its settlement: room for every deadline, every tier-3 panel round included (panel-rounds.ts). */
export const settleDelay = (p: Params): number =>
  Math.max(
    p.challengeWindowBlocks +
      p.tier2VotingBlocks +
      p.tier3DeadlineBlocks * Math.max(p.tier3MaxRounds, 1),
    p.aggregationCommitBlocks +
      p.aggregationRevealBlocks +
      p.aggregationChallengeBlocks +
      p.tier3DeadlineBlocks * Math.max(p.tier3MaxRounds, 1),
    p.trapRevealBlocks + p.tier3DeadlineBlocks * Math.max(p.tier3MaxRounds, 1), // a trap audit's recomputation (traps.ts)
    p.challengeWindowBlocks + p.daResponseBlocks,
  ) + 1;

/** Begin-block step. */
export const openWindow = (state: Readonly<State>, ctx: BlockContext, emit: Emit): void => {
  if (ctx.height !== state.nextWindowStart) return;
  emit(
    event("windowOpened", {
      window: state.nextWindow,
      startHeight: ctx.height,
      seed: deriveSeed(ctx.beacon, "remes/window", state.nextWindow),
    }),
  );
};

/** End-block step: close the window whose last block this is. */
export const closeWindows = (state: Readonly<State>, ctx: BlockContext, emit: Emit): void => {
  for (const w of [...state.windows.values()]) {
    if (w.closed || w.closeHeight > ctx.height) continue;
    expireCommitments(state, w, emit);
    let disputeId = state.counters.nextDisputeId;
    for (const e of evaluateTier1(state, w.window)) {
      emit(e);
      if (e.case !== "tier1Evaluated") continue;
      // A hash mismatch is settled by recomputation, never by a loss vote (tier3.ts).
      for (const id of e.value.mismatchedIds.map(Number))
        emit(
          openTier3(state, ctx, id, w.window, state.submissions.get(id)?.miner ?? "", disputeId++),
        );
      // A lone submission is recomputed at isolation_audit_bps (verification/isolation.ts).
      disputeId = auditLone(
        state,
        ctx,
        w.window,
        e.value.optimisticIds.map(Number),
        disputeId,
        emit,
      );
    }
    emit(event("windowClosed", { window: w.window }));
    sampleAvailability(state, ctx, w.window, emit);
    selectProposer(state, ctx, w.window, emit);
  }
};

/** End-block step: settle windows whose deadlines have all passed. */
export const settleWindows = (state: Readonly<State>, ctx: BlockContext, emit: Emit): void => {
  for (const w of [...state.windows.values()]) {
    if (!w.closed || w.settleHeight > ctx.height) continue;
    // Deadlines moved by governance can leave work open: end it now, undecided.
    for (const d of disputesOfWindow(state.disputes, w.window))
      resolve(state, d, DisputeOutcome.UNDECIDED, emit);
    expireAvailability(state, ctx, emit, w.window);
    payWindow(state, w, emit);
    reuseVerifiedJobs(state, ctx, w, emit);
    emit(event("windowSettled", { window: w.window }));
  }
};

// --- evolve ---

export const evolveWindowOpened = (state: State, e: EventOf<"windowOpened">): void => {
  const miners = activeRolesSorted(state.roles, Role.MINER, minStake(state.params, Role.MINER)).map(
    (r) => r.address,
  );
  const window = Number(e.window);
  const startHeight = Number(e.startHeight);
  const { activeShards, assignment } = assignShards(miners, e.seed, window, state.params);
  state.windows.set(window, {
    window,
    startHeight,
    commitEndHeight: startHeight + state.params.windowBlocks - 1,
    closeHeight: startHeight + state.params.windowBlocks - 1 + state.params.gradientRevealBlocks,
    seed: e.seed,
    activeShards,
    assignment,
    submittedBy: new Map(),
    commitments: new Map(),
    closed: false,
    settleHeight: Number.MAX_SAFE_INTEGER,
  });
  state.nextWindow = window + 1;
  state.nextWindowStart = startHeight + state.params.windowBlocks;
};

export const evolveWindowClosed = (state: State, e: EventOf<"windowClosed">): void => {
  const w = state.windows.get(Number(e.window));
  if (!w) return;
  w.closed = true;
  w.settleHeight = state.height + settleDelay(state.params);
};

export const evolveWindowSettled = (state: State, e: EventOf<"windowSettled">): void => {
  const w = state.windows.get(Number(e.window));
  if (!w) return;
  for (const id of w.submittedBy.values()) state.submissions.delete(id);
  state.windows.delete(Number(e.window));
  indexWindowRemoved(state.windows, w);
  state.traps.delete(Number(e.window));
  pruneOffences(state);
};

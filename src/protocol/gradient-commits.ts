/**
 * Gradient commit–reveal (issue 13: copy detection). Tier 1 compares hashes
 * inside a (shard, architecture, kernel version) group, so a miner that saw a
 * peer's submission could send the same hash, claimed loss and CID, agree
 * with it, and be paid for no work. The seeds only commit–reveal aggregation
 * (seed 002 §11); this file applies the same rule to gradients:
 *
 * 1. Commit phase = the window. While window w is open (heights startHeight
 *    ..commitEndHeight) a miner sends MsgCommitGradient with
 *      commitment = hashParts("remes/gradient-commit", miner, window, shard,
 *        gradient_cid, gradient_hash, da_root, size_bytes, claimed_loss_micro,
 *        gpu_arch, kernel_version, salt)
 *    — the type-tagged, length-prefixed encoding of every field of the exact
 *    MsgSubmitGradient it will reveal, in field order, then its 32-byte salt.
 *    Binding the whole submission (the miner's own address included) means
 *    neither the hash nor the loss nor the CID of anyone else can be
 *    revealed under it. One commitment per (miner, window), never replaced.
 * 2. Reveal phase: the gradient_reveal_blocks blocks after the window's last
 *    block. MsgSubmitGradient (with its salt) is the reveal: accepted only
 *    there, only from a miner with a commitment for that window, and only if
 *    it hashes to that commitment; a refused reveal changes nothing (the
 *    miner may send the right one in a later block of the period).
 * 3. The window closes when the reveal period ends (WindowState.closeHeight):
 *    tier 1, lone audits, availability sampling, the proposer draw and every
 *    later deadline (challenges, trap reveals, settlement) count from there.
 *    Trap reveals need the window closed (traps.ts), so no miner learns which
 *    shards were traps while it can still choose to reveal or withhold.
 *
 * Content: a miner must not publish its gradient bytes before its commit
 * phase ends — a content store's provider records name the CID, and the CID
 * is the gradient's hash, so a peer that watched them could commit to it.
 *
 * Withholding. A commitment never revealed earns nothing. Is withholding a
 * free option worth slashing? Yes: between its commitment and its reveal a
 * miner watches its group's reveals land. A coalition (or a lazy miner) that
 * commits to a fake answer can then reveal only where it would agree with, or
 * outnumber, its group, and withhold where tier 1 would send it to tier 3 and
 * a 50% lazy-mining slash; without a cost, the losing branch of the bet
 * disappears. So an unrevealed commitment is slashed slash_unrevealed_commit_bps
 * at the close, once per (miner, window). The default, 1% (100 bps), is w·S =
 * 10 REMES at the 1,000 REMES minimum stake: one base reward R. The fake-and-
 * withhold bet then gains P·R − (1 − P)·w·S per task, P the share of tasks
 * where its fake wins its group, against honest work's R − c; with c ≈ 6
 * REMES (an AMPERE task, src/sim/costs.ts) it needs P > (R − c + w·S)/(R +
 * w·S) ≈ 0.7 — a coalition that already wins most groups, which tier 1 can
 * not stop with or without this rule. Why not more: an honest miner that
 * committed can miss its reveal (a lost tx, an outage through the whole
 * reveal period); in scenarios/network_faults.json about 7% of honest
 * commitments went unrevealed despite client retries, and 10% (like
 * slash_availability_bps) made those honest miners lose money (net +125 and
 * +74 REMES per miner at 1%, −130 and −367 at 10%, seed 1, 600 blocks). A
 * client keeps its pending reveal on disk and resends it until it lands.
 */
import { Offence, Role } from "../gen/remes/v1/types_pb.ts";
import type { CommandOf } from "./commands.ts";
import type { BlockContext } from "./context.ts";
import { fail, isProtocolError, type ProtocolError } from "./errors.ts";
import { type Emit, event, type EventOf, type ProtocolEvent } from "./events.ts";
import { activeMiner, checkAssignedShard } from "./miner-checks.ts";
import { hashParts } from "./randomness.ts";
import { slash } from "./slashing.ts";
import { bytesEqual, type State, type WindowState } from "./state.ts";

export const GRADIENT_COMMIT_TAG = "remes/gradient-commit";

/** The commitment to a MsgSubmitGradient: every field but `salt`, then `salt` (see the header). */
export const gradientCommitment = (m: CommandOf<"submitGradient">): Uint8Array =>
  hashParts(
    GRADIENT_COMMIT_TAG,
    m.miner,
    m.window,
    m.shard,
    m.gradientCid,
    m.gradientHash,
    m.daRoot,
    m.sizeBytes,
    m.claimedLossMicro,
    m.gpuArch,
    m.kernelVersion,
    m.salt,
  );

/** True while `height` is in window w's commit phase (the window itself). */
export const inCommitPhase = (w: WindowState, height: number): boolean =>
  !w.closed && height >= w.startHeight && height <= w.commitEndHeight;

/** True while `height` is in window w's reveal period. */
export const inRevealPhase = (w: WindowState, height: number): boolean =>
  !w.closed && height > w.commitEndHeight && height <= w.closeHeight;

export const decideCommitGradient = (
  state: Readonly<State>,
  m: CommandOf<"commitGradient">,
  ctx: BlockContext,
): ProtocolEvent[] | ProtocolError => {
  const miner = activeMiner(state, m.miner);
  if (isProtocolError(miner)) return miner;
  const w = state.windows.get(Number(m.window));
  if (!w || !inCommitPhase(w, ctx.height))
    return fail(
      "wrongPhase",
      w && !w.closed && ctx.height > w.commitEndHeight
        ? `window ${m.window}'s commit phase ended at height ${w.commitEndHeight}; it is now in its reveal period`
        : `window ${m.window} is not open for commitments (the open window is ${state.nextWindow - 1})`,
    );
  const wrongShard = checkAssignedShard(w, m, "commit");
  if (wrongShard) return wrongShard;
  if (m.commitment.length !== 32)
    return fail("invalidMessage", `commitment must be 32 bytes, got ${m.commitment.length}`);
  if (w.commitments.has(m.miner))
    return fail(
      "duplicate",
      `${m.miner} already committed for window ${m.window}; a commitment is never replaced`,
    );
  return [
    event("gradientCommitted", {
      height: ctx.height,
      miner: m.miner,
      window: m.window,
      shard: m.shard,
      commitment: m.commitment,
    }),
  ];
};

/**
 * The reveal checks of a MsgSubmitGradient, after submissions.ts has checked
 * the window exists and is not closed: the reveal period, a commitment, the
 * salt's size and the hash. Undefined when the reveal opens the commitment.
 */
export const checkReveal = (
  w: WindowState,
  m: CommandOf<"submitGradient">,
  ctx: BlockContext,
): ProtocolError | undefined => {
  if (ctx.height <= w.commitEndHeight)
    return fail(
      "wrongPhase",
      `window ${m.window} takes commitments until height ${w.commitEndHeight}; send MsgCommitGradient now and reveal this submission in heights ${w.commitEndHeight + 1}..${w.closeHeight}`,
    );
  const c = w.commitments.get(m.miner);
  if (c === undefined)
    return fail(
      "notFound",
      `${m.miner} has no commitment for window ${m.window}: only a submission committed (MsgCommitGradient) while the window was open can be revealed`,
    );
  if (m.salt.length !== 32)
    return fail("invalidMessage", `salt must be 32 bytes, got ${m.salt.length}`);
  if (!bytesEqual(gradientCommitment(m), c))
    return fail(
      "mismatch",
      `the submission does not open ${m.miner}'s commitment for window ${m.window}: every field and the salt must be the ones committed to`,
    );
  return undefined;
};

/** Window close (end block, before tier 1): each commitment still unrevealed earns nothing and is slashed. */
export const expireCommitments = (state: Readonly<State>, w: WindowState, emit: Emit): void => {
  const left = [...w.commitments.keys()].sort();
  for (const miner of left) {
    emit(
      event("gradientCommitUnrevealed", {
        miner,
        window: w.window,
        shard: w.assignment.get(miner) ?? 0,
      }),
    );
    const s = slash(
      state,
      miner,
      Role.MINER,
      Offence.UNREVEALED_COMMITMENT,
      `unrevealed/${w.window}/${miner}`,
      state.params.slashUnrevealedCommitBps,
    );
    if (s) emit(s);
  }
};

// --- evolve ---

export const evolveGradientCommitted = (state: State, e: EventOf<"gradientCommitted">): void => {
  state.windows.get(Number(e.window))?.commitments.set(e.miner, e.commitment);
};

export const evolveGradientCommitUnrevealed = (
  state: State,
  e: EventOf<"gradientCommitUnrevealed">,
): void => {
  state.windows.get(Number(e.window))?.commitments.delete(e.miner);
};

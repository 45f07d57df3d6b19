/**
 * Data availability. A miner keeps its stored gradient retrievable: when a
 * window closes, da_sample_rate_bps of its submissions are challenged by the
 * protocol (and anyone may challenge one with a small bond). The miner has
 * da_response_blocks to open the challenged chunk — chosen from the block
 * hash — against the submission's da_root with a Merkle proof. A proof pays
 * the challenger's bond to the miner; silence slashes the miner and rejects
 * the submission.
 *
 * Griefing (issue 13). A griefer bonds a challenge against an honest miner and
 * has a partner block proposer leave the proof out of its blocks. The seeds
 * fix the 3-block window (000) but not the bond, so two choices of ours,
 * both governance parameters:
 * - the window closes only after da_response_blocks blocks AND blocks of
 *   da_response_proposers (2) distinct proposers since the challenge (capped
 *   at the bonded validator count; window settlement still ends it): one
 *   censoring proposer alone never wins, however many blocks in a row it gets;
 * - the bond is B = max(da_challenge_bond, β·σ·S) for a miner with stake at
 *   risk S, σ = slash_availability_bps, β = da_challenge_bond_slash_bps.
 * With ρ = challenger_reward_bps, a coalition proposing a share s of blocks
 * wins a challenge only if it proposes every block until the window closes
 * (at least k = da_response_blocks blocks, independent draws by stake):
 * P(s) ≤ s^k, and 0 for a single proposer. The griefer's expected gain per
 * challenge is
 *     G(s) = P(s)·ρ·σ·S − (1 − P(s))·B,
 * negative iff P(s) < B / (ρσS + B), and B / (ρσS + B) ≥ β / (ρ + β).
 * Defaults β = 25 %, ρ = 50 %: G < 0 whenever P(s) < 1/3, so for every share
 * s < 1/3 even with k = 1 (s^k ≤ s); with k = 3, for every s < 3^(−1/3) ≈ 0.69.
 * An honest challenger of a miner who really lost its data gets B back plus
 * ρσS, so the bond deters only challenges of data that is there.
 */
import { SubmissionStatus } from "../gen/remes/v1/events_pb.ts";
import { Offence, Role } from "../gen/remes/v1/types_pb.ts";
import type { CommandOf } from "./commands.ts";
import type { BlockContext } from "./context.ts";
import { fail, type ProtocolError } from "./errors.ts";
import { type Emit, event, type EventOf, type ProtocolEvent } from "./events.ts";
import { checkAddress, checkFunds, credit, debit } from "./ledger.ts";
import { verifyMerkleProof } from "./merkle.ts";
import { deriveSeed, hashMod, Prng } from "./randomness.ts";
import { slash, stakeAtRisk } from "./slashing.ts";
import { activeOfRole } from "./staking.ts";
import { type AvailabilityChallenge, ModuleAccount, type State, type Submission } from "./state.ts";
import { submissionsOf } from "./submissions.ts";

export const chunkCount = (sizeBytes: bigint, chunkBytes: number): number => {
  const c = BigInt(chunkBytes);
  return Number((sizeBytes + c - 1n) / c);
};

/** Byte length of chunk `index` (the last one may be short). */
export const chunkLength = (sizeBytes: bigint, chunkBytes: number, index: number): number => {
  const start = BigInt(index) * BigInt(chunkBytes);
  const rest = sizeBytes - start;
  return Number(rest < BigInt(chunkBytes) ? rest : BigInt(chunkBytes));
};

const challenge = (
  state: Readonly<State>,
  s: Submission,
  ctx: BlockContext,
  challengeId: number,
  challenger: string,
  bond: bigint,
): ProtocolEvent => {
  const count = chunkCount(s.sizeBytes, state.params.daChunkBytes);
  return event("availabilityChallenged", {
    challengeId,
    submissionId: s.id,
    miner: s.miner,
    chunkIndex: hashMod("remes/da-chunk", [ctx.beacon, challengeId], count),
    chunkCount: count,
    deadline: ctx.height + state.params.daResponseBlocks,
    challenger,
    bond,
  });
};

/** Ids of the submissions an availability challenge is open on. */
export const challengedSubmissions = (state: Readonly<State>): Set<number> =>
  new Set([...state.availability.values()].map((c) => c.submissionId));

const openOn = (state: Readonly<State>, submissionId: number): boolean => {
  for (const c of state.availability.values()) if (c.submissionId === submissionId) return true;
  return false;
};

/** The bond a challenge of `miner` needs: a floor, or a share of the slash it can cause (see the header). */
export const availabilityBond = (state: Readonly<State>, miner: string): bigint => {
  const p = state.params;
  const slashable =
    (stakeAtRisk(state, Role.MINER, miner) * BigInt(p.slashAvailabilityBps)) / 10_000n;
  const share = (slashable * BigInt(p.daChallengeBondSlashBps)) / 10_000n;
  return share > p.daChallengeBond ? share : p.daChallengeBond;
};

/** Distinct proposers a response window needs before it can close: da_response_proposers, at most the validators there are. */
const proposersNeeded = (state: Readonly<State>): number =>
  Math.min(state.params.daResponseProposers, activeOfRole(state, Role.VALIDATOR).length);

/** Late: past the deadline, and blocks of enough distinct proposers have passed since the challenge. */
const closed = (
  state: Readonly<State>,
  c: AvailabilityChallenge,
  height: number,
  needed = () => proposersNeeded(state),
): boolean =>
  height > c.deadline &&
  (c.proposers.length >= state.params.daResponseProposers || c.proposers.length >= needed());

/** End-block step (before expiry): the block's proposer counts toward every challenge opened before it. */
export const countAvailabilityBlock = (
  state: Readonly<State>,
  ctx: BlockContext,
  emit: Emit,
): void => {
  if (ctx.proposer === "") return;
  for (const c of state.availability.values()) {
    if (
      c.openedAt < ctx.height &&
      c.proposers.length < state.params.daResponseProposers &&
      !c.proposers.includes(ctx.proposer)
    ) {
      emit(event("availabilityBlockCounted", { proposer: ctx.proposer }));
      return;
    }
  }
};

/** Close-of-window step: the protocol samples submissions to challenge. */
export const sampleAvailability = (
  state: Readonly<State>,
  ctx: BlockContext,
  window: number,
  emit: Emit,
): void => {
  const prng = new Prng(deriveSeed(ctx.beacon, "remes/da-sample", window));
  let next = state.counters.nextAvailabilityId;
  for (const s of submissionsOf(state, window)) {
    if (s.status === SubmissionStatus.REJECTED) continue;
    if (prng.chance(state.params.daSampleRateBps, 10_000))
      emit(challenge(state, s, ctx, next++, "", 0n));
  }
};

export const decideChallengeAvailability = (
  state: Readonly<State>,
  m: CommandOf<"challengeAvailability">,
  ctx: BlockContext,
): ProtocolEvent[] | ProtocolError => {
  const bad = checkAddress("challenger", m.challenger);
  if (bad) return bad;
  const s = state.submissions.get(Number(m.submissionId));
  if (!s) return fail("notFound", `submission ${m.submissionId} is not live`);
  const w = state.windows.get(s.window)!;
  if (w.closed && ctx.height > w.closeHeight + state.params.challengeWindowBlocks)
    return fail("wrongPhase", `the challenge window of submission ${m.submissionId} is over`);
  if (s.status === SubmissionStatus.REJECTED)
    return fail("wrongPhase", `submission ${m.submissionId} is already rejected`);
  if (s.miner === m.challenger)
    return fail("unauthorized", "a miner can not challenge its own submission");
  if (openOn(state, s.id))
    return fail(
      "duplicate",
      `submission ${m.submissionId} already has an open availability challenge`,
    );
  const need = availabilityBond(state, s.miner);
  if (m.bond < need)
    return fail(
      "invalidMessage",
      `the availability bond against ${s.miner} is at least ${need} uremes`,
    );
  const funds = checkFunds(state, m.challenger, m.bond);
  if (funds) return funds;
  return [challenge(state, s, ctx, state.counters.nextAvailabilityId, m.challenger, m.bond)];
};

export const decideProveAvailability = (
  state: Readonly<State>,
  m: CommandOf<"proveAvailability">,
  ctx: BlockContext,
): ProtocolEvent[] | ProtocolError => {
  const c = state.availability.get(Number(m.challengeId));
  if (!c) return fail("notFound", `availability challenge ${m.challengeId} is not open`);
  if (c.miner !== m.miner)
    return fail("unauthorized", `challenge ${m.challengeId} is addressed to ${c.miner}`);
  if (closed(state, c, ctx.height))
    return fail(
      "wrongPhase",
      `the response window of challenge ${m.challengeId} closed (deadline height ${c.deadline}, ${c.proposers.length} distinct proposers since)`,
    );
  const s = state.submissions.get(c.submissionId);
  if (!s) return fail("notFound", `submission ${c.submissionId} is gone`);
  const expected = chunkLength(s.sizeBytes, state.params.daChunkBytes, c.chunkIndex);
  if (m.chunk.length !== expected)
    return fail(
      "invalidMessage",
      `chunk ${c.chunkIndex} is ${expected} bytes, got ${m.chunk.length}`,
    );
  const proof = m.proof;
  if (!proof || proof.index !== c.chunkIndex || proof.leafCount !== c.chunkCount) {
    return fail("invalidMessage", `the proof must open chunk ${c.chunkIndex} of ${c.chunkCount}`);
  }
  if (
    !verifyMerkleProof(s.daRoot, m.chunk, {
      index: proof.index,
      leafCount: proof.leafCount,
      siblings: proof.siblings,
    })
  ) {
    return fail("mismatch", `the proof does not match da_root of submission ${s.id}`);
  }
  return [event("availabilityResolved", { challengeId: c.id, proven: true })];
};

/**
 * End-block step: unanswered challenges past their deadline (or, when a
 * window settles, every challenge still open on it).
 */
export const expireAvailability = (
  state: Readonly<State>,
  ctx: BlockContext,
  emit: Emit,
  settlingWindow?: number,
): void => {
  let n: number | undefined;
  const needed = () => (n ??= proposersNeeded(state)); // one scan of the roles a block, and only past a deadline
  for (const c of [...state.availability.values()]) {
    const due =
      settlingWindow === undefined
        ? closed(state, c, ctx.height, needed)
        : state.submissions.get(c.submissionId)?.window === settlingWindow;
    if (!due) continue;
    emit(event("availabilityResolved", { challengeId: c.id, proven: false }));
    const s = slash(
      state,
      c.miner,
      Role.MINER,
      Offence.AVAILABILITY,
      `availability/${c.id}/${c.miner}`,
      state.params.slashAvailabilityBps,
      c.challenger,
    );
    if (s) emit(s);
    const sub = state.submissions.get(c.submissionId);
    if (sub && sub.status !== SubmissionStatus.REJECTED)
      emit(
        event("submissionRejected", {
          submissionId: c.submissionId,
          reason: `data unavailable (challenge ${c.id})`,
        }),
      );
  }
};

export const evolveAvailabilityChallenged = (
  state: State,
  e: EventOf<"availabilityChallenged">,
): void => {
  state.availability.set(Number(e.challengeId), {
    id: Number(e.challengeId),
    submissionId: Number(e.submissionId),
    miner: e.miner,
    chunkIndex: e.chunkIndex,
    chunkCount: e.chunkCount,
    deadline: Number(e.deadline),
    challenger: e.challenger,
    bond: e.bond,
    openedAt: state.height,
    proposers: [],
  });
  if (e.bond > 0n) {
    debit(state, e.challenger, e.bond);
    credit(state, ModuleAccount.escrow, e.bond);
  }
  state.counters.nextAvailabilityId = Math.max(
    state.counters.nextAvailabilityId,
    Number(e.challengeId) + 1,
  );
};

export const evolveAvailabilityResolved = (
  state: State,
  e: EventOf<"availabilityResolved">,
): void => {
  const c = state.availability.get(Number(e.challengeId));
  if (!c) return;
  const s = state.submissions.get(c.submissionId);
  if (s) s.checkEndedAt = state.height;
  debit(state, ModuleAccount.escrow, c.bond);
  credit(state, e.proven ? c.miner : c.challenger, c.bond);
  state.availability.delete(Number(e.challengeId));
};

export const evolveAvailabilityBlockCounted = (
  state: State,
  e: EventOf<"availabilityBlockCounted">,
): void => {
  for (const c of state.availability.values()) {
    if (
      c.openedAt >= state.height ||
      c.proposers.length >= state.params.daResponseProposers ||
      c.proposers.includes(e.proposer)
    )
      continue;
    c.proposers.push(e.proposer);
    c.proposers.sort();
  }
};

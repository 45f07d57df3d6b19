/**
 * Data availability. A miner keeps its stored gradient retrievable: when a
 * window closes, da_sample_rate_bps of its submissions are challenged by the
 * protocol (and anyone may challenge one with a small bond). The miner has
 * da_response_blocks to open the challenged chunk — chosen from the block
 * hash — against the submission's da_root with a Merkle proof. A proof pays
 * the challenger's bond to the miner; silence slashes the miner and rejects
 * the submission.
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
import { slash } from "./slashing.ts";
import { ModuleAccount, type State, type Submission } from "./state.ts";
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

const challenge = (state: Readonly<State>, s: Submission, ctx: BlockContext, challengeId: number, challenger: string, bond: bigint): ProtocolEvent => {
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

const openOn = (state: Readonly<State>, submissionId: number): boolean => {
  for (const c of state.availability.values()) if (c.submissionId === submissionId) return true;
  return false;
};

/** Close-of-window step: the protocol samples submissions to challenge. */
export const sampleAvailability = (state: Readonly<State>, ctx: BlockContext, window: number, emit: Emit): void => {
  const prng = new Prng(deriveSeed(ctx.beacon, "remes/da-sample", window));
  let next = state.counters.nextAvailabilityId;
  for (const s of submissionsOf(state, window)) {
    if (s.status === SubmissionStatus.REJECTED) continue;
    if (prng.chance(state.params.daSampleRateBps, 10_000)) emit(challenge(state, s, ctx, next++, "", 0n));
  }
};

export const decideChallengeAvailability = (state: Readonly<State>, m: CommandOf<"challengeAvailability">, ctx: BlockContext): ProtocolEvent[] | ProtocolError => {
  const bad = checkAddress("challenger", m.challenger);
  if (bad) return bad;
  const s = state.submissions.get(m.submissionId);
  if (!s) return fail("notFound", `submission ${m.submissionId} is not live`);
  const w = state.windows.get(s.window)!;
  if (w.closed && ctx.height > w.closeHeight + state.params.challengeWindowBlocks) return fail("wrongPhase", `the challenge window of submission ${m.submissionId} is over`);
  if (s.status === SubmissionStatus.REJECTED) return fail("wrongPhase", `submission ${m.submissionId} is already rejected`);
  if (s.miner === m.challenger) return fail("unauthorized", "a miner can not challenge its own submission");
  if (openOn(state, s.id)) return fail("duplicate", `submission ${m.submissionId} already has an open availability challenge`);
  if (m.bond !== state.params.daChallengeBond) return fail("invalidMessage", `the availability bond is exactly ${state.params.daChallengeBond} uremes`);
  const funds = checkFunds(state, m.challenger, m.bond);
  if (funds) return funds;
  return [challenge(state, s, ctx, state.counters.nextAvailabilityId, m.challenger, m.bond)];
};

export const decideProveAvailability = (state: Readonly<State>, m: CommandOf<"proveAvailability">, ctx: BlockContext): ProtocolEvent[] | ProtocolError => {
  const c = state.availability.get(m.challengeId);
  if (!c) return fail("notFound", `availability challenge ${m.challengeId} is not open`);
  if (c.miner !== m.miner) return fail("unauthorized", `challenge ${m.challengeId} is addressed to ${c.miner}`);
  if (ctx.height > c.deadline) return fail("wrongPhase", `the response deadline of challenge ${m.challengeId} was height ${c.deadline}`);
  const s = state.submissions.get(c.submissionId);
  if (!s) return fail("notFound", `submission ${c.submissionId} is gone`);
  const expected = chunkLength(s.sizeBytes, state.params.daChunkBytes, c.chunkIndex);
  if (m.chunk.length !== expected) return fail("invalidMessage", `chunk ${c.chunkIndex} is ${expected} bytes, got ${m.chunk.length}`);
  const proof = m.proof;
  if (!proof || proof.index !== c.chunkIndex || proof.leafCount !== c.chunkCount) {
    return fail("invalidMessage", `the proof must open chunk ${c.chunkIndex} of ${c.chunkCount}`);
  }
  if (!verifyMerkleProof(s.daRoot, m.chunk, { index: proof.index, leafCount: proof.leafCount, siblings: proof.siblings })) {
    return fail("mismatch", `the proof does not match da_root of submission ${s.id}`);
  }
  return [event("availabilityResolved", { challengeId: c.id, proven: true })];
};

/**
 * End-block step: unanswered challenges past their deadline (or, when a
 * window settles, every challenge still open on it).
 */
export const expireAvailability = (state: Readonly<State>, ctx: BlockContext, emit: Emit, settlingWindow?: number): void => {
  for (const c of [...state.availability.values()]) {
    const due = settlingWindow === undefined ? c.deadline < ctx.height : state.submissions.get(c.submissionId)?.window === settlingWindow;
    if (!due) continue;
    emit(event("availabilityResolved", { challengeId: c.id, proven: false }));
    const s = slash(state, c.miner, Role.MINER, Offence.AVAILABILITY, `availability/${c.id}/${c.miner}`, state.params.slashAvailabilityBps, c.challenger);
    if (s) emit(s);
    const sub = state.submissions.get(c.submissionId);
    if (sub && sub.status !== SubmissionStatus.REJECTED) emit(event("submissionRejected", { submissionId: c.submissionId, reason: `data unavailable (challenge ${c.id})` }));
  }
};

export const evolveAvailabilityChallenged = (state: State, e: EventOf<"availabilityChallenged">): void => {
  state.availability.set(e.challengeId, {
    id: e.challengeId, submissionId: e.submissionId, miner: e.miner, chunkIndex: e.chunkIndex,
    chunkCount: e.chunkCount, deadline: e.deadline, challenger: e.challenger, bond: e.bond,
  });
  if (e.bond > 0n) {
    debit(state, e.challenger, e.bond);
    credit(state, ModuleAccount.escrow, e.bond);
  }
  state.counters.nextAvailabilityId = Math.max(state.counters.nextAvailabilityId, e.challengeId + 1);
};

export const evolveAvailabilityResolved = (state: State, e: EventOf<"availabilityResolved">): void => {
  const c = state.availability.get(e.challengeId);
  if (!c) return;
  debit(state, ModuleAccount.escrow, c.bond);
  credit(state, e.proven ? c.miner : c.challenger, c.bond);
  state.availability.delete(e.challengeId);
};

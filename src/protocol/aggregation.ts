/**
 * Aggregation. When a window closes, one authorized proposer is drawn by
 * stake-weighted sortition from the block hash. It commits to its aggregate
 * (`H("remes/aggregation" ‖ window ‖ cid ‖ merkleRoot ‖ method ‖ salt)`),
 * then reveals it: the CID of the combined update (mean, median or trimmed
 * mean, computed off chain), the included submission ids and the Merkle root
 * of their gradient hashes, which the chain recomputes. A reveal that does
 * not open the commitment or whose root is wrong is a proposer fault
 * (slash_proposer_fault_bps); missing a deadline is a liveness fault, slashed
 * at the downtime rate (slash_downtime_bps) like a validator missing blocks. A revealed aggregation can be challenged (tier 3) until
 * its challenge deadline and is final after it.
 */
import { AggregationFault, DisputeSubject, SubmissionStatus } from "../gen/remes/v1/events_pb.ts";
import { AggregationMethod, Offence, Role } from "../gen/remes/v1/types_pb.ts";
import type { CommandOf } from "./commands.ts";
import type { BlockContext } from "./context.ts";
import { fail, type ProtocolError } from "./errors.ts";
import { challengedSubmissions } from "./availability.ts";
import { type Emit, event, type EventOf, type ProtocolEvent } from "./events.ts";
import { indexAggregationRevealed } from "./indexes.ts";
import { checkAddress, checkFunds } from "./ledger.ts";
import { merkleProof, merkleRoot, type MerkleProof } from "./merkle.ts";
import { deriveSeed, hashParts, sortition } from "./randomness.ts";
import { slash } from "./slashing.ts";
import { activeOfRole } from "./staking.ts";
import { bytesEqual, type State, type WindowState } from "./state.ts";
import { checkCid, submissionsOf } from "./submissions.ts";
import { batchIndexFor, findAggregation, openDisputeOn } from "./verification/disputes.ts";
import { requiredBond } from "./verification/tier2.ts";
import { selectPanel } from "./verification/tier3.ts";

export const aggregationCommitment = (
  window: number,
  cid: string,
  root: Uint8Array,
  method: AggregationMethod,
  salt: Uint8Array,
): Uint8Array => hashParts("remes/aggregation", window, cid, root, method, salt);

/**
 * The last root computed, with a copy of its leaves: a proposer computes the
 * root of its aggregate and the chain recomputes it from the same hashes a
 * few blocks later (in the simulator, in the same process). Comparing the
 * leaves byte for byte costs a fraction of hashing them again (three
 * compressions per leaf).
 */
let lastRoot:
  { readonly leaves: Uint8Array; readonly count: number; readonly root: Uint8Array } | undefined;

const sameLeaves = (hashes: readonly Uint8Array[], leaves: Uint8Array, count: number): boolean => {
  if (hashes.length !== count) return false;
  for (let i = 0, at = 0; i < hashes.length; i++) {
    const h = hashes[i]!;
    if (h.length !== 32) return false;
    for (let j = 0; j < 32; j++, at++) if (h[j] !== leaves[at]) return false;
  }
  return true;
};

/** Merkle root of gradient hashes in submission id order. */
export const gradientRoot = (hashes: readonly Uint8Array[]): Uint8Array => {
  if (lastRoot !== undefined && sameLeaves(hashes, lastRoot.leaves, lastRoot.count))
    return lastRoot.root.slice();
  const root = merkleRoot(hashes);
  if (hashes.length >= 64 && hashes.every((h) => h.length === 32)) {
    const leaves = new Uint8Array(hashes.length * 32);
    hashes.forEach((h, i) => leaves.set(h, i * 32));
    lastRoot = { leaves, count: hashes.length, root: root.slice() };
  }
  return root;
};

export const inclusionProof = (hashes: readonly Uint8Array[], index: number): MerkleProof =>
  merkleProof(hashes, index);

/** Close-of-window step: draw the proposer (nothing happens if none is registered or nothing was submitted). */
export const selectProposer = (
  state: Readonly<State>,
  ctx: BlockContext,
  window: number,
  emit: Emit,
): void => {
  // Nothing to aggregate (a reveal needs at least one live submission): a
  // proposer drawn now could only miss its deadlines and be slashed.
  if (!submissionsOf(state, window).some((s) => s.status !== SubmissionStatus.REJECTED)) return;
  const authorized = activeOfRole(state, Role.PROPOSER).filter((r) =>
    state.authorizedProposers.has(r.address),
  );
  const [proposer] = sortition(
    authorized.map((r) => ({ id: r.address, weight: r.stake })),
    1,
    deriveSeed(ctx.beacon, "remes/proposer", window),
  );
  if (proposer === undefined) return;
  const commitDeadline = ctx.height + state.params.aggregationCommitBlocks;
  emit(
    event("aggregationProposerSelected", {
      window,
      proposer,
      commitDeadline,
      revealDeadline: commitDeadline + state.params.aggregationRevealBlocks,
    }),
  );
};

const selected = (
  state: Readonly<State>,
  window: number,
  proposer: string,
): WindowState | ProtocolError => {
  const w = state.windows.get(window);
  if (!w?.aggregation) return fail("notFound", `window ${window} has no aggregation round`);
  if (w.aggregation.proposer !== proposer)
    return fail(
      "notSelected",
      `${proposer} is not the selected proposer of window ${window} (${w.aggregation.proposer} is)`,
    );
  if (w.aggregation.fault !== undefined)
    return fail("wrongPhase", `the aggregation round of window ${window} has failed`);
  return w;
};

export const decideCommitAggregation = (
  state: Readonly<State>,
  m: CommandOf<"commitAggregation">,
  ctx: BlockContext,
): ProtocolEvent[] | ProtocolError => {
  const w = selected(state, Number(m.window), m.proposer);
  if (!("window" in w)) return w;
  const a = w.aggregation!;
  if (a.commitment) return fail("duplicate", `window ${m.window} already has a commitment`);
  if (ctx.height > a.commitDeadline)
    return fail(
      "wrongPhase",
      `the commit deadline of window ${m.window} was height ${a.commitDeadline}`,
    );
  if (m.commitment.length !== 32) return fail("invalidMessage", "commitment must be 32 bytes");
  return [
    event("aggregationCommitted", {
      window: m.window,
      proposer: m.proposer,
      commitment: m.commitment,
    }),
  ];
};

export const decideSubmitAggregation = (
  state: Readonly<State>,
  m: CommandOf<"submitAggregation">,
  ctx: BlockContext,
): ProtocolEvent[] | ProtocolError => {
  const w = selected(state, Number(m.window), m.proposer);
  if (!("window" in w)) return w;
  const a = w.aggregation!;
  if (!a.commitment)
    return fail(
      "wrongPhase",
      `commit to the aggregate of window ${m.window} first (MsgCommitAggregation)`,
    );
  if (a.revealed) return fail("duplicate", `window ${m.window} is already revealed`);
  if (ctx.height > a.revealDeadline)
    return fail(
      "wrongPhase",
      `the reveal deadline of window ${m.window} was height ${a.revealDeadline}`,
    );
  const bad = checkCid(m.aggregatedCid, state.params.maxCidLength);
  if (bad) return bad;
  if (AggregationMethod[m.method] === undefined || m.method === AggregationMethod.UNSPECIFIED)
    return fail("invalidMessage", "method must be mean, median, trimmed mean or krum");
  if (m.merkleRoot.length !== 32) return fail("invalidMessage", "merkle_root must be 32 bytes");
  if (m.submissionIds.length === 0)
    return fail("invalidMessage", "an aggregation includes at least one submission");
  if (m.submissionIds.length > state.params.maxAggregationSubmissions)
    return fail(
      "tooLarge",
      `at most ${state.params.maxAggregationSubmissions} submissions per aggregation`,
    );
  const hashes: Uint8Array[] = [];
  let rejectedAfterCommit = false;
  for (let i = 0; i < m.submissionIds.length; i++) {
    const id = Number(m.submissionIds[i]!);
    if (i > 0 && id <= Number(m.submissionIds[i - 1]!))
      return fail("invalidMessage", "submission_ids must be strictly ascending");
    const s = state.submissions.get(id);
    if (!s || s.window !== Number(m.window))
      return fail(
        "notFound",
        `submission ${id} is not a live submission of window ${Number(m.window)}`,
      );
    if (s.status === SubmissionStatus.REJECTED) {
      // Rejected two blocks or more before the commitment landed: the proposer had seen it (one
      // block of slack for its latency, as for settled work) and could have left it out.
      if ((s.rejectedAt ?? 0) < a.committedAt! - 1)
        return fail(
          "invalidMessage",
          `submission ${id} was rejected before the commitment and can not be aggregated`,
        );
      rejectedAfterCommit = true;
    }
    hashes.push(s.gradientHash);
  }
  const fault = (f: AggregationFault): ProtocolEvent[] => {
    const out = [event("aggregationFaulted", { window: m.window, proposer: m.proposer, fault: f })];
    const s = slash(
      state,
      m.proposer,
      Role.PROPOSER,
      Offence.PROPOSER_FAULT,
      `aggregation/${m.window}/${m.proposer}`,
      state.params.slashProposerFaultBps,
    );
    if (s) out.push(s);
    return out;
  };
  // Both faults are accepted transactions: the penalty must land on chain.
  if (
    !bytesEqual(
      aggregationCommitment(Number(m.window), m.aggregatedCid, m.merkleRoot, m.method, m.salt),
      a.commitment,
    )
  )
    return fault(AggregationFault.REVEAL_MISMATCH);
  if (!bytesEqual(gradientRoot(hashes), m.merkleRoot))
    return fault(AggregationFault.BAD_MERKLE_ROOT);
  // The commitment opened honestly, but work it covers was found wrong since: void the round, no slash.
  if (rejectedAfterCommit)
    return [
      event("aggregationFaulted", {
        window: m.window,
        proposer: m.proposer,
        fault: AggregationFault.REJECTED_AFTER_COMMIT,
      }),
    ];
  return [
    event("aggregationRevealed", {
      aggregationId: state.counters.nextAggregationId,
      window: m.window,
      proposer: m.proposer,
      aggregatedCid: m.aggregatedCid,
      merkleRoot: m.merkleRoot,
      submissionIds: m.submissionIds,
      method: m.method,
      challengeDeadline: ctx.height + state.params.aggregationChallengeBlocks,
    }),
  ];
};

export const decideChallengeAggregation = (
  state: Readonly<State>,
  m: CommandOf<"challengeAggregation">,
  ctx: BlockContext,
): ProtocolEvent[] | ProtocolError => {
  const bad = checkAddress("challenger", m.challenger);
  if (bad) return bad;
  if (m.reason.length > 512) return fail("tooLarge", "reason is longer than 512 characters");
  const found = findAggregation(state, Number(m.aggregationId));
  if (!found) return fail("notFound", `aggregation ${m.aggregationId} is not live`);
  const { window, agg } = found;
  if (agg.fault !== undefined || agg.finalized)
    return fail(
      "wrongPhase",
      `aggregation ${m.aggregationId} is already ${agg.fault !== undefined ? "faulted" : "final"}`,
    );
  if (ctx.height > agg.revealed!.challengeDeadline)
    return fail(
      "wrongPhase",
      `the challenge deadline of aggregation ${m.aggregationId} has passed`,
    );
  if (agg.proposer === m.challenger)
    return fail("unauthorized", "a proposer can not challenge its own aggregation");
  if (openDisputeOn(state, DisputeSubject.AGGREGATION, Number(m.aggregationId)))
    return fail("duplicate", `aggregation ${Number(m.aggregationId)} is already under dispute`);
  const bond = requiredBond(state);
  if (m.bond < bond)
    return fail(
      "insufficientFunds",
      `the challenge bond must be at least ${bond} uremes, got ${m.bond}`,
    );
  const funds = checkFunds(state, m.challenger, m.bond);
  if (funds) return funds;
  const disputeId = state.counters.nextDisputeId;
  const panel = selectPanel(state, ctx, disputeId, [agg.proposer, m.challenger]);
  if (panel.length === 0) return fail("wrongPhase", "no validator is available for a tier-3 panel");
  return [
    event("disputeOpened", {
      disputeId,
      subject: DisputeSubject.AGGREGATION,
      subjectId: m.aggregationId,
      window,
      challenger: m.challenger,
      bond: m.bond,
      batchIndex: batchIndexFor(ctx, disputeId),
      tier: 3,
      deadline: ctx.height + state.params.tier3DeadlineBlocks,
      panel,
    }),
  ];
};

/** Rounds that end without an aggregate through no fault of the proposer: unpaid, not slashed. */
export const isVoidedRound = (f: AggregationFault): boolean =>
  f === AggregationFault.NOTHING_SETTLED || f === AggregationFault.REJECTED_AFTER_COMMIT;

/**
 * Whether the window had a live submission settled in time for a commit due
 * at block `height`: no dispute or availability challenge open on it, the
 * last of them ended at least two blocks earlier (the proposer sees the
 * verdict's block, then its commit takes a block to land: one block of slack
 * for its latency). A proposer that commits to disputed work risks its
 * aggregate, so with none settled in time a missed commit is not slashed.
 * Read only when a deadline is missed.
 */
const anySettled = (state: Readonly<State>, window: number, height: number): boolean => {
  const sampled = challengedSubmissions(state);
  return submissionsOf(state, window).some(
    (s) =>
      s.status !== SubmissionStatus.REJECTED &&
      (s.checkEndedAt ?? -Infinity) < height - 1 &&
      !sampled.has(s.id) &&
      !openDisputeOn(state, DisputeSubject.GRADIENT, s.id),
  );
};

/** End-block step: missed deadlines are faults (unslashed when nothing was settled to aggregate); unchallenged reveals become final. */
export const advanceAggregations = (
  state: Readonly<State>,
  ctx: BlockContext,
  emit: Emit,
): void => {
  for (const w of state.windows.values()) {
    const a = w.aggregation;
    if (!a || a.fault !== undefined || a.finalized) continue;
    const missed =
      !a.commitment && ctx.height >= a.commitDeadline
        ? AggregationFault.MISSED_COMMIT
        : a.commitment && !a.revealed && ctx.height >= a.revealDeadline
          ? AggregationFault.MISSED_REVEAL
          : undefined;
    if (missed === AggregationFault.MISSED_COMMIT && !anySettled(state, w.window, ctx.height)) {
      emit(
        event("aggregationFaulted", {
          window: w.window,
          proposer: a.proposer,
          fault: AggregationFault.NOTHING_SETTLED,
        }),
      );
      continue;
    }
    if (missed !== undefined) {
      emit(event("aggregationFaulted", { window: w.window, proposer: a.proposer, fault: missed }));
      const s = slash(
        state,
        a.proposer,
        Role.PROPOSER,
        Offence.PROPOSER_FAULT,
        `aggregation/${w.window}/${a.proposer}`,
        state.params.slashDowntimeBps,
      );
      if (s) emit(s);
      continue;
    }
    if (
      a.revealed &&
      ctx.height >= a.revealed.challengeDeadline &&
      !openDisputeOn(state, DisputeSubject.AGGREGATION, a.revealed.id)
    ) {
      emit(event("aggregationFinalized", { aggregationId: a.revealed.id, window: w.window }));
    }
  }
};

// --- evolve ---

export const evolveAggregationProposerSelected = (
  state: State,
  e: EventOf<"aggregationProposerSelected">,
): void => {
  const w = state.windows.get(Number(e.window));
  if (w)
    w.aggregation = {
      proposer: e.proposer,
      commitDeadline: Number(e.commitDeadline),
      revealDeadline: Number(e.revealDeadline),
      finalized: false,
    };
};

export const evolveAggregationCommitted = (
  state: State,
  e: EventOf<"aggregationCommitted">,
): void => {
  const a = state.windows.get(Number(e.window))?.aggregation;
  if (a) {
    a.commitment = e.commitment;
    a.committedAt = state.height;
  }
};

export const evolveAggregationRevealed = (
  state: State,
  e: EventOf<"aggregationRevealed">,
): void => {
  const a = state.windows.get(Number(e.window))?.aggregation;
  if (a) {
    a.revealed = {
      id: Number(e.aggregationId),
      aggregatedCid: e.aggregatedCid,
      merkleRoot: e.merkleRoot,
      submissionIds: e.submissionIds.map(Number),
      method: e.method,
      challengeDeadline: Number(e.challengeDeadline),
    };
    indexAggregationRevealed(state.windows, Number(e.aggregationId), Number(e.window));
  }
  state.counters.nextAggregationId = Math.max(
    state.counters.nextAggregationId,
    Number(e.aggregationId) + 1,
  );
};

export const evolveAggregationFaulted = (state: State, e: EventOf<"aggregationFaulted">): void => {
  const a = state.windows.get(Number(e.window))?.aggregation;
  if (a) a.fault = e.fault;
};

export const evolveAggregationFinalized = (
  state: State,
  e: EventOf<"aggregationFinalized">,
): void => {
  const a = state.windows.get(Number(e.window))?.aggregation;
  if (a) a.finalized = true;
};

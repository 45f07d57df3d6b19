/**
 * Trap jobs: pre-committed audits of real jobs of the current window.
 *
 * Before a window opens, the trap committee — the top trap_committee_size
 * validators by stake (seed 002 §10.1) — approves a list of exactly
 * trap_commitment_slots blinded commitments
 * `H("remes/trap" ‖ window ‖ shard ‖ tag ‖ salt)`, real traps mixed with
 * dummies; trap_threshold identical approvals (2-of-3) make the list binding.
 * The miners of a trap shard get exactly their normal task: this window's
 * global model on their shard's data. After the window closes a committee
 * member opens the real commitments, and the chain sends every live
 * submission of each opened shard to tier-3 recomputation (tier3.ts): a
 * miner is slashed for lazy mining only when the panel's recomputed hash
 * differs from its own (disputes.ts `resolve`), never on the committee's word
 * or a stored answer. The panel's recomputation is validator work, paid per
 * verification like any tier-3 verdict and recorded in the WorkLedger.
 * (`tag` is an opaque number the committee chooses; it names no vault entry
 * any more and the chain does not read it.)
 *
 * Why a trap can not be recognised before the reveal. What a miner sees:
 * (1) the commitments: a fixed number of 32-byte hashes, each of a secret
 * 32-byte salt, dummies being random bytes, so neither which shards nor how
 * many are traps leaks (hiding of the hash); (2) the assignment and the
 * shard data: drawn from the window's beacon, the same for trap and non-trap
 * shards; (3) the task: the current global model and its own shard's data,
 * byte for byte the task it would get if its shard were not a trap — the
 * chain and the task feed hand out nothing else; (4) the vault index: past
 * jobs only (proof of reuse), never read to choose or answer a trap, so it
 * says nothing about this window. The only input that differs between trap
 * and non-trap shards is the committee's secret choice, made with salts the
 * miner never sees; until the reveal every task is a trap with probability
 * trap_rate, whatever the miner computes from public data. (The earlier
 * design replayed an older job from the vault, whose base model differed
 * from the public global model: every trap was recognisable.)
 *
 * The vault (rewards.ts `reuseVerifiedJobs`) now keeps only jobs whose hash a
 * tier-3 panel recomputed and confirmed: agreement between two miners of a
 * group, which a coalition can arrange, is never enough. It is a record of
 * independently verified work (seed 002 proof of reuse) and no longer
 * answers traps, so even a wrong entry slashes nobody.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { Role } from "../gen/remes/v1/types_pb.ts";
import { DisputeOutcome, DisputeSubject, SubmissionStatus } from "../gen/remes/v1/events_pb.ts";
import type { CommandOf } from "./commands.ts";
import type { BlockContext } from "./context.ts";
import { fail, type ProtocolError } from "./errors.ts";
import { event, type EventOf, type ProtocolEvent } from "./events.ts";
import { hashParts } from "./randomness.ts";
import { minersByShard } from "./shards.ts";
import { activeOfRole } from "./staking.ts";
import { hex, type State, type TrapState } from "./state.ts";
import { openDisputeOn } from "./verification/disputes.ts";
import { openTier3 } from "./verification/tier3.ts";

export const trapCommitment = (
  window: number,
  shard: number,
  tag: number,
  salt: Uint8Array,
): Uint8Array => hashParts("remes/trap", window, shard, tag, salt);

/** The committee that may approve traps now: top validators by stake, ties by address. */
export const trapCommittee = (state: Readonly<State>): string[] =>
  activeOfRole(state, Role.VALIDATOR)
    .sort((a, b) =>
      a.stake > b.stake ? -1 : a.stake < b.stake ? 1 : a.address < b.address ? -1 : 1,
    )
    .slice(0, state.params.trapCommitteeSize)
    .map((v) => v.address);

export const commitmentDigest = (commitments: readonly Uint8Array[]): Uint8Array => {
  const all = new Uint8Array(commitments.length * 32);
  commitments.forEach((c, i) => all.set(c, i * 32));
  return sha256(all);
};

export const decideCommitTrapJobs = (
  state: Readonly<State>,
  m: CommandOf<"commitTrapJobs">,
): ProtocolEvent[] | ProtocolError => {
  const p = state.params;
  if (m.window < state.nextWindow || m.window > state.nextWindow + 1) {
    return fail(
      "wrongPhase",
      `trap commitments are taken for windows ${state.nextWindow} and ${state.nextWindow + 1} only (before they open), not ${m.window}`,
    );
  }
  const committee = trapCommittee(state);
  if (!committee.includes(m.validator))
    return fail(
      "notSelected",
      `${m.validator} is not on the trap committee (${committee.join(", ")})`,
    );
  if (m.commitments.length !== p.trapCommitmentSlots)
    return fail(
      "invalidMessage",
      `exactly ${p.trapCommitmentSlots} commitments are required (pad with dummies), got ${m.commitments.length}`,
    );
  if (m.commitments.some((c) => c.length !== 32))
    return fail("invalidMessage", "every commitment must be 32 bytes");
  const t = state.traps.get(Number(m.window));
  if (t?.accepted)
    return fail("duplicate", `the traps of window ${m.window} are already committed`);
  if (t?.approvals.has(m.validator))
    return fail("duplicate", `${m.validator} already approved traps for window ${m.window}`);
  const digest = commitmentDigest(m.commitments);
  const key = hex(digest);
  const out = [
    event("trapCommitmentApproved", { window: m.window, validator: m.validator, digest }),
  ];
  const approvers = [m.validator];
  for (const [v, d] of t?.approvals ?? [])
    if (d === key && committee.includes(v)) approvers.push(v);
  if (approvers.length >= p.trapThreshold) {
    out.push(
      event("trapCommitmentAccepted", {
        window: m.window,
        digest,
        commitments: m.commitments,
        committee: approvers.sort(),
      }),
    );
  }
  return out;
};

export const decideRevealTrapJobs = (
  state: Readonly<State>,
  m: CommandOf<"revealTrapJobs">,
  ctx: BlockContext,
): ProtocolEvent[] | ProtocolError => {
  const w = state.windows.get(Number(m.window));
  const accepted = state.traps.get(Number(m.window))?.accepted;
  if (!w || !accepted) return fail("notFound", `window ${m.window} has no committed traps`);
  if (!w.closed)
    return fail(
      "wrongPhase",
      `window ${m.window} is still open; traps are revealed after it closes`,
    );
  if (ctx.height > w.closeHeight + state.params.trapRevealBlocks)
    return fail("wrongPhase", `the trap reveal period of window ${m.window} is over`);
  if (!accepted.committee.includes(m.validator))
    return fail("unauthorized", `${m.validator} did not commit the traps of window ${m.window}`);
  if (m.reveals.length === 0) return fail("invalidMessage", "no reveals given");
  const committed = new Set(accepted.commitments.map(hex));
  const seen = new Set<number>();
  const out: ProtocolEvent[] = [];
  // The window's miners by shard, in address order (an index built once per window: shards.ts).
  const byShard = minersByShard(w.assignment);
  let disputeId = state.counters.nextDisputeId;
  for (const r of m.reveals) {
    const c = hex(trapCommitment(Number(m.window), r.shard, Number(r.vaultEntryId), r.salt));
    if (!committed.has(c))
      return fail(
        "mismatch",
        `reveal for shard ${r.shard} does not open any commitment of window ${m.window}`,
      );
    if (accepted.opened.has(r.shard) || seen.has(r.shard))
      return fail(
        "duplicate",
        `shard ${r.shard} of window ${m.window} is already revealed as a trap`,
      );
    seen.add(r.shard);
    out.push(
      event("trapRevealed", {
        window: m.window,
        shard: r.shard,
        vaultEntryId: r.vaultEntryId,
        expectedHash: new Uint8Array(0),
        caught: [],
        passed: [],
      }),
    );
    // The audit: every live submission of the shard is recomputed by a tier-3 panel (one dispute at a time per submission).
    for (const miner of byShard.get(r.shard) ?? []) {
      const id = w.submittedBy.get(miner);
      const s = id === undefined ? undefined : state.submissions.get(id);
      if (
        !s ||
        s.status === SubmissionStatus.REJECTED ||
        openDisputeOn(state, DisputeSubject.GRADIENT, s.id)
      )
        continue;
      out.push(openTier3(state, ctx, s.id, Number(m.window), miner, disputeId++));
    }
  }
  return out;
};

const trapState = (state: State, window: number): TrapState => {
  let t = state.traps.get(window);
  if (!t) {
    t = { approvals: new Map() };
    state.traps.set(window, t);
  }
  return t;
};

export const evolveTrapCommitmentApproved = (
  state: State,
  e: EventOf<"trapCommitmentApproved">,
): void => {
  trapState(state, Number(e.window)).approvals.set(e.validator, hex(e.digest));
};

export const evolveTrapCommitmentAccepted = (
  state: State,
  e: EventOf<"trapCommitmentAccepted">,
): void => {
  trapState(state, Number(e.window)).accepted = {
    digest: e.digest,
    commitments: e.commitments,
    committee: e.committee,
    opened: new Set(),
  };
};

export const evolveTrapRevealed = (state: State, e: EventOf<"trapRevealed">): void => {
  const t = state.traps.get(Number(e.window))?.accepted;
  t?.opened.add(e.shard);
  state.stats.trapsRevealed += 1;
};

/**
 * A trap shard's tier-3 dispute was decided: the panel recomputed the job.
 * Rejected, its miner was caught by the trap; upheld, it passed, and the
 * first such hash of a trap shard is the shard's confirmed answer, the only
 * kind the vault takes (rewards.ts). Runs before the dispute leaves state.
 */
export const noteRecomputed = (state: State, e: EventOf<"disputeResolved">): void => {
  if (e.tier !== 3 || e.outcome === DisputeOutcome.UNDECIDED) return;
  const d = state.disputes.get(Number(e.disputeId));
  const s =
    d && d.subject === DisputeSubject.GRADIENT ? state.submissions.get(d.subjectId) : undefined;
  const t = s && state.traps.get(s.window)?.accepted;
  if (!s || !t?.opened.has(s.shard)) return;
  if (e.outcome === DisputeOutcome.REJECTED) {
    state.stats.minersCaught += 1;
    return;
  }
  state.stats.minersPassed += 1;
  t.confirmed ??= new Map();
  if (!t.confirmed.has(s.shard)) t.confirmed.set(s.shard, s.gradientHash);
};

export const evolveVaultEntryAdded = (state: State, e: EventOf<"vaultEntryAdded">): void => {
  state.vault.set(Number(e.entryId), {
    id: Number(e.entryId),
    gradientHash: e.gradientHash,
    window: Number(e.window),
    shard: e.shard,
  });
  state.counters.nextVaultId = Math.max(state.counters.nextVaultId, Number(e.entryId) + 1);
  // Bounded: the oldest entries (lowest ids, first in map order) leave first.
  for (const id of state.vault.keys()) {
    if (state.vault.size <= state.params.vaultMaxEntries) break;
    state.vault.delete(id);
  }
};

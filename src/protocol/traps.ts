/**
 * Trap jobs. Before a window opens, the trap committee — the top
 * trap_committee_size validators by stake — approves a list of exactly
 * trap_commitment_slots blinded commitments
 * `H("remes/trap" ‖ window ‖ shard ‖ vaultEntryId ‖ salt)`, real traps mixed
 * with dummies, so neither which shards are traps nor how many is derivable
 * from anything public. trap_threshold identical approvals (2-of-3) make the
 * list binding. After the window closes a committee member opens the real
 * ones; each opening names a Genesis-Vault entry whose answer is known, and
 * the shard's miners whose gradient hash differs are caught (lazy mining) —
 * those who match pass. Verified real jobs become future vault entries
 * (proof of reuse, rewards.ts).
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { Offence, Role } from "../gen/remes/v1/types_pb.ts";
import { SubmissionStatus } from "../gen/remes/v1/events_pb.ts";
import type { CommandOf } from "./commands.ts";
import type { BlockContext } from "./context.ts";
import { fail, type ProtocolError } from "./errors.ts";
import { event, type EventOf, type ProtocolEvent } from "./events.ts";
import { hashParts } from "./randomness.ts";
import { slash } from "./slashing.ts";
import { activeOfRole } from "./staking.ts";
import { bytesEqual, hex, type State, type TrapState } from "./state.ts";

export const trapCommitment = (window: number, shard: number, vaultEntryId: number, salt: Uint8Array): Uint8Array =>
  hashParts("remes/trap", window, shard, vaultEntryId, salt);

/** The committee that may approve traps now: top validators by stake, ties by address. */
export const trapCommittee = (state: Readonly<State>): string[] =>
  activeOfRole(state, Role.VALIDATOR)
    .sort((a, b) => (a.stake > b.stake ? -1 : a.stake < b.stake ? 1 : a.address < b.address ? -1 : 1))
    .slice(0, state.params.trapCommitteeSize)
    .map((v) => v.address);

export const commitmentDigest = (commitments: readonly Uint8Array[]): Uint8Array => {
  const all = new Uint8Array(commitments.length * 32);
  commitments.forEach((c, i) => all.set(c, i * 32));
  return sha256(all);
};

export const decideCommitTrapJobs = (state: Readonly<State>, m: CommandOf<"commitTrapJobs">): ProtocolEvent[] | ProtocolError => {
  const p = state.params;
  if (m.window < state.nextWindow || m.window > state.nextWindow + 1) {
    return fail("wrongPhase", `trap commitments are taken for windows ${state.nextWindow} and ${state.nextWindow + 1} only (before they open), not ${m.window}`);
  }
  const committee = trapCommittee(state);
  if (!committee.includes(m.validator)) return fail("notSelected", `${m.validator} is not on the trap committee (${committee.join(", ")})`);
  if (m.commitments.length !== p.trapCommitmentSlots) return fail("invalidMessage", `exactly ${p.trapCommitmentSlots} commitments are required (pad with dummies), got ${m.commitments.length}`);
  if (m.commitments.some((c) => c.length !== 32)) return fail("invalidMessage", "every commitment must be 32 bytes");
  const t = state.traps.get(m.window);
  if (t?.accepted) return fail("duplicate", `the traps of window ${m.window} are already committed`);
  if (t?.approvals.has(m.validator)) return fail("duplicate", `${m.validator} already approved traps for window ${m.window}`);
  const digest = commitmentDigest(m.commitments);
  const key = hex(digest);
  const out = [event("trapCommitmentApproved", { window: m.window, validator: m.validator, digest })];
  const approvers = [m.validator];
  for (const [v, d] of t?.approvals ?? []) if (d === key && committee.includes(v)) approvers.push(v);
  if (approvers.length >= p.trapThreshold) {
    out.push(event("trapCommitmentAccepted", { window: m.window, digest, commitments: m.commitments, committee: approvers.sort() }));
  }
  return out;
};

export const decideRevealTrapJobs = (state: Readonly<State>, m: CommandOf<"revealTrapJobs">, ctx: BlockContext): ProtocolEvent[] | ProtocolError => {
  const w = state.windows.get(m.window);
  const accepted = state.traps.get(m.window)?.accepted;
  if (!w || !accepted) return fail("notFound", `window ${m.window} has no committed traps`);
  if (!w.closed) return fail("wrongPhase", `window ${m.window} is still open; traps are revealed after it closes`);
  if (ctx.height > w.closeHeight + state.params.trapRevealBlocks) return fail("wrongPhase", `the trap reveal period of window ${m.window} is over`);
  if (!accepted.committee.includes(m.validator)) return fail("unauthorized", `${m.validator} did not commit the traps of window ${m.window}`);
  if (m.reveals.length === 0) return fail("invalidMessage", "no reveals given");
  const committed = new Set(accepted.commitments.map(hex));
  const seen = new Set<number>();
  const out: ProtocolEvent[] = [];
  // The window's miners by shard, in address order: built once per message, not once per reveal.
  const byShard = new Map<number, string[]>();
  for (const [miner, shard] of [...w.assignment].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const list = byShard.get(shard);
    if (list) list.push(miner);
    else byShard.set(shard, [miner]);
  }
  for (const r of m.reveals) {
    const c = hex(trapCommitment(m.window, r.shard, r.vaultEntryId, r.salt));
    if (!committed.has(c)) return fail("mismatch", `reveal for shard ${r.shard} does not open any commitment of window ${m.window}`);
    if (accepted.opened.has(r.shard) || seen.has(r.shard)) return fail("duplicate", `shard ${r.shard} of window ${m.window} is already revealed as a trap`);
    seen.add(r.shard);
    const entry = state.vault.get(r.vaultEntryId);
    if (!entry) return fail("notFound", `vault entry ${r.vaultEntryId} does not exist`);
    const caught: string[] = [];
    const passed: string[] = [];
    for (const miner of byShard.get(r.shard) ?? []) {
      const id = w.submittedBy.get(miner);
      const s = id === undefined ? undefined : state.submissions.get(id);
      if (!s) continue;
      (bytesEqual(s.gradientHash, entry.gradientHash) ? passed : caught).push(miner);
    }
    out.push(event("trapRevealed", { window: m.window, shard: r.shard, vaultEntryId: r.vaultEntryId, expectedHash: entry.gradientHash, caught, passed }));
    for (const miner of caught) {
      const s = slash(state, miner, Role.MINER, Offence.LAZY_MINING, `trap/${m.window}/${miner}`, state.params.slashLazyMiningBps);
      if (s) out.push(s);
      const id = w.submittedBy.get(miner)!;
      if (state.submissions.get(id)!.status !== SubmissionStatus.REJECTED) {
        out.push(event("submissionRejected", { submissionId: id, reason: `trap job failed in window ${m.window}` }));
      }
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

export const evolveTrapCommitmentApproved = (state: State, e: EventOf<"trapCommitmentApproved">): void => {
  trapState(state, e.window).approvals.set(e.validator, hex(e.digest));
};

export const evolveTrapCommitmentAccepted = (state: State, e: EventOf<"trapCommitmentAccepted">): void => {
  trapState(state, e.window).accepted = { digest: e.digest, commitments: e.commitments, committee: e.committee, opened: new Set() };
};

export const evolveTrapRevealed = (state: State, e: EventOf<"trapRevealed">): void => {
  const t = state.traps.get(e.window)?.accepted;
  t?.opened.add(e.shard);
  state.stats.trapsRevealed += 1;
  state.stats.minersCaught += e.caught.length;
  state.stats.minersPassed += e.passed.length;
  // A revealed answer is public now: it can not serve as a trap again.
  state.vault.delete(e.vaultEntryId);
};

export const evolveVaultEntryAdded = (state: State, e: EventOf<"vaultEntryAdded">): void => {
  state.vault.set(e.entryId, { id: e.entryId, gradientHash: e.gradientHash, window: e.window, shard: e.shard });
  state.counters.nextVaultId = Math.max(state.counters.nextVaultId, e.entryId + 1);
  // Bounded: the oldest entries (lowest ids, first in map order) leave first.
  for (const id of state.vault.keys()) {
    if (state.vault.size <= state.params.vaultMaxEntries) break;
    state.vault.delete(id);
  }
};

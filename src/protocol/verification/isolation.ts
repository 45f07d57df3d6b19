/**
 * Isolation audits. Tier 1 compares a submission only with its (shard, GPU
 * architecture, kernel version) group, and a lone submission is accepted
 * OPTIMISTIC: nobody compares it unless someone challenges. Architecture and
 * kernel version are no longer the miner's choice (submissions.ts,
 * kernel-versions.ts), but a miner can still be alone honestly — the only
 * HOPPER of its shard — or by registering a rare architecture on purpose.
 * So each lone submission is sent to a tier-3 recomputation panel with
 * probability isolation_audit_bps, drawn from the closing block's hash
 * (per window and submission, so one draw cannot be reused), exactly as the
 * protocol opens a tier-1 mismatch dispute (tier3.ts `openTier3`: no bond, no
 * challenger). An honest miner's recomputed hash equals its own: upheld, paid.
 *
 * The seeds are silent on the rate; it is a parameter chosen so isolation
 * does not pay. Per task an isolator that trains nothing saves its training
 * cost c and, unaudited, is paid the optimistic reward R. Audited (probability
 * p) it loses R and is slashed s·S (s = slash_lazy_mining_bps, S its stake).
 * Against honest work (R − c) it gains c − p·(R + s·S), so isolation loses iff
 *
 *     p  >  p* = c / (R + s·S).
 *
 * With the scenario cost model's defaults (src/sim/costs.ts: a REMES at one US
 * cent; the dearest task is a CPU miner's hour at $0.10 = 10 REMES, AMPERE's
 * 180 s at $1.20/h = 6 REMES), R = base_miner_reward = 10 REMES and a minimum
 * stake S = 1000 REMES slashed s = 50%: p* = 10 / (10 + 500) ≈ 1.96%. The
 * default, 5% (500 bps), leaves a 2.5× margin (a miner bonding more than the
 * minimum has a larger one). The cost falls on validators: a panel of
 * tier3_panel_size recomputes 5% of lone submissions, paid the verification
 * reward per right verdict (disputes.ts).
 */
import { SubmissionStatus } from "../../gen/remes/v1/events_pb.ts";
import type { BlockContext } from "../context.ts";
import type { Emit } from "../events.ts";
import { deriveSeed, Prng } from "../randomness.ts";
import type { State } from "../state.ts";
import { openTier3 } from "./tier3.ts";

/** Opens a tier-3 dispute on each drawn lone submission; returns the next free dispute id. */
export const auditLone = (
  state: Readonly<State>,
  ctx: BlockContext,
  window: number,
  optimisticIds: readonly number[],
  disputeId: number,
  emit: Emit,
): number => {
  const bps = state.params.isolationAuditBps;
  if (bps === 0) return disputeId;
  for (const id of optimisticIds) {
    const s = state.submissions.get(id);
    if (!s || s.status === SubmissionStatus.REJECTED) continue;
    if (
      !new Prng(deriveSeed(ctx.blockHash, "remes/isolation-audit", window, id)).chance(bps, 10_000)
    )
      continue;
    emit(openTier3(state, ctx, id, window, s.miner, disputeId++));
  }
  return disputeId;
};

/**
 * Rewards, paid (minted) when a window settles: every submission that
 * survived verification earns base_miner_reward scaled by its quality score
 * (tier-1 VERIFIED: quality_verified_bps; OPTIMISTIC: quality_optimistic_bps;
 * MISMATCHED, REJECTED: nothing); the proposer of a final, unfaulted
 * aggregation earns proposer_reward. Validators are paid per verification
 * when disputes resolve (verification/disputes.ts) and per block signed
 * (validator-rewards.ts). Settlement also records
 * recomputation-verified jobs in the vault (proof of reuse).
 */
import { RewardKind, SubmissionStatus } from "../gen/remes/v1/events_pb.ts";
import type { BlockContext } from "./context.ts";
import { type Emit, event, type EventOf } from "./events.ts";
import { mint } from "./ledger.ts";
import { deriveSeed, Prng } from "./randomness.ts";
import type { State, Submission, WindowState } from "./state.ts";
import { submissionsOf } from "./submissions.ts";

export const qualityBps = (state: Readonly<State>, s: Submission): number =>
  s.status === SubmissionStatus.VERIFIED
    ? state.params.qualityVerifiedBps
    : s.status === SubmissionStatus.OPTIMISTIC
      ? state.params.qualityOptimisticBps
      : 0;

export const payWindow = (state: Readonly<State>, w: WindowState, emit: Emit): void => {
  for (const s of submissionsOf(state, w.window)) {
    const amount = (state.params.baseMinerReward * BigInt(qualityBps(state, s))) / 10_000n;
    if (amount > 0n)
      emit(
        event("rewardMinted", { to: s.miner, amount, kind: RewardKind.MINER, window: w.window }),
      );
  }
  const a = w.aggregation;
  if (a?.finalized && a.fault === undefined && state.params.proposerReward > 0n) {
    emit(
      event("rewardMinted", {
        to: a.proposer,
        amount: state.params.proposerReward,
        kind: RewardKind.PROPOSER,
        window: w.window,
      }),
    );
  }
};

/**
 * Proof of reuse: a few jobs of the window whose hash was independently
 * verified become vault entries. Independently means a tier-3 panel
 * recomputed the job (a trap audit, traps.ts) and got that hash: two miners
 * of a group agreeing is not enough, since a coalition can hold every seat
 * of its group. A shard with any rejected or mismatched submission is left
 * out. The vault records verified work; it answers no trap.
 */
export const reuseVerifiedJobs = (
  state: Readonly<State>,
  ctx: BlockContext,
  w: WindowState,
  emit: Emit,
): void => {
  const confirmed = state.traps.get(w.window)?.accepted?.confirmed;
  if (!confirmed || confirmed.size === 0) return;
  const spoiled = new Set<number>();
  for (const s of submissionsOf(state, w.window)) {
    if (s.status === SubmissionStatus.REJECTED || s.status === SubmissionStatus.MISMATCHED)
      spoiled.add(s.shard);
  }
  const candidates = [...confirmed.keys()].filter((s) => !spoiled.has(s)).sort((a, b) => a - b);
  new Prng(deriveSeed(ctx.beacon, "remes/reuse", w.window)).shuffle(candidates);
  let entryId = state.counters.nextVaultId;
  for (const shard of candidates.slice(0, state.params.vaultReusePerWindow)) {
    emit(
      event("vaultEntryAdded", {
        entryId: entryId++,
        gradientHash: confirmed.get(shard)!,
        window: w.window,
        shard,
      }),
    );
  }
};

export const evolveRewardMinted = (state: State, e: EventOf<"rewardMinted">): void => {
  mint(state, e.to, e.amount);
};

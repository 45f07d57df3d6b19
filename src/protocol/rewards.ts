/**
 * Rewards, paid (minted) when a window settles: every submission that
 * survived verification earns base_miner_reward scaled by its quality score
 * (tier-1 VERIFIED: quality_verified_bps; OPTIMISTIC: quality_optimistic_bps;
 * MISMATCHED, REJECTED: nothing); the proposer of a final, unfaulted
 * aggregation earns proposer_reward. Validators are paid per verification
 * when disputes resolve (verification/disputes.ts). Settlement also turns
 * verified real jobs into future trap answers (proof of reuse).
 */
import { RewardKind, SubmissionStatus } from "../gen/remes/v1/events_pb.ts";
import type { BlockContext } from "./context.ts";
import { type Emit, event, type EventOf } from "./events.ts";
import { mint } from "./ledger.ts";
import { deriveSeed, Prng } from "./randomness.ts";
import type { State, Submission, WindowState } from "./state.ts";
import { submissionsOf } from "./submissions.ts";

export const qualityBps = (state: Readonly<State>, s: Submission): number =>
  s.status === SubmissionStatus.VERIFIED ? state.params.qualityVerifiedBps
  : s.status === SubmissionStatus.OPTIMISTIC ? state.params.qualityOptimisticBps
  : 0;

export const payWindow = (state: Readonly<State>, w: WindowState, emit: Emit): void => {
  for (const s of submissionsOf(state, w.window)) {
    const amount = (state.params.baseMinerReward * BigInt(qualityBps(state, s))) / 10_000n;
    if (amount > 0n) emit(event("rewardMinted", { to: s.miner, amount, kind: RewardKind.MINER, window: w.window }));
  }
  const a = w.aggregation;
  if (a?.finalized && !a.faulted && state.params.proposerReward > 0n) {
    emit(event("rewardMinted", { to: a.proposer, amount: state.params.proposerReward, kind: RewardKind.PROPOSER, window: w.window }));
  }
};

/** Proof of reuse: a few shards whose hash was verified by agreement become vault entries. */
export const reuseVerifiedJobs = (state: Readonly<State>, ctx: BlockContext, w: WindowState, emit: Emit): void => {
  const byShard = new Map<number, Submission>();
  const spoiled = new Set<number>();
  for (const s of submissionsOf(state, w.window)) {
    if (s.status === SubmissionStatus.REJECTED || s.status === SubmissionStatus.MISMATCHED) spoiled.add(s.shard);
    else if (s.status === SubmissionStatus.VERIFIED && !byShard.has(s.shard)) byShard.set(s.shard, s);
  }
  // Trap shards were answered from the vault already.
  for (const shard of state.traps.get(w.window)?.accepted?.opened ?? []) spoiled.add(shard);
  const candidates = [...byShard.keys()].filter((s) => !spoiled.has(s)).sort((a, b) => a - b);
  new Prng(deriveSeed(ctx.beacon, "remes/reuse", w.window)).shuffle(candidates);
  let entryId = state.counters.nextVaultId;
  for (const shard of candidates.slice(0, state.params.vaultReusePerWindow)) {
    emit(event("vaultEntryAdded", { entryId: entryId++, gradientHash: byShard.get(shard)!.gradientHash, window: w.window, shard }));
  }
};

export const evolveRewardMinted = (state: State, e: EventOf<"rewardMinted">): void => {
  mint(state, e.to, e.amount);
};

/**
 * Validator pay (seed 000, reward structure: "Validators — block production,
 * verification"). Without it validators earn nothing while nobody cheats
 * (issue 13, the verifier's dilemma) and lose their running costs.
 *
 * Begin-block step: two pots, each split the same way —
 * - block_inflation_reward, minted every block (RewardMinted, kind BLOCK),
 * - the fees collected in fee_collector so far (Transferred out of it; the
 *   node's Cosmos txs pay fees there, the simulator's pay none) —
 * block_proposer_bonus_bps of a pot goes to this block's proposer, the rest
 * to the validators who signed the previous block (ctx.lastCommit, the same
 * votes liveness slashing reads) pro rata to their bonded validator stake,
 * rounded down; the rounding remainder goes to the proposer too (kind
 * BLOCK_PROPOSER), or to the community pool when the proposer holds no
 * validator stake. Each split sums exactly to its pot (asserted). With no
 * signer (genesis' first block) nothing is minted and fees wait.
 * A validator that does not sign earns nothing for that block: downtime
 * costs income before it costs stake.
 */
import { RewardKind } from "../gen/remes/v1/events_pb.ts";
import { Role } from "../gen/remes/v1/types_pb.ts";
import type { BlockContext } from "./context.ts";
import { type Emit, event } from "./events.ts";
import { roleOf } from "./staking.ts";
import { ModuleAccount, type State } from "./state.ts";

const BPS = 10_000n;

export interface Split {
  /** Signers' shares by address (sorted), zero shares left out. */
  readonly shares: ReadonlyArray<readonly [string, bigint]>;
  /** Bonus plus rounding remainder, for the proposer (or the community pool). */
  readonly toProposer: bigint;
}

/** Splits `pot` among `signers` by stake after the proposer's bonus; the parts sum to `pot`. */
export const splitPot = (pot: bigint, signers: ReadonlyArray<readonly [string, bigint]>, bonusBps: number): Split => {
  const bonus = (pot * BigInt(bonusBps)) / BPS;
  const rest = pot - bonus;
  let total = 0n;
  for (const [, stake] of signers) total += stake;
  const shares: [string, bigint][] = [];
  let paid = 0n;
  if (total > 0n) {
    for (const [address, stake] of signers) {
      const share = (rest * stake) / total;
      paid += share;
      if (share > 0n) shares.push([address, share]);
    }
  }
  const toProposer = pot - paid;
  if (paid + toProposer !== pot || toProposer < bonus) throw new Error(`validator rewards: split of ${pot} does not add up`);
  return { shares, toProposer };
};

/** Validators who signed the last commit with their bonded validator stake, by address, each once. */
export const paidSigners = (state: Readonly<State>, ctx: BlockContext): Array<[string, bigint]> => {
  const seen = new Map<string, bigint>();
  for (const v of ctx.lastCommit) {
    if (!v.signed || seen.has(v.address)) continue;
    const stake = roleOf(state, Role.VALIDATOR, v.address)?.stake ?? 0n;
    if (stake > 0n) seen.set(v.address, stake);
  }
  return [...seen].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
};

export const rewardValidators = (state: Readonly<State>, ctx: BlockContext, emit: Emit): void => {
  const p = state.params;
  const signers = paidSigners(state, ctx);
  if (signers.length === 0) return;
  const proposer = (roleOf(state, Role.VALIDATOR, ctx.proposer)?.stake ?? 0n) > 0n ? ctx.proposer : undefined;
  const window = Math.max(0, state.nextWindow - 1);
  if (p.blockInflationReward > 0n) {
    const s = splitPot(p.blockInflationReward, signers, p.blockProposerBonusBps);
    for (const [to, amount] of s.shares) emit(event("rewardMinted", { to, amount, kind: RewardKind.BLOCK, window }));
    if (s.toProposer > 0n) emit(event("rewardMinted", { to: proposer ?? ModuleAccount.communityPool, amount: s.toProposer, kind: RewardKind.BLOCK_PROPOSER, window }));
  }
  const fees = state.balances.get(ModuleAccount.feeCollector) ?? 0n;
  if (fees > 0n) {
    const s = splitPot(fees, signers, p.blockProposerBonusBps);
    for (const [to, amount] of s.shares) emit(event("transferred", { from: ModuleAccount.feeCollector, to, amount }));
    if (s.toProposer > 0n) emit(event("transferred", { from: ModuleAccount.feeCollector, to: proposer ?? ModuleAccount.communityPool, amount: s.toProposer }));
  }
};

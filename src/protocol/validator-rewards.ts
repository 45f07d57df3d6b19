/**
 * Validator pay (seed 000, reward structure: "Validators — block production,
 * verification"). Without it validators earn nothing while nobody cheats
 * (issue 13, the verifier's dilemma) and lose their running costs.
 *
 * Each block two pots are split the same way —
 * - block_inflation_reward (kind BLOCK when paid),
 * - the fees collected in fee_collector so far (the node's Cosmos txs pay
 *   fees there, the simulator's pay none) —
 * block_proposer_bonus_bps of a pot goes to this block's proposer, the rest
 * to the validators who signed the previous block (ctx.lastCommit, the same
 * votes liveness slashing reads) pro rata to their bonded validator stake,
 * rounded down; the rounding remainder goes to the proposer too, or to the
 * community pool when the proposer holds no validator stake. Each split sums
 * exactly to its pot (asserted). With no signer (genesis' first block)
 * nothing accrues and fees wait. A validator that does not sign earns
 * nothing for that block: downtime costs income before it costs stake.
 *
 * Accrued, then paid in batches (why: paying every signer every block was
 * one event per signer per pot per block — half of the simulator's events at
 * 100 validators). Per block ONE ValidatorPayAccrued event; its evolve
 * recomputes the exact split above from the state (stakes) and the signers
 * (kept in `state.paySigners`; the event carries only who joined or left the
 * signing set since the last accrual, nothing in a steady network) and adds
 * each share to `state.validatorPay`. The fees move from fee_collector to
 * the validator_pay pool at once; the inflation is minted only when paid, so
 * supply counts what balances hold (balances = genesis + minted − burned)
 * and the pool holds exactly the accrued fees (invariants.ts). Every
 * validator_pay_period_blocks blocks (the heights divisible by it) the pay
 * is paid out in address order: RewardMinted (kind BLOCK: signer shares,
 * bonus and remainder together) for the inflation, Transferred out of
 * validator_pay for the fees; each event settles what it paid (`settle*`).
 * A validator that unbonds, leaves the consensus set or is slashed keeps
 * what it accrued: owed pay is not stake, and is paid at the next payout.
 */
import { RewardKind } from "../gen/remes/v1/events_pb.ts";
import { Role } from "../gen/remes/v1/types_pb.ts";
import type { BlockContext } from "./context.ts";
import { type Emit, event, type EventOf } from "./events.ts";
import { credit, debit } from "./ledger.ts";
import { roleOf } from "./staking.ts";
import { ModuleAccount, sortedKeys, type State, type ValidatorPayAccrual } from "./state.ts";

const BPS = 10_000n;

export interface Split {
  /** Signers' shares by address (in the signers' order), zero shares left out. */
  readonly shares: ReadonlyArray<readonly [string, bigint]>;
  /** Bonus plus rounding remainder, for the proposer (or the community pool). */
  readonly toProposer: bigint;
}

/** Splits `pot` among `signers` by stake after the proposer's bonus; the parts sum to `pot`. */
export const splitPot = (
  pot: bigint,
  signers: ReadonlyArray<readonly [string, bigint]>,
  bonusBps: number,
): Split => {
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
  if (paid + toProposer !== pot || toProposer < bonus)
    throw new Error(`validator rewards: split of ${pot} does not add up`);
  return { shares, toProposer };
};

const stakeOf = (state: Readonly<State>, address: string): bigint =>
  roleOf(state, Role.VALIDATOR, address)?.stake ?? 0n;

/** The signing set's validators that hold bonded validator stake, with it (the order does not change any share). */
const stakedSigners = (
  state: Readonly<State>,
  signers: Iterable<string>,
): Array<[string, bigint]> => {
  const out: Array<[string, bigint]> = [];
  for (const address of signers) {
    const stake = stakeOf(state, address);
    if (stake > 0n) out.push([address, stake]);
  }
  return out;
};

const signedSet = (ctx: BlockContext): Set<string> => {
  const signed = new Set<string>();
  for (const v of ctx.lastCommit) if (v.signed) signed.add(v.address);
  return signed;
};

/** Begin-block step: this block's pay accrues (one event), then, at a period's end, every accrued amount is paid. */
export const rewardValidators = (state: Readonly<State>, ctx: BlockContext, emit: Emit): void => {
  accrueValidatorPay(state, ctx, emit);
  const period = state.params.validatorPayPeriodBlocks;
  if (period > 0 && ctx.height % period === 0) payValidators(state, emit);
};

const accrueValidatorPay = (state: Readonly<State>, ctx: BlockContext, emit: Emit): void => {
  const signed = signedSet(ctx);
  if (stakedSigners(state, signed).length === 0) return;
  const minted = state.params.blockInflationReward;
  const fees = state.balances.get(ModuleAccount.feeCollector) ?? 0n;
  if (minted === 0n && fees === 0n) return;
  const signersAdded = [...signed].filter((a) => !state.paySigners.has(a)).sort();
  const signersRemoved = [...state.paySigners].filter((a) => !signed.has(a)).sort();
  const proposer = stakeOf(state, ctx.proposer) > 0n ? ctx.proposer : ModuleAccount.communityPool;
  emit(event("validatorPayAccrued", { proposer, minted, fees, signersAdded, signersRemoved }));
};

const payValidators = (state: Readonly<State>, emit: Emit): void => {
  const window = Math.max(0, state.nextWindow - 1);
  for (const to of sortedKeys(state.validatorPay)) {
    const a = state.validatorPay.get(to)!;
    if (a.minted > 0n)
      emit(event("rewardMinted", { to, amount: a.minted, kind: RewardKind.BLOCK, window }));
    if (a.fees > 0n)
      emit(event("transferred", { from: ModuleAccount.validatorPay, to, amount: a.fees }));
  }
};

const accrual = (state: State, address: string): ValidatorPayAccrual => {
  let a = state.validatorPay.get(address);
  if (!a) {
    a = { minted: 0n, fees: 0n };
    state.validatorPay.set(address, a);
  }
  return a;
};

export const evolveValidatorPayAccrued = (
  state: State,
  e: EventOf<"validatorPayAccrued">,
): void => {
  for (const a of e.signersRemoved) state.paySigners.delete(a);
  for (const a of e.signersAdded) state.paySigners.add(a);
  const signers = stakedSigners(state, state.paySigners);
  const bonusBps = state.params.blockProposerBonusBps;
  if (e.minted > 0n) {
    const s = splitPot(e.minted, signers, bonusBps);
    for (const [to, amount] of s.shares) accrual(state, to).minted += amount;
    if (s.toProposer > 0n) accrual(state, e.proposer).minted += s.toProposer;
  }
  if (e.fees > 0n) {
    debit(state, ModuleAccount.feeCollector, e.fees);
    credit(state, ModuleAccount.validatorPay, e.fees);
    const s = splitPot(e.fees, signers, bonusBps);
    for (const [to, amount] of s.shares) accrual(state, to).fees += amount;
    if (s.toProposer > 0n) accrual(state, e.proposer).fees += s.toProposer;
  }
};

const settle = (
  state: State,
  address: string,
  part: keyof ValidatorPayAccrual,
  amount: bigint,
): void => {
  const a = state.validatorPay.get(address);
  if (!a) return;
  a[part] -= amount;
  if (a.minted === 0n && a.fees === 0n) state.validatorPay.delete(address);
};

/** A payout's mint (RewardMinted of kind BLOCK) settles the minted part it paid. */
export const settleMintedPay = (state: State, e: EventOf<"rewardMinted">): void => {
  if (e.kind === RewardKind.BLOCK) settle(state, e.to, "minted", e.amount);
};

/** A transfer out of the validator_pay pool settles the fee part it paid. */
export const settleFeePay = (state: State, e: EventOf<"transferred">): void => {
  if (e.from === ModuleAccount.validatorPay) settle(state, e.to, "fees", e.amount);
};

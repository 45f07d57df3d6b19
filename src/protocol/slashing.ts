/**
 * Slashing: a fraction (basis points of the stake at risk: bonded plus still
 * unbonding) is removed once per offence key and split between a beneficiary
 * (a challenger who proved the fault, challenger_reward_bps), the burn
 * (slash_burn_bps of the rest) and the community pool. Validators are also
 * slashed here for double signing (evidence from the block context) and
 * downtime (missed blocks per liveness window).
 */
import { Offence, Role } from "../gen/remes/v1/types_pb.ts";
import type { BlockContext } from "./context.ts";
import { type Emit, event, type EventOf, type ProtocolEvent } from "./events.ts";
import { indexStakeChanged, unbondingOf } from "./indexes.ts";
import { burn, credit, debit } from "./ledger.ts";
import { jailFor } from "./consensus-set.ts";
import { assertSplit } from "./split.ts";
import { roleOf } from "./staking.ts";
import { ModuleAccount, roleKey, type State } from "./state.ts";

const BPS = 10_000n;

/** Stake that a slash can reach: bonded stake plus unbonding entries of the role. */
export const stakeAtRisk = (state: Readonly<State>, role: Role, address: string): bigint => {
  let atRisk = roleOf(state, role, address)?.stake ?? 0n;
  for (const u of unbondingOf(state.unbonding, role, address)) atRisk += u.amount;
  return atRisk;
};

/**
 * The Slashed event for an offence, or undefined when this offence key was
 * already slashed (never twice) or the address holds no such role.
 */
export const slash = (
  state: Readonly<State>,
  address: string,
  role: Role,
  offence: Offence,
  offenceKey: string,
  bps: number,
  beneficiary = "",
): ProtocolEvent | undefined => {
  if (state.offences.has(offenceKey)) return undefined;
  if (!roleOf(state, role, address) && stakeAtRisk(state, role, address) === 0n) return undefined;
  const amount = (stakeAtRisk(state, role, address) * BigInt(bps)) / BPS;
  const toBeneficiary =
    beneficiary === "" ? 0n : (amount * BigInt(state.params.challengerRewardBps)) / BPS;
  const rest = amount - toBeneficiary;
  const burned = (rest * BigInt(state.params.slashBurnBps)) / BPS;
  const toCommunity = rest - burned;
  assertSplit(`slash ${offenceKey}`, amount, [toBeneficiary, burned, toCommunity]);
  return event("slashed", {
    address,
    role,
    offence,
    offenceKey,
    amount,
    burned,
    toCommunity,
    beneficiary: toBeneficiary === 0n ? "" : beneficiary,
    toBeneficiary,
  });
};

export const evolveSlashed = (state: State, e: EventOf<"slashed">): void => {
  state.offences.set(e.offenceKey, state.height);
  let left = e.amount;
  const r = state.roles.get(roleKey(e.role, e.address));
  if (r) {
    const fromBonded = left < r.stake ? left : r.stake;
    r.stake -= fromBonded;
    indexStakeChanged(state, e.role, e.address, r.stake + fromBonded, r.stake);
    debit(state, ModuleAccount.bondedPool, fromBonded);
    left -= fromBonded;
  }
  // Then unbonding entries, oldest first (ids ascend with time).
  for (const u of unbondingOf(state.unbonding, e.role, e.address)) {
    if (left === 0n) break;
    const take = left < u.amount ? left : u.amount;
    u.amount -= take;
    debit(state, ModuleAccount.unbondingPool, take);
    left -= take;
  }
  // The slashed amount now sits nowhere; place it where the event says.
  state.supply.burned += e.burned;
  credit(state, ModuleAccount.communityPool, e.toCommunity);
  credit(state, e.beneficiary, e.toBeneficiary);
};

// --- validator liveness and double signing (begin block) ---

/** A consensus fault's slash, then its jail (consensus-set.ts): the validator leaves CometBFT's set at this block's end. */
const slashAndJail = (
  state: Readonly<State>,
  e: ProtocolEvent,
  ctx: BlockContext,
  emit: Emit,
): void => {
  emit(e);
  const jail = e.case === "slashed" ? jailFor(state, e.value, ctx.height) : undefined;
  if (jail) emit(jail);
};

export const punishValidators = (state: Readonly<State>, ctx: BlockContext, emit: Emit): void => {
  const evidence = [...ctx.misbehavior].sort((a, b) =>
    a.validator < b.validator ? -1 : a.validator > b.validator ? 1 : a.height - b.height,
  );
  for (const m of evidence) {
    // Evidence older than the unbonding period can no longer reach the stake;
    // evidence below the pruning horizon may name an offence already forgotten.
    if (
      m.height + state.params.unbondingBlocks < ctx.height ||
      m.height < state.offencesForgottenBelow
    )
      continue;
    const e = slash(
      state,
      m.validator,
      Role.VALIDATOR,
      Offence.DOUBLE_SIGN,
      `double_sign/${m.height}/${m.validator}`,
      state.params.slashDoubleSignBps,
    );
    if (e) slashAndJail(state, e, ctx, emit);
  }
  const missed = ctx.lastCommit
    .filter((v) => !v.signed && roleOf(state, Role.VALIDATOR, v.address))
    .map((v) => v.address)
    .sort();
  if (missed.length > 0) emit(event("livenessMissed", { validators: [...new Set(missed)] }));
  const windowBlocks = state.params.livenessWindowBlocks;
  if (ctx.height - state.livenessWindowStart + 1 >= windowBlocks) {
    const allowed =
      (windowBlocks * (10_000 - state.params.minSignedBps) -
        ((windowBlocks * (10_000 - state.params.minSignedBps)) % 10_000)) /
      10_000;
    for (const [validator, count] of [...state.missedBlocks].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (count <= allowed) continue;
      const e = slash(
        state,
        validator,
        Role.VALIDATOR,
        Offence.DOWNTIME,
        `downtime/${state.livenessWindowStart}/${validator}`,
        state.params.slashDowntimeBps,
      );
      if (e) slashAndJail(state, e, ctx, emit);
    }
    emit(event("livenessWindowReset", { startHeight: ctx.height + 1 }));
  }
};

export const evolveLivenessMissed = (state: State, e: EventOf<"livenessMissed">): void => {
  for (const v of e.validators) state.missedBlocks.set(v, (state.missedBlocks.get(v) ?? 0) + 1);
};

export const evolveLivenessWindowReset = (
  state: State,
  e: EventOf<"livenessWindowReset">,
): void => {
  state.missedBlocks.clear();
  state.livenessWindowStart = Number(e.startHeight);
};

/** Offence keys older than the unbonding period can not recur: forget them. */
export const pruneOffences = (state: State): void => {
  const horizon = Math.max(
    state.offencesForgottenBelow,
    state.height - state.params.unbondingBlocks,
  );
  state.offencesForgottenBelow = horizon;
  for (const [key, height] of state.offences) if (height < horizon) state.offences.delete(key);
};

/**
 * CometBFT's validator set, derived from the state. A validator holds
 * consensus power while it is active (bonded stake ≥ min_validator_stake),
 * not jailed, and has a 32-byte consensus key; its power is its bonded stake
 * in whole REMES (uremes / 10^6, rounded down; CometBFT caps total power at
 * 2^60, far above any supply). At most max_consensus_validators hold power:
 * the top by stake, ties by address.
 *
 * The set last reported is kept in the state (`consensusSet`, part of the
 * state root and the snapshots), and each block's end step emits the exact
 * difference (ConsensusSetChanged, sorted by key; power 0 removes), which the
 * node hands to CometBFT as FinalizeBlock's validator_updates — so slashing
 * lowers power, and jailing, unbonding or falling below the minimum removes.
 * An update that would empty the set is not emitted: CometBFT halts on an
 * empty set, and a chain with no validator left cannot be governed back anyway.
 *
 * Jailing (seeds silent; validator_jail_blocks): a validator slashed for
 * downtime or double signing leaves the set for validator_jail_blocks and
 * rejoins by itself afterwards if still active (no unjail message: a
 * downtime repeat is slashed again, and a double signer's stake is cut).
 */
import { hexToBytes } from "@noble/hashes/utils.js";
import { Offence, Role } from "../gen/remes/v1/types_pb.ts";
import type { BlockContext } from "./context.ts";
import { type Emit, event, type EventOf, type ProtocolEvent } from "./events.ts";
import { isActive } from "./staking.ts";
import { hex, isHexOf, roleKey, type State } from "./state.ts";

export const UREMES_PER_POWER = 1_000_000n;

export interface ConsensusMember {
  readonly pubkey: string;
  readonly validator: string;
  readonly power: bigint;
}

/** The set the state calls for now (key hex → member), before any cap on churn. */
export const desiredConsensusSet = (
  state: Readonly<State>,
  height = state.height,
): Map<string, ConsensusMember> => {
  const candidates: { pubkey: string; validator: string; stake: bigint }[] = [];
  // consensusKeys indexes every validator with a key: no scan over miners.
  for (const [pubkey, validator] of state.consensusKeys) {
    const r = state.roles.get(roleKey(Role.VALIDATOR, validator));
    if (!r || !isActive(state, r) || r.stake < UREMES_PER_POWER) continue;
    if (!isHexOf(r.pubkey, pubkey)) continue;
    if ((state.jailedUntil.get(validator) ?? 0) > height) continue;
    candidates.push({ pubkey, validator, stake: r.stake });
  }
  candidates.sort((a, b) =>
    a.stake !== b.stake
      ? a.stake > b.stake
        ? -1
        : 1
      : a.validator < b.validator
        ? -1
        : a.validator > b.validator
          ? 1
          : 0,
  );
  const out = new Map<string, ConsensusMember>();
  for (const c of candidates.slice(0, state.params.maxConsensusValidators))
    out.set(c.pubkey, {
      pubkey: c.pubkey,
      validator: c.validator,
      power: c.stake / UREMES_PER_POWER,
    });
  return out;
};

/** The ConsensusSetChanged event that turns the reported set into the desired one, or undefined when none is due. */
export const consensusSetChange = (
  state: Readonly<State>,
  height = state.height,
): ProtocolEvent | undefined => {
  const desired = desiredConsensusSet(state, height);
  if (desired.size === 0) return undefined;
  const updates: { pubkey: Uint8Array; power: bigint; validator: string; key: string }[] = [];
  for (const [key, power] of state.consensusSet) {
    if (!desired.has(key))
      updates.push({
        key,
        pubkey: hexToBytes(key),
        power: 0n,
        validator: state.consensusKeys.get(key) ?? "",
      });
    else if (desired.get(key)!.power !== power)
      updates.push({
        key,
        pubkey: hexToBytes(key),
        power: desired.get(key)!.power,
        validator: desired.get(key)!.validator,
      });
  }
  for (const [key, m] of desired)
    if (!state.consensusSet.has(key))
      updates.push({ key, pubkey: hexToBytes(key), power: m.power, validator: m.validator });
  if (updates.length === 0) return undefined;
  updates.sort((a, b) => (a.key < b.key ? -1 : 1));
  return event("consensusSetChanged", {
    updates: updates.map(({ pubkey, power, validator }) => ({ pubkey, power, validator })),
  });
};

/** End-block step: report the set's changes. */
export const updateConsensusSet = (state: Readonly<State>, ctx: BlockContext, emit: Emit): void => {
  const e = consensusSetChange(state, ctx.height);
  if (e) emit(e);
};

export const evolveConsensusSetChanged = (
  state: State,
  e: EventOf<"consensusSetChanged">,
): void => {
  for (const u of e.updates) {
    const key = hex(u.pubkey);
    if (u.power === 0n) state.consensusSet.delete(key);
    else state.consensusSet.set(key, u.power);
  }
};

/** The jail that follows a validator's slash for downtime or double signing. */
export const jailFor = (
  state: Readonly<State>,
  slashed: EventOf<"slashed">,
  height: number,
): ProtocolEvent | undefined => {
  if (
    slashed.role !== Role.VALIDATOR ||
    (slashed.offence !== Offence.DOWNTIME && slashed.offence !== Offence.DOUBLE_SIGN)
  )
    return undefined;
  if (state.params.validatorJailBlocks === 0) return undefined;
  const untilHeight = height + state.params.validatorJailBlocks;
  if ((state.jailedUntil.get(slashed.address) ?? 0) >= untilHeight) return undefined;
  return event("validatorJailed", { validator: slashed.address, untilHeight });
};

/** A served jail stays recorded (one entry per validator at most, so bounded) and is read against the height. */
export const evolveValidatorJailed = (state: State, e: EventOf<"validatorJailed">): void => {
  state.jailedUntil.set(e.validator, Number(e.untilHeight));
};

/** The genesis set: what InitChain reports to CometBFT (and the state starts with). */
export const genesisConsensusSet = (state: State): void => {
  const e = consensusSetChange(state, state.height);
  if (e && e.case === "consensusSetChanged") evolveConsensusSetChanged(state, e.value);
};

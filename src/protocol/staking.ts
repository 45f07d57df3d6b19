/**
 * Roles and stake: miners, validators, proposers (authorized by genesis or
 * governance) and serving nodes bond uremes into the bonded pool; unbonding
 * moves stake to the unbonding pool, where it stays slashable for
 * params.unbondingBlocks before it is released.
 */
import { GpuArch, Role } from "../gen/remes/v1/types_pb.ts";
import type { Params } from "../gen/remes/v1/params_pb.ts";
import type { CommandOf } from "./commands.ts";
import type { BlockContext } from "./context.ts";
import { bindConsensusKey, checkConsensusKey } from "./consensus-keys.ts";
import { fail, isProtocolError, type ProtocolError } from "./errors.ts";
import { type Emit, event, type EventOf, type ProtocolEvent } from "./events.ts";
import {
  activeRolesSorted,
  activeStake,
  indexRoleAdded,
  indexStakeChanged,
  indexUnbondingAdded,
  indexUnbondingRemoved,
  rolesOfKind,
  unbondingCount,
  unbondingDue,
} from "./indexes.ts";
import { checkAddress, checkAmount, checkFunds, credit, debit } from "./ledger.ts";
import { ModuleAccount, type RoleRecord, roleKey, type State } from "./state.ts";

export const roleName = (role: Role): string =>
  Role[role]?.toLowerCase().replace("_", " ") ?? `role ${role}`;

export const minStake = (params: Params, role: Role): bigint => {
  switch (role) {
    case Role.MINER:
      return params.minMinerStake;
    case Role.VALIDATOR:
      return params.minValidatorStake;
    case Role.PROPOSER:
      return params.minProposerStake;
    case Role.SERVING_NODE:
      return params.minServingStake;
    default:
      return 0n;
  }
};

export const roleOf = (
  state: Readonly<State>,
  role: Role,
  address: string,
): RoleRecord | undefined => state.roles.get(roleKey(role, address));

/** A role takes part (shards, panels, committees, sortition) while its stake is at least the minimum. */
export const isActive = (state: Readonly<State>, r: RoleRecord): boolean =>
  r.stake > 0n && r.stake >= minStake(state.params, r.role);

/** Active records of a role, sorted by address; visits only that role's holders (indexes.ts). */
export const activeOfRole = (state: Readonly<State>, role: Role): RoleRecord[] =>
  activeRolesSorted(state.roles, role, minStake(state.params, role)).slice();

/** Governance voting power: all bonded stake of an address, over its roles. */
export const votingPower = (state: Readonly<State>, address: string): bigint => {
  let p = 0n;
  for (const role of [Role.MINER, Role.VALIDATOR, Role.PROPOSER, Role.SERVING_NODE])
    p += state.roles.get(roleKey(role, address))?.stake ?? 0n;
  return p;
};

/** The summed stake of a role's active records, a running total (indexes.ts): what activeOfRole's records add up to. */
export const activeStakeOf = (state: Readonly<State>, role: Role): bigint =>
  activeStake(state.roles, role, minStake(state.params, role));

export const totalBonded = (state: Readonly<State>): bigint =>
  state.balances.get(ModuleAccount.bondedPool) ?? 0n;

// --- registration ---

const register = (
  state: Readonly<State>,
  address: string,
  role: Role,
  stake: bigint,
  extra: { gpuArch?: GpuArch; pubkey?: Uint8Array; endpoint?: string },
): ProtocolEvent[] | ProtocolError => {
  const bad = checkAddress(roleName(role), address) ?? checkAmount("stake", stake);
  if (bad) return bad;
  if (roleOf(state, role, address))
    return fail(
      "alreadyExists",
      `${address} is already registered as ${roleName(role)}; use MsgBond to add stake`,
    );
  const min = minStake(state.params, role);
  if (stake < min)
    return fail(
      "stakeTooLow",
      `${roleName(role)} stake ${stake} is below the minimum ${min} uremes`,
    );
  const funds = checkFunds(state, address, stake);
  if (funds) return funds;
  return [
    event("roleRegistered", {
      address,
      role,
      gpuArch: extra.gpuArch ?? GpuArch.UNSPECIFIED,
      pubkey: extra.pubkey ?? new Uint8Array(),
      endpoint: extra.endpoint ?? "",
    }),
    event("stakeBonded", { address, role, amount: stake }),
  ];
};

export const decideRegisterMiner = (state: Readonly<State>, m: CommandOf<"registerMiner">) => {
  if (m.gpuArch === GpuArch.UNSPECIFIED || GpuArch[m.gpuArch] === undefined)
    return fail(
      "invalidMessage",
      "gpu_arch must name a known architecture (e.g. GPU_ARCH_AMPERE or GPU_ARCH_CPU)",
    );
  return register(state, m.miner, Role.MINER, m.stake, { gpuArch: m.gpuArch });
};

export const decideRegisterValidator = (
  state: Readonly<State>,
  m: CommandOf<"registerValidator">,
) => {
  // The cheap checks (address, stake, funds) first; the key's proof of possession is an ed25519 verification.
  const early = register(state, m.validator, Role.VALIDATOR, m.stake, { pubkey: m.pubkey });
  if (isProtocolError(early)) return early;
  const bad = checkConsensusKey(state, m.validator, m.pubkey, m.popSignature);
  if (bad) return bad;
  return early;
};

export const decideRegisterProposer = (
  state: Readonly<State>,
  m: CommandOf<"registerProposer">,
) => {
  if (!state.authorizedProposers.has(m.proposer)) {
    return fail(
      "unauthorized",
      `${m.proposer} is not an authorized proposer; authorization comes from the genesis list or a passed ProposerAuthorizationProposal`,
    );
  }
  return register(state, m.proposer, Role.PROPOSER, m.stake, {});
};

export const decideRegisterServingNode = (
  state: Readonly<State>,
  m: CommandOf<"registerServingNode">,
) => {
  if (m.endpoint.length > 256)
    return fail("invalidMessage", "serving node endpoint is longer than 256 characters");
  return register(state, m.operator, Role.SERVING_NODE, m.stake, { endpoint: m.endpoint });
};

// --- bond / unbond ---

export const decideBond = (
  state: Readonly<State>,
  m: CommandOf<"bond">,
): ProtocolEvent[] | ProtocolError => {
  const bad = checkAddress("bonding", m.address) ?? checkAmount("amount", m.amount);
  if (bad) return bad;
  if (!roleOf(state, m.role, m.address))
    return fail("notFound", `${m.address} has no ${roleName(m.role)} role; register first`);
  const funds = checkFunds(state, m.address, m.amount);
  if (funds) return funds;
  return [event("stakeBonded", { address: m.address, role: m.role, amount: m.amount })];
};

export const decideUnbond = (
  state: Readonly<State>,
  m: CommandOf<"unbond">,
  ctx: BlockContext,
): ProtocolEvent[] | ProtocolError => {
  const bad = checkAddress("unbonding", m.address) ?? checkAmount("amount", m.amount);
  if (bad) return bad;
  const r = roleOf(state, m.role, m.address);
  if (!r) return fail("notFound", `${m.address} has no ${roleName(m.role)} role`);
  if (m.amount > r.stake)
    return fail(
      "insufficientFunds",
      `cannot unbond ${m.amount}: ${roleName(m.role)} stake is ${r.stake}`,
    );
  // Bounded state (issue 13): each entry is visited by every slash of its owner, so an owner holds at most
  // max_unbonding_entries at once (the Cosmos SDK's MaxEntries); the seeds are silent, so it is a parameter.
  const max = state.params.maxUnbondingEntries;
  if (unbondingCount(state.unbonding, m.role, m.address) >= max) {
    return fail(
      "tooLarge",
      `${m.address} already has ${max} unbonding entries as ${roleName(m.role)} (max_unbonding_entries); wait for one to complete`,
    );
  }
  return [
    event("unbondingStarted", {
      entryId: state.counters.nextUnbondingId,
      address: m.address,
      role: m.role,
      amount: m.amount,
      completionHeight: ctx.height + state.params.unbondingBlocks,
    }),
  ];
};

/** Begin-block step: release unbonding entries that have matured (from the due index: visits only those). */
export const completeUnbondings = (state: Readonly<State>, ctx: BlockContext, emit: Emit): void => {
  for (const entryId of unbondingDue(state.unbonding, ctx.height))
    emit(event("unbondingCompleted", { entryId }));
};

// --- evolve ---

export const evolveRoleRegistered = (state: State, e: EventOf<"roleRegistered">): void => {
  const replaced = state.roles.get(roleKey(e.role, e.address))?.stake ?? 0n;
  state.roles.set(roleKey(e.role, e.address), {
    address: e.address,
    role: e.role,
    stake: 0n,
    gpuArch: e.gpuArch,
    pubkey: e.pubkey,
    endpoint: e.endpoint,
  });
  indexRoleAdded(state.roles, e.role, e.address);
  if (replaced !== 0n) indexStakeChanged(state, e.role, e.address, replaced, 0n);
  bindConsensusKey(state, e.role, e.address, e.pubkey);
};

export const evolveStakeBonded = (state: State, e: EventOf<"stakeBonded">): void => {
  const r = state.roles.get(roleKey(e.role, e.address));
  if (!r) return;
  debit(state, e.address, e.amount);
  credit(state, ModuleAccount.bondedPool, e.amount);
  r.stake += e.amount;
  indexStakeChanged(state, e.role, e.address, r.stake - e.amount, r.stake);
};

export const evolveUnbondingStarted = (state: State, e: EventOf<"unbondingStarted">): void => {
  const r = state.roles.get(roleKey(e.role, e.address));
  if (!r) return;
  r.stake -= e.amount;
  indexStakeChanged(state, e.role, e.address, r.stake + e.amount, r.stake);
  debit(state, ModuleAccount.bondedPool, e.amount);
  credit(state, ModuleAccount.unbondingPool, e.amount);
  const u = {
    id: Number(e.entryId),
    address: e.address,
    role: e.role,
    amount: e.amount,
    completionHeight: Number(e.completionHeight),
  };
  const replaced = state.unbonding.get(Number(e.entryId));
  if (replaced) indexUnbondingRemoved(state.unbonding, replaced);
  state.unbonding.set(Number(e.entryId), u);
  indexUnbondingAdded(state.unbonding, u);
  state.counters.nextUnbondingId = Math.max(state.counters.nextUnbondingId, Number(e.entryId) + 1);
};

export const evolveUnbondingCompleted = (state: State, e: EventOf<"unbondingCompleted">): void => {
  const u = state.unbonding.get(Number(e.entryId));
  if (!u) return;
  debit(state, ModuleAccount.unbondingPool, u.amount);
  credit(state, u.address, u.amount);
  state.unbonding.delete(Number(e.entryId));
  indexUnbondingRemoved(state.unbonding, u);
};

export const evolveProposerAuthorizationChanged = (
  state: State,
  e: EventOf<"proposerAuthorizationChanged">,
): void => {
  if (e.authorized) state.authorizedProposers.add(e.address);
  else state.authorizedProposers.delete(e.address);
};

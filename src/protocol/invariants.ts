/**
 * Invariant checkers shared by the property tests and the simulator: plain,
 * deterministic functions over the state (or an event stream) that return a
 * list of violations (empty = ok). Each check is a small separate function so
 * a failure names exactly which rule broke.
 */
import { ProposalStatus } from "../gen/remes/v1/events_pb.ts";
import { Role } from "../gen/remes/v1/types_pb.ts";
import type { ProtocolEvent } from "./events.ts";
import { ModuleAccount, roleKey, type State, type Submission } from "./state.ts";

type Check = (state: Readonly<State>) => string[];

const sum = (xs: Iterable<bigint>): bigint => {
  let t = 0n;
  for (const x of xs) t += x;
  return t;
};

const bal = (state: Readonly<State>, address: string): bigint => state.balances.get(address) ?? 0n;

/** Σ balances (module accounts included) = genesis + minted − burned. */
export const checkSupply: Check = (state) => {
  const total = sum(state.balances.values());
  const expected = state.supply.genesis + state.supply.minted - state.supply.burned;
  return total === expected
    ? []
    : [
        `supply: balances sum to ${total}, expected genesis ${state.supply.genesis} + minted ${state.supply.minted} − burned ${state.supply.burned} = ${expected}`,
      ];
};

export const checkNonNegativeBalances: Check = (state) => {
  const out: string[] = [];
  for (const [a, b] of state.balances) if (b < 0n) out.push(`negative balance: ${a} has ${b}`);
  return out;
};

export const checkNonNegativeStakes: Check = (state) => {
  const out: string[] = [];
  for (const [k, r] of state.roles)
    if (r.stake < 0n) out.push(`negative stake: ${k} has ${r.stake}`);
  return out;
};

export const checkNonNegativeUnbonding: Check = (state) => {
  const out: string[] = [];
  for (const u of state.unbonding.values())
    if (u.amount < 0n)
      out.push(`negative unbonding: entry ${u.id} of ${u.address} has ${u.amount}`);
  return out;
};

export const checkBondedPool: Check = (state) => {
  let stakes = 0n;
  for (const r of state.roles.values()) stakes += r.stake;
  const pool = bal(state, ModuleAccount.bondedPool);
  return pool === stakes ? [] : [`bonded pool: holds ${pool}, role stakes sum to ${stakes}`];
};

export const checkUnbondingPool: Check = (state) => {
  let entries = 0n;
  for (const u of state.unbonding.values()) entries += u.amount;
  const pool = bal(state, ModuleAccount.unbondingPool);
  return pool === entries
    ? []
    : [`unbonding pool: holds ${pool}, unbonding entries sum to ${entries}`];
};

export const checkEscrow: Check = (state) => {
  let bonds = 0n;
  for (const d of state.disputes.values()) bonds += d.bond;
  for (const c of state.availability.values()) bonds += c.bond;
  const escrow = bal(state, ModuleAccount.escrow);
  return escrow === bonds
    ? []
    : [`escrow: holds ${escrow}, open dispute and availability bonds sum to ${bonds}`];
};

export const checkGovDeposits: Check = (state) => {
  let deposits = 0n;
  for (const p of state.proposals.values())
    if (p.status === ProposalStatus.VOTING) deposits += p.deposit;
  const held = bal(state, ModuleAccount.govDeposits);
  return held === deposits
    ? []
    : [`gov deposits: holds ${held}, deposits of proposals in voting sum to ${deposits}`];
};

/** The validator_pay pool holds exactly the accrued fees; no accrued amount is negative (validator-rewards.ts). */
export const checkValidatorPay: Check = (state) => {
  const out: string[] = [];
  let fees = 0n;
  for (const [a, x] of state.validatorPay) {
    if (x.minted < 0n || x.fees < 0n)
      out.push(`validator pay: ${a} has accrued ${x.minted} minted, ${x.fees} fees`);
    fees += x.fees;
  }
  const pool = bal(state, ModuleAccount.validatorPay);
  if (pool !== fees) out.push(`validator pay pool: holds ${pool}, accrued fees sum to ${fees}`);
  return out;
};

/**
 * What is wrong with one live submission: its miner, its window and its shard.
 * Appends to `out` (and returns it): the full walk checks every live submission,
 * tens of thousands, and nearly always finds nothing, so it allocates nothing then.
 */
export const checkSubmission = (
  state: Readonly<State>,
  s: Readonly<Submission>,
  out: string[] = [],
): string[] => {
  if (!state.roles.has(roleKey(Role.MINER, s.miner)))
    out.push(`submission ${s.id}: ${s.miner} has no miner role`);
  const w = state.windows.get(s.window);
  if (!w) {
    out.push(`submission ${s.id}: window ${s.window} is not live`);
    return out;
  }
  const shard = w.assignment.get(s.miner);
  if (shard !== s.shard)
    out.push(
      `submission ${s.id}: ${s.miner} is assigned shard ${shard ?? "none"} in window ${s.window}, submitted for ${s.shard}`,
    );
  if (w.submittedBy.get(s.miner) !== s.id)
    out.push(
      `submission ${s.id}: window ${s.window} records submission ${w.submittedBy.get(s.miner) ?? "none"} for ${s.miner}`,
    );
  return out;
};

/** Every live submission is from a registered miner, for the shard its window assigned it. */
export const checkSubmissions: Check = (state) => {
  const out: string[] = [];
  for (const s of state.submissions.values()) checkSubmission(state, s, out);
  return out;
};

/**
 * Software upgrades (upgrades.ts): a block at or past a plan's height runs it, so a plan is never
 * behind the state (it equals the height only when this block's tally scheduled it for its own
 * height: the next block runs it); an upgrade ran at or before now, and a name that ran is not
 * scheduled again.
 */
export const checkUpgrades: Check = (state) => {
  const out: string[] = [];
  const plan = state.softwareUpgrade;
  if (plan !== undefined && plan.height < state.height)
    out.push(
      `upgrade ${plan.name} scheduled at height ${plan.height} was passed without running (height ${state.height})`,
    );
  if (plan !== undefined && state.upgradesDone.has(plan.name))
    out.push(`upgrade ${plan.name} is scheduled again after it ran`);
  for (const [name, height] of state.upgradesDone)
    if (height > state.height) out.push(`upgrade ${name} ran at ${height}, above the height`);
  return out;
};

export const stateChecks: readonly (readonly [string, Check])[] = [
  ["supply", checkSupply],
  ["nonNegativeBalances", checkNonNegativeBalances],
  ["nonNegativeStakes", checkNonNegativeStakes],
  ["nonNegativeUnbonding", checkNonNegativeUnbonding],
  ["bondedPool", checkBondedPool],
  ["unbondingPool", checkUnbondingPool],
  ["escrow", checkEscrow],
  ["govDeposits", checkGovDeposits],
  ["validatorPay", checkValidatorPay],
  ["submissions", checkSubmissions],
  ["upgrades", checkUpgrades],
];

/** All state invariants; an empty list means the state is consistent. */
export const checkState = (state: Readonly<State>): string[] =>
  stateChecks.flatMap(([, check]) => check(state));

/** Watches an event stream: an offence key may be slashed at most once, ever. */
export class OffenceLedger {
  private readonly seen = new Map<string, number>();
  private index = 0;

  observe(events: Iterable<ProtocolEvent>): string[] {
    const out: string[] = [];
    for (const e of events) {
      const i = this.index++;
      if (e.case !== "slashed") continue;
      const key = e.value.offenceKey;
      const first = this.seen.get(key);
      if (first !== undefined)
        out.push(`double slash: offence ${key} slashed at events #${first} and #${i}`);
      else this.seen.set(key, i);
    }
    return out;
  }

  get size(): number {
    return this.seen.size;
  }
}

/**
 * The protocol invariants after every block, at the cost of what the block
 * changed rather than the size of the state. A full `checkState` walks every
 * balance, role and live submission — at 10,000 miners that is ~50,000
 * entries per block, more than the block itself costs. So between full walks
 * (every `fullEveryBlocks`), the checker keeps running sums and verifies:
 *
 * - supply: Σ balances = genesis + minted − burned, with Σ balances updated
 *   from the balances the block wrote (the balance map records the keys it
 *   was written at) — exact, not sampled; every written balance ≥ 0;
 * - bonded pool = Σ stakes, Σ stakes updated from the roles named by the
 *   block's stake events (registered, bonded, unbonding, slashed: the only
 *   evolve steps that change a stake); every such stake ≥ 0;
 * - unbonding pool, escrow, governance deposits and validator pay, in full (small maps);
 * - every submission the block accepted: registered miner, assigned shard.
 *
 * A full walk re-derives the sums from scratch; if the running sums had
 * drifted from them, a change escaped the tracking, and that is reported too.
 */
import { Role } from "../gen/remes/v1/types_pb.ts";
import type { ProtocolEvent } from "../protocol/events.ts";
import {
  checkEscrow,
  checkGovDeposits,
  checkNonNegativeUnbonding,
  checkState,
  checkSubmission,
  checkUnbondingPool,
  checkValidatorPay,
} from "../protocol/invariants.ts";
import { ModuleAccount, roleKey, type State } from "../protocol/state.ts";

/** A balance map that remembers which keys were written since the last look. */
export class TrackedBalances extends Map<string, bigint> {
  readonly dirty = new Set<string>();

  constructor(entries: Iterable<readonly [string, bigint]>) {
    super();
    for (const [k, v] of entries) super.set(k, v);
  }

  override set(key: string, value: bigint): this {
    this.dirty.add(key);
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    this.dirty.add(key);
    return super.delete(key);
  }

  override clear(): void {
    for (const k of this.keys()) this.dirty.add(k);
    super.clear();
  }
}

export class InvariantChecker {
  /** Balances as last seen, and their sum. */
  readonly #balances = new Map<string, bigint>();
  #balanceSum = 0n;
  /** Stakes by role key as last seen, and their sum. */
  readonly #stakes = new Map<string, bigint>();
  #stakeSum = 0n;

  constructor(state: State) {
    this.#resync(state);
  }

  /** The violations after a block (empty: consistent). `full` walks the whole state. */
  afterBlock(state: State, events: readonly ProtocolEvent[], full: boolean): string[] {
    // A multi-message tx runs on a structured clone, which has a plain balance map again.
    if (!(state.balances instanceof TrackedBalances)) full = true;
    if (full) {
      const out = checkState(state);
      if (!(state.balances instanceof TrackedBalances)) {
        this.#resync(state);
        return out;
      }
      const { balanceSum, stakeSum } = this.#incremental(state, events, []);
      let balances = 0n;
      for (const b of state.balances.values()) balances += b;
      let stakes = 0n;
      for (const r of state.roles.values()) stakes += r.stake;
      if (balanceSum !== balances)
        out.push(
          `checker: running balance sum ${balanceSum} drifted from the state's ${balances} (a balance changed without being written through the map)`,
        );
      if (stakeSum !== stakes)
        out.push(
          `checker: running stake sum ${stakeSum} drifted from the state's ${stakes} (a stake changed without a stake event)`,
        );
      if (balanceSum !== balances || stakeSum !== stakes) this.#resync(state);
      return out;
    }
    const out: string[] = [];
    const { balanceSum, stakeSum } = this.#incremental(state, events, out);
    const expected = state.supply.genesis + state.supply.minted - state.supply.burned;
    if (balanceSum !== expected)
      out.push(
        `supply: balances sum to ${balanceSum}, expected genesis ${state.supply.genesis} + minted ${state.supply.minted} − burned ${state.supply.burned} = ${expected}`,
      );
    const pool = state.balances.get(ModuleAccount.bondedPool) ?? 0n;
    if (pool !== stakeSum) out.push(`bonded pool: holds ${pool}, role stakes sum to ${stakeSum}`);
    out.push(
      ...checkNonNegativeUnbonding(state),
      ...checkUnbondingPool(state),
      ...checkEscrow(state),
      ...checkGovDeposits(state),
      ...checkValidatorPay(state),
    );
    for (let k = 0; k < events.length; k++) {
      const e = events[k]!;
      if (e.case !== "gradientSubmitted") continue;
      const s = state.submissions.get(Number(e.value.submissionId));
      if (s) checkSubmission(state, s, out);
    }
    return out;
  }

  /** Folds the block's writes into the running sums; per-entry violations go to `out`. */
  #incremental(
    state: State,
    events: readonly ProtocolEvent[],
    out: string[],
  ): { balanceSum: bigint; stakeSum: bigint } {
    const tracked = state.balances instanceof TrackedBalances ? state.balances : undefined;
    if (tracked) {
      for (const a of tracked.dirty) {
        const now = tracked.get(a) ?? 0n;
        this.#balanceSum += now - (this.#balances.get(a) ?? 0n);
        if (now === 0n) this.#balances.delete(a);
        else this.#balances.set(a, now);
        if (now < 0n) out.push(`negative balance: ${a} has ${now}`);
      }
      tracked.dirty.clear();
    }
    for (let k = 0; k < events.length; k++) {
      const e = events[k]!;
      let role: Role;
      let address: string;
      switch (e.case) {
        case "roleRegistered":
        case "stakeBonded":
        case "unbondingStarted":
        case "slashed":
          role = e.value.role;
          address = e.value.address;
          break;
        default:
          continue;
      }
      const key = roleKey(role, address);
      const now = state.roles.get(key)?.stake ?? 0n;
      this.#stakeSum += now - (this.#stakes.get(key) ?? 0n);
      this.#stakes.set(key, now);
      if (now < 0n) out.push(`negative stake: ${key} has ${now}`);
    }
    return { balanceSum: this.#balanceSum, stakeSum: this.#stakeSum };
  }

  #resync(state: State): void {
    if (!(state.balances instanceof TrackedBalances)) {
      (state as { balances: Map<string, bigint> }).balances = new TrackedBalances(state.balances);
    }
    (state.balances as TrackedBalances).dirty.clear();
    this.#balances.clear();
    this.#balanceSum = 0n;
    for (const [a, b] of state.balances) {
      this.#balances.set(a, b);
      this.#balanceSum += b;
    }
    this.#stakes.clear();
    this.#stakeSum = 0n;
    for (const [k, r] of state.roles) {
      this.#stakes.set(k, r.stake);
      this.#stakeSum += r.stake;
    }
  }
}

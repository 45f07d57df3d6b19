/**
 * Validator pay (issue 13, seed 000 "Validators — block production,
 * verification"): before validator-rewards.ts validators earned nothing in a
 * network where nobody cheats; the first test failed then.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RewardKind } from "../../src/gen/remes/v1/events_pb.ts";
import { labelAddress as addr } from "../../src/protocol/address.ts";
import { command } from "../../src/protocol/commands.ts";
import { checkSupply } from "../../src/protocol/invariants.ts";
import { applyFeeAndTx } from "../../src/protocol/machine.ts";
import { ModuleAccount } from "../../src/protocol/state.ts";
import { splitPot } from "../../src/protocol/validator-rewards.ts";
import { balance, eventsOf, given, REMES } from "./given.ts";

const A = addr("remes1vala");
const B = addr("remes1valb");
const C = addr("remes1valc");
const USER = addr("remes1user");
/** 10k, 20k and 30k REMES; 1 REMES a block, a 10% proposer bonus. */
const world = () => given({
  validators: { [A]: 10_000n, [B]: 20_000n, [C]: 30_000n },
  accounts: { [USER]: 100n },
  params: { blockInflationReward: 1n * REMES, blockProposerBonusBps: 1_000 },
});
const votes = (...down: string[]) => [A, B, C].map((address) => ({ address, signed: !down.includes(address) }));

describe("validator rewards", () => {
  it("given three validators who signed the last commit, when a block is applied, then the block reward is minted to them by stake with the proposer's bonus, summing exactly", () => {
    const chain = world();
    chain.block();
    const before = [A, B, C].map((v) => balance(chain, v));
    const minted = chain.state.supply.minted;
    const r = chain.block([], { proposer: B, lastCommit: votes() });
    const paid = [A, B, C].map((v, i) => balance(chain, v) - before[i]!);
    // 900,000 uremes by stake 1:2:3 = 150,000 / 300,000 / 450,000; B proposes: +100,000.
    expect(paid).toEqual([150_000n, 400_000n, 450_000n]);
    expect(chain.state.supply.minted - minted).toBe(1n * REMES);
    expect(eventsOf(r.events, "rewardMinted").filter((e) => e.kind === RewardKind.BLOCK_PROPOSER).map((e) => e.to)).toEqual([B]);
    expect(checkSupply(chain.state)).toEqual([]);
  });

  it("given a validator who did not sign, when the block is applied, then it earns nothing and the signers share its part", () => {
    const chain = world();
    chain.block();
    const before = [A, B, C].map((v) => balance(chain, v));
    chain.block([], { proposer: B, lastCommit: votes(C) });
    const paid = [A, B, C].map((v, i) => balance(chain, v) - before[i]!);
    // 900,000 by 1:2 = 300,000 / 600,000; B's bonus 100,000.
    expect(paid).toEqual([300_000n, 700_000n, 0n]);
  });

  it("given fees in the fee collector, when the next block is applied, then they are paid out the same way and the collector is empty", () => {
    const chain = world();
    chain.block();
    // A node tx with a fee of 7 uremes (the simulator's txs pay none).
    const r = applyFeeAndTx(chain.state, [command("send", { fromAddress: USER, toAddress: A, amount: 1n })], { height: 2, timeMs: 0n, blockHash: new Uint8Array(32), beacon: new Uint8Array(32), beaconOutput: new Uint8Array(0), proposer: "", lastCommit: [], misbehavior: [] }, { payer: USER, amount: 7n });
    expect(r.result.code).toBe(0);
    chain.state = r.state;
    expect(balance(chain, ModuleAccount.feeCollector)).toBe(7n);
    const supply = chain.state.supply.minted;
    const ev = chain.block([], { proposer: A, lastCommit: votes() }).events;
    const fees = eventsOf(ev, "transferred").filter((t) => t.from === ModuleAccount.feeCollector);
    expect(fees.reduce((t, f) => t + f.amount, 0n)).toBe(7n);
    expect(balance(chain, ModuleAccount.feeCollector)).toBe(0n);
    expect(chain.state.supply.minted - supply).toBe(1n * REMES); // fees are moved, never minted
    expect(checkSupply(chain.state)).toEqual([]);
  });

  it("with no signer (the first block) nothing is minted; a proposer without validator stake leaves the remainder to the community pool", () => {
    const chain = world();
    const first = chain.block();
    expect(eventsOf(first.events, "rewardMinted")).toEqual([]);
    const r = chain.block([], { proposer: USER, lastCommit: votes() });
    expect(eventsOf(r.events, "rewardMinted").filter((e) => e.kind === RewardKind.BLOCK_PROPOSER).map((e) => [e.to, e.amount])).toEqual([[ModuleAccount.communityPool, 100_000n]]);
  });

  it("splitPot: parts sum to the pot, the proposer gets at least its bonus, each signer at most its stake's share", () => {
    fc.assert(fc.property(
      fc.bigInt({ min: 0n, max: 10n ** 24n }),
      fc.array(fc.bigInt({ min: 1n, max: 10n ** 20n }), { minLength: 1, maxLength: 20 }),
      fc.integer({ min: 0, max: 10_000 }),
      (pot, stakes, bps) => {
        const signers = stakes.map((s, i) => [`v${String(i).padStart(2, "0")}`, s] as const);
        const { shares, toProposer } = splitPot(pot, signers, bps);
        const total = stakes.reduce((t, s) => t + s, 0n);
        const bonus = (pot * BigInt(bps)) / 10_000n;
        const sum = shares.reduce((t, [, x]) => t + x, 0n) + toProposer;
        const fair = shares.every(([a, x]) => x * total <= (pot - bonus) * stakes[Number(a.slice(1))]!);
        // The remainder is below one uremes per signer.
        return sum === pot && toProposer >= bonus && toProposer - bonus < BigInt(signers.length) && fair;
      },
    ));
  });
});

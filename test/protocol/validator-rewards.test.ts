/**
 * Validator pay (issue 13, seed 000 "Validators — block production,
 * verification"): before validator-rewards.ts validators earned nothing in a
 * network where nobody cheats; the first test failed then. Pay accrues each
 * block (one ValidatorPayAccrued event) and is paid every
 * validator_pay_period_blocks blocks; the splits are those of paying every
 * block.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RewardKind } from "../../src/gen/remes/v1/events_pb.ts";
import { Role } from "../../src/gen/remes/v1/types_pb.ts";
import { labelAddress as addr } from "../../src/protocol/address.ts";
import { stateLeaves } from "../../src/protocol/apphash.ts";
import { command } from "../../src/protocol/commands.ts";
import type { ProtocolEvent } from "../../src/protocol/events.ts";
import { checkState, checkSupply } from "../../src/protocol/invariants.ts";
import { applyFeeAndTx } from "../../src/protocol/machine.ts";
import { ModuleAccount } from "../../src/protocol/state.ts";
import { splitPot } from "../../src/protocol/validator-rewards.ts";
import { balance, eventsOf, given, type MockChain, REMES } from "./given.ts";

const A = addr("remes1vala");
const B = addr("remes1valb");
const C = addr("remes1valc");
const USER = addr("remes1user");
/** 10k, 20k and 30k REMES; 1 REMES a block, a 10% proposer bonus, paid every 3 blocks. */
const world = (period = 3) =>
  given({
    validators: { [A]: 10_000n, [B]: 20_000n, [C]: 30_000n },
    accounts: { [USER]: 100n },
    params: {
      blockInflationReward: 1n * REMES,
      blockProposerBonusBps: 1_000,
      validatorPayPeriodBlocks: period,
    },
  });
const votes = (...down: string[]) =>
  [A, B, C].map((address) => ({ address, signed: !down.includes(address) }));
const paidSince = (chain: MockChain, before: bigint[]) =>
  [A, B, C].map((v, i) => balance(chain, v) - before[i]!);
const balances = (chain: MockChain) => [A, B, C].map((v) => balance(chain, v));
const accrued = (chain: MockChain, v: string) => chain.state.validatorPay.get(v)?.minted ?? 0n;
/** A node tx with a fee (the simulator's txs pay none), applied to the chain's state as of the next block. */
const payFeeNow = (chain: MockChain, amount: bigint) => {
  const r = applyFeeAndTx(
    chain.state,
    [command("send", { fromAddress: USER, toAddress: A, amount: 1n })],
    chain.context(),
    { payer: USER, amount },
  );
  expect(r.result.code).toBe(0);
  chain.state = r.state;
};

describe("validator rewards", () => {
  it("given three validators who signed the last commit, when a block is applied, then its pay accrues by stake with the proposer's bonus in one event, and is minted exactly at the period's end", () => {
    const chain = world();
    chain.block();
    const before = balances(chain);
    const minted = chain.state.supply.minted;
    const r = chain.block([], { proposer: B, lastCommit: votes() });
    // 900,000 uremes by stake 1:2:3 = 150,000 / 300,000 / 450,000; B proposes: +100,000. Accrued, not yet paid.
    expect([A, B, C].map((v) => accrued(chain, v))).toEqual([150_000n, 400_000n, 450_000n]);
    expect(eventsOf(r.events, "validatorPayAccrued")).toHaveLength(1);
    expect(eventsOf(r.events, "rewardMinted")).toEqual([]);
    expect(paidSince(chain, before)).toEqual([0n, 0n, 0n]);
    expect(stateLeaves(chain.state).some(([path]) => path.startsWith("validatorPay/"))).toBe(true); // in the app hash
    // Height 3 ends the period: its own pay accrues, then everything is paid, one mint per payee.
    const end = chain.block([], { proposer: B, lastCommit: votes() });
    expect(paidSince(chain, before)).toEqual([300_000n, 800_000n, 900_000n]);
    expect(eventsOf(end.events, "rewardMinted").map((e) => [e.to, e.kind])).toEqual(
      [
        [A, RewardKind.BLOCK],
        [B, RewardKind.BLOCK],
        [C, RewardKind.BLOCK],
      ].sort(([x], [y]) => (x! < y! ? -1 : 1)),
    );
    expect(chain.state.validatorPay.size).toBe(0);
    expect(chain.state.supply.minted - minted).toBe(2n * REMES);
    expect(checkState(chain.state)).toEqual([]);
  });

  it("given a validator who did not sign, when the block is applied, then it earns nothing and the signers share its part; a steady signing set is not repeated in the events", () => {
    const chain = world();
    chain.block();
    const before = balances(chain);
    const first = chain.block([], { proposer: B, lastCommit: votes(C) });
    const second = chain.block([], { proposer: B, lastCommit: votes(C) });
    // Per block 900,000 by 1:2 = 300,000 / 600,000; B's bonus 100,000.
    expect(paidSince(chain, before)).toEqual([600_000n, 1_400_000n, 0n]);
    expect(eventsOf(first.events, "validatorPayAccrued")[0]!.signersAdded).toEqual([A, B].sort());
    const steady = eventsOf(second.events, "validatorPayAccrued")[0]!;
    expect([steady.signersAdded, steady.signersRemoved]).toEqual([[], []]);
    // C comes back, A drops out: the event names just that change.
    const third = chain.block([], { proposer: B, lastCommit: votes(A) });
    const change = eventsOf(third.events, "validatorPayAccrued")[0]!;
    expect([change.signersAdded, change.signersRemoved]).toEqual([[C], [A]]);
    expect(accrued(chain, A)).toBe(0n);
  });

  it("given fees in the fee collector, when the next block is applied, then they move to the validator_pay pool, are split the same way and paid at the period's end; nothing is left in either account", () => {
    const chain = world();
    chain.block();
    payFeeNow(chain, 7n);
    expect(balance(chain, ModuleAccount.feeCollector)).toBe(7n);
    const supply = chain.state.supply.minted;
    chain.block([], { proposer: A, lastCommit: votes() });
    expect(balance(chain, ModuleAccount.feeCollector)).toBe(0n);
    expect(balance(chain, ModuleAccount.validatorPay)).toBe(7n);
    // 7 by 1:2:3 rounds down to 1 / 2 / 3; the bonus (0) and the remainder (1) to the proposer A.
    expect([A, B, C].map((v) => chain.state.validatorPay.get(v)?.fees ?? 0n)).toEqual([2n, 2n, 3n]);
    expect(checkState(chain.state)).toEqual([]);
    const ev = chain.block([], { proposer: A, lastCommit: votes() }).events;
    const fees = eventsOf(ev, "transferred").filter((t) => t.from === ModuleAccount.validatorPay);
    expect(fees.reduce((t, f) => t + f.amount, 0n)).toBe(7n);
    expect(balance(chain, ModuleAccount.validatorPay)).toBe(0n);
    expect(chain.state.supply.minted - supply).toBe(2n * REMES); // fees are moved, never minted
    expect(checkState(chain.state)).toEqual([]);
  });

  it("with no signer (the first block) nothing accrues; a proposer without validator stake leaves the remainder to the community pool", () => {
    const chain = world(2);
    const first = chain.block();
    expect(eventsOf(first.events, "validatorPayAccrued")).toEqual([]);
    const r = chain.block([], { proposer: USER, lastCommit: votes() });
    expect(
      eventsOf(r.events, "rewardMinted")
        .filter((e) => e.to === ModuleAccount.communityPool)
        .map((e) => [e.amount, e.kind]),
    ).toEqual([[100_000n, RewardKind.BLOCK]]);
  });

  it("given a validator that unbonds all its stake after accruing pay, when the period ends, then it is still paid what it accrued and nothing after", () => {
    const chain = world(4);
    chain.block();
    chain.block([], { proposer: B, lastCommit: votes() }); // h2: A accrues 150,000
    const unbond = chain.block(
      [[command("unbond", { address: A, role: Role.VALIDATOR, amount: 10_000n * REMES })]],
      { proposer: B, lastCommit: votes() },
    );
    expect(unbond.txResults.map((t) => t.log)).toEqual([""]); // h3 accrues before the tx
    expect(accrued(chain, A)).toBe(300_000n);
    const before = balance(chain, A);
    chain.block([], { proposer: B, lastCommit: votes() }); // h4: A has no stake, no share; the payout pays what it had
    expect(balance(chain, A) - before).toBe(300_000n);
    expect(checkState(chain.state)).toEqual([]);
  });

  it("property: over any blocks, signers, proposers, fees and period, paid + accrued = minted pots + fees moved, non-signers accrue nothing, invariants hold", () => {
    const who = [A, B, C, USER];
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(
          fc.record({
            signed: fc.subarray([A, B, C]),
            proposer: fc.constantFrom(...who),
            fee: fc.bigInt({ min: 0n, max: 1_000n }),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        (period, blocks) => {
          const chain = world(period);
          chain.block();
          let pots = 0n;
          let paid = 0n;
          for (const b of blocks) {
            if (b.fee > 0n) payFeeNow(chain, b.fee);
            const fees = balance(chain, ModuleAccount.feeCollector);
            const before = new Map(
              [A, B, C].map((v) => [v, chain.state.validatorPay.get(v)?.minted ?? 0n]),
            );
            const lastCommit = [A, B, C].map((address) => ({
              address,
              signed: b.signed.includes(address),
            }));
            const ev: ProtocolEvent[] = chain.block([], {
              proposer: b.proposer,
              lastCommit,
            }).events;
            const payout = chain.height % period === 0;
            if (b.signed.length > 0) pots += REMES + fees;
            for (const e of ev) {
              if (e.case === "rewardMinted" && e.value.kind === RewardKind.BLOCK)
                paid += e.value.amount;
              if (e.case === "transferred" && e.value.from === ModuleAccount.validatorPay)
                paid += e.value.amount;
            }
            // A validator that neither signed nor proposed accrued nothing this block.
            for (const v of [A, B, C]) {
              if (
                !payout &&
                !b.signed.includes(v) &&
                b.proposer !== v &&
                (chain.state.validatorPay.get(v)?.minted ?? 0n) !== before.get(v)
              )
                return false;
            }
            if (checkState(chain.state).length > 0 || checkSupply(chain.state).length > 0)
              return false;
          }
          let held = 0n;
          for (const a of chain.state.validatorPay.values()) held += a.minted + a.fees;
          return paid + held === pots;
        },
      ),
      { numRuns: 40 },
    );
  });

  it("splitPot: parts sum to the pot, the proposer gets at least its bonus, each signer at most its stake's share", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 24n }),
        fc.array(fc.bigInt({ min: 1n, max: 10n ** 20n }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 0, max: 10_000 }),
        (pot, stakes, bps) => {
          const signers = stakes.map((s, i) => [`v${String(i).padStart(2, "0")}`, s] as const);
          const { shares, toProposer } = splitPot(pot, signers, bps);
          const total = stakes.reduce((t, s) => t + s, 0n);
          const bonus = (pot * BigInt(bps)) / 10_000n;
          const sum = shares.reduce((t, [, x]) => t + x, 0n) + toProposer;
          const fair = shares.every(
            ([a, x]) => x * total <= (pot - bonus) * stakes[Number(a.slice(1))]!,
          );
          // The remainder is below one uremes per signer.
          return (
            sum === pot &&
            toProposer >= bonus &&
            toProposer - bonus < BigInt(signers.length) &&
            fair
          );
        },
      ),
    );
  });
});

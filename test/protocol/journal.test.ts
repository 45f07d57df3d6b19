/**
 * Multi-message transactions roll back through an undo journal, not a copy
 * of the state (issue 13). The reference below is the clone-based applyTx
 * the machine used before; random multi-message txs (messages that depend
 * on each other, and ones that fail part way) must give the same result
 * code, events, state root, collection order and later blocks.
 */
import { bytesToHex } from "@noble/hashes/utils.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ProposalContentSchema, Role, VoteOption } from "../../src/gen/remes/v1/types_pb.ts";
import { create } from "@bufbuild/protobuf";
import { labelAddress as addr } from "../../src/protocol/address.ts";
import { blockEventsHash, stateRoot } from "../../src/protocol/apphash.ts";
import { command, type ProtocolCommand } from "../../src/protocol/commands.ts";
import type { BlockContext } from "../../src/protocol/context.ts";
import { isProtocolError } from "../../src/protocol/errors.ts";
import type { ProtocolEvent } from "../../src/protocol/events.ts";
import { cloneState } from "../../src/protocol/genesis.ts";
import { applyTx, decide, dryRunTx, evolve, type TxResult } from "../../src/protocol/machine.ts";
import type { State } from "../../src/protocol/state.ts";
import { genesis, MockChain, REMES } from "./given.ts";

/** The clone-based applyTx this replaces, kept as the reference. */
const referenceApplyTx = (
  state: State,
  msgs: readonly ProtocolCommand[],
  ctx: BlockContext,
): { state: State; result: TxResult } => {
  const target = cloneState(state);
  const events: ProtocolEvent[] = [];
  for (let i = 0; i < msgs.length; i++) {
    const d = decide(target, msgs[i]!, ctx);
    if (isProtocolError(d))
      return { state, result: { code: d.code, log: `message ${i}: ${d.message}`, events: [] } };
    for (const e of d) {
      evolve(target, e);
      events.push(e);
    }
  }
  return { state: target, result: { code: 0, log: "", events } };
};

const validators = [addr("j/val0"), addr("j/val1"), addr("j/val2")];
const miners = [addr("j/miner0"), addr("j/miner1"), addr("j/miner2")];
const users = [addr("j/user0"), addr("j/user1")];
const everyone = [...validators, ...miners, ...users];

const world = () =>
  genesis({
    params: { maxUnbondingEntries: 3, votingBlocksText: 2, depositText: 10n * REMES },
    validators: Object.fromEntries(validators.map((v) => [v, 20_000n])),
    miners: Object.fromEntries(miners.map((m) => [m, 2_000n])),
    accounts: Object.fromEntries(users.map((u) => [u, 5_000n])),
  });

interface Intent {
  readonly kind: number;
  readonly a: number;
  readonly b: number;
  readonly big: boolean;
}

/** An intent resolved against the state (the same state on both sides). */
const resolve = (s: Readonly<State>, it: Intent): ProtocolCommand => {
  const who = everyone[it.a % everyone.length]!;
  const other = everyone[it.b % everyone.length]!;
  const amount = it.big ? BigInt(it.b) * 1_000n * REMES : BigInt(it.b + 1) * REMES;
  const roles = [...s.roles.values()];
  const r = roles[it.a % roles.length]!;
  switch (it.kind % 8) {
    case 0:
      return command("send", { fromAddress: who, toAddress: other, amount });
    case 1:
      return command("bond", { address: r.address, role: r.role, amount });
    case 2:
      return command("unbond", {
        address: r.address,
        role: r.role,
        amount: it.big ? r.stake + 1n : amount,
      });
    case 3:
      return command("registerMiner", { miner: who, stake: 1_000n * REMES + amount, gpuArch: 1 });
    case 4:
      return command("submitProposal", {
        proposer: who,
        content: create(ProposalContentSchema, {
          title: `t${it.b}`,
          kind: { case: "text", value: {} },
        }),
        deposit: it.big ? 1n : 10n * REMES,
      });
    // Votes on the newest proposal, which an earlier message of the same tx may have made.
    case 5:
      return command("vote", {
        voter: who,
        proposalId: Math.max(0, s.counters.nextProposalId - 1 - (it.b % 2)),
        option: [VoteOption.YES, VoteOption.NO, VoteOption.NO_WITH_VETO][it.b % 3]!,
      });
    case 6:
      return command("registerValidator", {
        validator: who,
        stake: 10_000n * REMES + amount,
        pubkey: new Uint8Array(32).fill(it.b % 256),
      });
    default:
      return command("unbond", { address: who, role: Role.MINER, amount: 1n });
  }
};

const intentArb: fc.Arbitrary<Intent> = fc.record({
  kind: fc.nat({ max: 7 }),
  a: fc.nat({ max: 50 }),
  b: fc.nat({ max: 50 }),
  big: fc.boolean(),
});
/** Blocks of multi-message txs; each message resolved when its tx runs. */
const planArb = fc.array(
  fc.array(fc.array(intentArb, { minLength: 2, maxLength: 4 }), { maxLength: 4 }),
  { minLength: 1, maxLength: 6 },
);

/** Insertion order of every Map and Set of the state (the root is order-blind; iteration is not). */
const shape = (s: State): string =>
  JSON.stringify(
    Object.entries(s)
      .filter(([, v]) => v instanceof Map || v instanceof Set)
      .map(([k, v]) => [k, [...(v as Map<unknown, unknown>).keys()].map(String)]),
  );

const root = (s: State): string => bytesToHex(stateRoot(s));

describe("multi-message txs: undo journal ≡ copy of the state", () => {
  it("same result, events, state and later blocks as the clone-based reference", () => {
    let failed = 0;
    let passed = 0;
    fc.assert(
      fc.property(planArb, (plan) => {
        const mine = new MockChain(world(), "journal");
        const ref = new MockChain(world(), "journal");
        for (const txs of plan) {
          // Begin and end steps (due unbondings, tallies) run on each side's own state and indexes.
          mine.block();
          ref.block();
          expect(bytesToHex(mine.appHash)).toBe(bytesToHex(ref.appHash));
          const ctx = mine.context(mine.height + 1);
          for (const intents of txs) {
            const msgs = intents.map((i) => resolve(mine.state, i));
            const before = root(mine.state);
            const dry = dryRunTx(mine.state, msgs, ctx);
            expect(root(mine.state)).toBe(before); // CheckTx leaves no trace
            const a = applyTx(mine.state, msgs, ctx);
            const b = referenceApplyTx(ref.state, msgs, ctx);
            mine.state = a.state;
            ref.state = b.state;
            expect(a.result.code).toBe(b.result.code);
            expect(a.result.log).toBe(b.result.log);
            expect(dry.code).toBe(b.result.code);
            expect(bytesToHex(blockEventsHash(a.result.events))).toBe(
              bytesToHex(blockEventsHash(b.result.events)),
            );
            expect(root(mine.state)).toBe(root(ref.state));
            expect(shape(mine.state)).toBe(shape(ref.state));
            expect(() => structuredClone(mine.state)).not.toThrow(); // no journal view left in the state
            if (a.result.code === 0) passed++;
            else failed++;
          }
        }
        for (let i = 0; i < 4; i++) {
          mine.block();
          ref.block();
        }
        expect(bytesToHex(mine.appHash)).toBe(bytesToHex(ref.appHash));
        expect(root(mine.state)).toBe(root(ref.state));
      }),
      { numRuns: 80 },
    );
    // Both kinds were exercised.
    expect(failed).toBeGreaterThan(20);
    expect(passed).toBeGreaterThan(20);
  });

  it("a failing second message leaves no trace of the first", () => {
    const chain = new MockChain(world(), "journal");
    chain.block();
    const before = root(chain.state);
    const order = shape(chain.state);
    const r = applyTx(
      chain.state,
      [
        command("send", { fromAddress: users[0]!, toAddress: users[1]!, amount: 1n * REMES }),
        command("unbond", { address: miners[0]!, role: Role.MINER, amount: 10n * REMES }),
        command("send", {
          fromAddress: users[0]!,
          toAddress: users[1]!,
          amount: 10_000_000n * REMES,
        }),
      ],
      chain.context(chain.height + 1),
    );
    expect(r.result.code).not.toBe(0);
    expect(r.result.log).toMatch(/^message 2:/);
    expect(root(chain.state)).toBe(before);
    expect(shape(chain.state)).toBe(order);
    expect(chain.state.unbonding.size).toBe(0);
  });
});

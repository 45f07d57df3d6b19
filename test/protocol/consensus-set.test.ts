/**
 * CometBFT's validator set follows the protocol (issue 13, "Consensus power
 * follows the protocol" and "Consensus keys"): given a state, when a block
 * ends, then ConsensusSetChanged carries exactly the changes since the set
 * last reported; registering a consensus key needs its proof of possession.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Offence, Role } from "../../src/gen/remes/v1/types_pb.ts";
import { event } from "../../src/protocol/events.ts";
import { evolve } from "../../src/protocol/machine.ts";
import { labelAddress as addr } from "../../src/protocol/address.ts";
import { command } from "../../src/protocol/commands.ts";
import { signPop } from "../../src/protocol/consensus-keys.ts";
import { desiredConsensusSet } from "../../src/protocol/consensus-set.ts";
import { hex } from "../../src/protocol/state.ts";
import {
  accepted,
  consensusKeyOf,
  eventsOf,
  given,
  REMES,
  registerValidator,
  rejected,
} from "./given.ts";

const v0 = addr("remes1val0");
const v1 = addr("remes1val1");
const v2 = addr("remes1val2");
const newcomer = addr("remes1newval");
const world = (params = {}) =>
  given({
    validators: { [v0]: 40_000n, [v1]: 30_000n, [v2]: 20_000n },
    accounts: { [newcomer]: 50_000n },
    params: { livenessWindowBlocks: 10, minSignedBps: 5_000, validatorJailBlocks: 5, ...params },
  });
const keyHex = (who: string) => hex(consensusKeyOf(who).pubkey);
/** The set as CometBFT would hold it: pubkey hex → power. */
const reported = (chain: ReturnType<typeof world>) =>
  Object.fromEntries([...chain.state.consensusSet].sort(([a], [b]) => (a < b ? -1 : 1)));
const updatesOf = (events: Parameters<typeof eventsOf>[0]) =>
  eventsOf(events, "consensusSetChanged").flatMap((e) =>
    e.updates.map((u) => [hex(u.pubkey), u.power, u.validator] as const),
  );

describe("consensus set", () => {
  it("given genesis validators, the state starts with their set (power = stake in whole REMES), which InitChain reports", () => {
    const chain = world();
    expect(reported(chain)).toEqual(
      Object.fromEntries(
        [
          [keyHex(v0), 40_000n],
          [keyHex(v1), 30_000n],
          [keyHex(v2), 20_000n],
        ].sort(([a], [b]) => ((a as string) < (b as string) ? -1 : 1)),
      ),
    );
    // Nothing changed: the first block reports no update.
    expect(updatesOf(chain.block().events)).toEqual([]);
  });

  it("when a validator registers after genesis with a valid proof of possession, then the block's end gives its key power", () => {
    const chain = world();
    const events = accepted(chain, registerValidator(newcomer, 12_000n));
    expect(updatesOf(events)).toEqual([[keyHex(newcomer), 12_000n, newcomer]]);
    expect(chain.state.consensusSet.get(keyHex(newcomer))).toBe(12_000n);
  });

  it("when bonding more, power rises; when unbonding below the minimum, the validator leaves (power 0)", () => {
    const chain = world();
    let events = accepted(
      chain,
      command("bond", { address: v2, role: Role.VALIDATOR, amount: 5_000n * REMES }),
    );
    expect(updatesOf(events)).toEqual([[keyHex(v2), 25_000n, v2]]);
    events = accepted(
      chain,
      command("unbond", { address: v2, role: Role.VALIDATOR, amount: 16_000n * REMES }),
    );
    expect(updatesOf(events)).toEqual([[keyHex(v2), 0n, v2]]);
    expect(chain.state.consensusSet.has(keyHex(v2))).toBe(false);
  });

  it("when a validator double signs, then it is slashed (less stake), jailed and removed from the set, and rejoins with the reduced power after the jail", () => {
    const chain = world();
    chain.block();
    const r = chain.block([], {
      misbehavior: [{ kind: "duplicate_vote", validator: v1, height: 1 }],
    }); // height 2
    expect(eventsOf(r.events, "validatorJailed")).toEqual([
      expect.objectContaining({ validator: v1, untilHeight: 7n }),
    ]);
    expect(updatesOf(r.events)).toEqual([[keyHex(v1), 0n, v1]]);
    chain.advanceTo(6);
    expect(chain.state.consensusSet.has(keyHex(v1))).toBe(false);
    const back = chain.block(); // height 7: the jail is served
    expect(updatesOf(back.events)).toEqual([[keyHex(v1), 28_500n, v1]]);
  });

  it("when a validator is slashed for downtime, then it is jailed and leaves the set; the others keep their power", () => {
    const chain = world();
    chain.block();
    for (let h = 2; h <= 7; h++)
      chain.block([], {
        lastCommit: [
          { address: v0, signed: false },
          { address: v1, signed: true },
          { address: v2, signed: true },
        ],
      });
    chain.advanceTo(9);
    const r = chain.block(); // height 10 closes the liveness window
    expect(eventsOf(r.events, "slashed").map((s) => s.address)).toEqual([v0]);
    expect(updatesOf(r.events)).toEqual([[keyHex(v0), 0n, v0]]);
    expect([...chain.state.consensusSet.values()].sort()).toEqual([20_000n, 30_000n]);
  });

  it("a slash that is not a consensus fault lowers power without jailing", () => {
    // A slash of 1% from bonded stake: power follows the stake at the next block's end.
    const chain = world();
    const before = chain.state.consensusSet.get(keyHex(v0))!;
    evolve(
      chain.state,
      event("slashed", {
        address: v0,
        role: Role.VALIDATOR,
        offence: Offence.FALSE_VERIFICATION,
        offenceKey: "test/false",
        amount: 400n * REMES,
        burned: 400n * REMES,
      }),
    );
    const r = chain.block();
    expect(updatesOf(r.events)).toEqual([[keyHex(v0), before - 400n, v0]]);
    expect(eventsOf(r.events, "validatorJailed")).toEqual([]);
  });

  it("the set holds at most max_consensus_validators, the top by stake, ties by address", () => {
    const chain = world({ maxConsensusValidators: 2 });
    expect([...chain.state.consensusSet.keys()].sort()).toEqual([keyHex(v0), keyHex(v1)].sort());
    // A newcomer with more stake than v1 pushes v1 out in the same update.
    const events = accepted(chain, registerValidator(newcomer, 35_000n));
    expect(updatesOf(events)).toEqual(
      [
        [keyHex(newcomer), 35_000n, newcomer],
        [keyHex(v1), 0n, v1],
      ].sort(([a], [b]) => ((a as string) < (b as string) ? -1 : 1)),
    );
  });

  it("an update that would empty the set is not emitted (CometBFT halts on an empty set)", () => {
    const chain = given({ validators: { [v0]: 40_000n }, params: { validatorJailBlocks: 5 } });
    const r = chain.block([], {
      misbehavior: [{ kind: "duplicate_vote", validator: v0, height: 1 }],
    });
    expect(eventsOf(r.events, "validatorJailed").length).toBe(1);
    expect(updatesOf(r.events)).toEqual([]);
    expect(chain.state.consensusSet.size).toBe(1);
  });

  it("property: after any sequence of bonds, unbonds and registrations, the reported set equals the set the state calls for", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            who: fc.constantFrom(v0, v1, v2, newcomer),
            op: fc.constantFrom("bond", "unbond", "register"),
            amount: fc.integer({ min: 1, max: 30_000 }),
          }),
          { maxLength: 12 },
        ),
        (ops) => {
          const chain = world();
          for (const o of ops) {
            const cmd =
              o.op === "register"
                ? registerValidator(o.who, BigInt(o.amount))
                : command(o.op, {
                    address: o.who,
                    role: Role.VALIDATOR,
                    amount: BigInt(o.amount) * REMES,
                  });
            chain.exec(cmd);
            const want = new Map(
              [...desiredConsensusSet(chain.state)].map(([k, m]) => [k, m.power]),
            );
            if (want.size > 0) expect(chain.state.consensusSet).toEqual(want);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("consensus keys", () => {
  const k = consensusKeyOf("fresh key");
  it("registering without a proof of possession is refused", () => {
    rejected(
      world(),
      command("registerValidator", {
        validator: newcomer,
        stake: 10_000n * REMES,
        pubkey: k.pubkey,
      }),
      "invalidMessage",
    );
  });

  it("a proof signed for another validator address (a replayed registration) is refused", () => {
    rejected(
      world(),
      command("registerValidator", {
        validator: newcomer,
        stake: 10_000n * REMES,
        pubkey: k.pubkey,
        popSignature: signPop(k.secretKey, v0),
      }),
      "unauthorized",
    );
  });

  it("someone else's key, with a signature by the registrant's own key, is refused", () => {
    const mine = consensusKeyOf("mine");
    rejected(
      world(),
      command("registerValidator", {
        validator: newcomer,
        stake: 10_000n * REMES,
        pubkey: consensusKeyOf(v0).pubkey,
        popSignature: signPop(mine.secretKey, newcomer),
      }),
      "unauthorized",
    );
  });

  it("a key already bound to another validator is refused even with a valid proof by its holder", () => {
    const chain = world();
    // v0's own key, with a valid proof for the newcomer (a colluding or careless key holder).
    const shared = consensusKeyOf(v0);
    rejected(
      chain,
      command("registerValidator", {
        validator: newcomer,
        stake: 10_000n * REMES,
        pubkey: shared.pubkey,
        popSignature: signPop(shared.secretKey, newcomer),
      }),
      "duplicate",
    );
  });

  it("a small-order ed25519 point is refused whatever the signature", () => {
    const identity = new Uint8Array(32);
    identity[0] = 1; // the neutral element: every signature with R = identity, s = 0 "verifies" under ZIP-215
    const forged = new Uint8Array(64);
    forged[0] = 1;
    rejected(
      world(),
      command("registerValidator", {
        validator: newcomer,
        stake: 10_000n * REMES,
        pubkey: identity,
        popSignature: forged,
      }),
      "invalidMessage",
    );
  });

  it("with a valid proof the key is bound and the role registered", () => {
    const chain = world();
    accepted(chain, registerValidator(newcomer, 10_000n, "fresh key"));
    expect(chain.state.consensusKeys.get(hex(k.pubkey))).toBe(newcomer);
  });
});

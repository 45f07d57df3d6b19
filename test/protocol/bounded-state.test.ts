/**
 * Bounded state (issue 13): no per-block step and no slash scans a set an
 * attacker can grow cheaply. Work is counted by `visits` (indexes.ts), a
 * deterministic counter, not wall time.
 */
import { create } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ProposalStatus } from "../../src/gen/remes/v1/events_pb.ts";
import { Offence, ProposalContentSchema, Role } from "../../src/gen/remes/v1/types_pb.ts";
import { labelAddress as addr } from "../../src/protocol/address.ts";
import { command } from "../../src/protocol/commands.ts";
import { event } from "../../src/protocol/events.ts";
import { cloneState } from "../../src/protocol/genesis.ts";
import { unbondingDue, visits, votingProposals } from "../../src/protocol/indexes.ts";
import { applyBlock, evolve } from "../../src/protocol/machine.ts";
import { slash, stakeAtRisk } from "../../src/protocol/slashing.ts";
import type { State } from "../../src/protocol/state.ts";
import { accepted, given, rejected } from "./given.ts";

const spammer = addr("b/spammer");
const victim = addr("b/victim");
const val = addr("b/val");

const world = () => given({ validators: { [val]: 20_000n }, miners: { [spammer]: 2_000n, [victim]: 2_000n } });

/** Entries an attacker holds, spread over `accounts` addresses (each within the cap), put straight into the state. */
const spam = (s: State, entries: number, accounts: number): void => {
  for (let i = 0; i < entries; i++) {
    const id = s.counters.nextUnbondingId;
    const address = addr(`b/sybil${i % accounts}`);
    evolve(s, event("roleRegistered", { address, role: Role.MINER, gpuArch: 1, pubkey: new Uint8Array(), endpoint: "" }));
    s.balances.set(address, (s.balances.get(address) ?? 0n) + 1n);
    evolve(s, event("stakeBonded", { address, role: Role.MINER, amount: 1n }));
    evolve(s, event("unbondingStarted", { entryId: id, address, role: Role.MINER, amount: 1n, completionHeight: s.height + 1_000 + (i % 50) }));
  }
};

const counted = (f: () => void): number => {
  const before = visits.count;
  f();
  return visits.count - before;
};

describe("unbonding entries are bounded per account", () => {
  it("given a miner holding max_unbonding_entries entries, when it unbonds again, then it is refused until one completes", () => {
    const chain = world();
    chain.block();
    const max = chain.state.params.maxUnbondingEntries;
    expect(max).toBe(7);
    for (let i = 0; i < max; i++) accepted(chain, command("unbond", { address: spammer, role: Role.MINER, amount: 1n }));
    rejected(chain, command("unbond", { address: spammer, role: Role.MINER, amount: 1n }), "tooLarge");
    // Another account, or another role of no entries, is not affected.
    accepted(chain, command("unbond", { address: victim, role: Role.MINER, amount: 1n }));
    chain.advanceTo(chain.height + chain.state.params.unbondingBlocks);
    accepted(chain, command("unbond", { address: spammer, role: Role.MINER, amount: 1n }));
  });
});

describe("a block's work does not grow with an attacker's entries", () => {
  it("an empty block and a slash of another miner visit the same number of entries whatever the attacker holds", () => {
    const chain = world();
    chain.block();
    const base = chain.state;
    const work = (entries: number) => {
      const s = cloneState(base);
      spam(s, entries, Math.max(1, Math.ceil(entries / 7)));
      const ctx = chain.context(s.height + 1);
      // The first lookup builds the index (once per state, not per block); count what a block and a slash visit after it.
      unbondingDue(s.unbonding, 0);
      votingProposals(s.proposals);
      const block = counted(() => applyBlock(s, ctx, [], new Uint8Array(32)));
      const slashed = counted(() => {
        const e = slash(s, victim, Role.MINER, Offence.LAZY_MINING, "b/1", 5_000);
        if (e) evolve(s, e);
      });
      return { block, slashed };
    };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3_000 }), fc.integer({ min: 1, max: 3_000 }), (n1, n2) => {
        expect(work(n1)).toEqual(work(n2));
      }),
      { numRuns: 10 },
    );
  });

  it("stakeAtRisk and the due entries agree with a scan of every entry, after completions and slashes", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ who: fc.nat({ max: 3 }), amount: fc.bigInt({ min: 1n, max: 50n }), after: fc.nat({ max: 12 }) }), { maxLength: 40 }),
        fc.nat({ max: 14 }),
        (entries, at) => {
          const chain = world();
          chain.block();
          const s = chain.state;
          const owners = [spammer, victim, addr("b/x"), addr("b/y")];
          for (const o of owners.slice(2)) {
            evolve(s, event("roleRegistered", { address: o, role: Role.MINER, gpuArch: 1, pubkey: new Uint8Array(), endpoint: "" }));
            s.balances.set(o, 1_000n);
            evolve(s, event("stakeBonded", { address: o, role: Role.MINER, amount: 1_000n }));
          }
          for (const e of entries) {
            evolve(s, event("unbondingStarted", { entryId: s.counters.nextUnbondingId, address: owners[e.who]!, role: Role.MINER, amount: e.amount, completionHeight: s.height + e.after }));
          }
          // Complete what is due at `at`, slash one owner: the index must follow both.
          for (const id of unbondingDue(s.unbonding, s.height + at)) evolve(s, event("unbondingCompleted", { entryId: id }));
          const e = slash(s, owners[at % 4]!, Role.MINER, Offence.LAZY_MINING, `b/${at}`, 3_000);
          if (e) evolve(s, e);
          for (const o of owners) {
            let scanned = s.roles.get(`${Role.MINER}/${o}`)?.stake ?? 0n;
            for (const u of s.unbonding.values()) if (u.address === o && u.role === Role.MINER) scanned += u.amount;
            expect(stakeAtRisk(s, Role.MINER, o)).toBe(scanned);
          }
          for (let h = s.height; h < s.height + 16; h++) {
            const scanned = [...s.unbonding.values()].filter((u) => u.completionHeight <= h).map((u) => u.id);
            expect(unbondingDue(s.unbonding, h)).toEqual(scanned);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it("the governance tally visits only proposals still voting, not every finished one", () => {
    const chain = world();
    chain.block();
    const s = chain.state;
    const step = (finished: number): number => {
      const c = cloneState(s);
      for (let i = 0; i < finished; i++) {
        c.proposals.set(c.counters.nextProposalId, {
          id: c.counters.nextProposalId, proposer: val, content: create(ProposalContentSchema, { title: "old" }), deposit: 0n, votingEndHeight: 0, votes: new Map(), status: ProposalStatus.REJECTED,
        });
        c.counters.nextProposalId++;
      }
      return counted(() => applyBlock(c, chain.context(c.height + 1), [], new Uint8Array(32)));
    };
    expect(step(0)).toBe(step(5_000));
  });
});

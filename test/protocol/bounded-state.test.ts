/**
 * Bounded state (issue 13): no per-block step and no slash scans a set an
 * attacker can grow cheaply. Work is counted by `visits` (indexes.ts), a
 * deterministic counter, not wall time.
 */
import { create, fromBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DisputeSubject, ProposalStatus } from "../../src/gen/remes/v1/events_pb.ts";
import { QueryProposalsResponseSchema } from "../../src/gen/remes/v1/query_pb.ts";
import {
  Offence,
  ProposalContentSchema,
  Role,
  VoteOption,
} from "../../src/gen/remes/v1/types_pb.ts";
import type { Accounts } from "../../src/node/accounts.ts";
import { answerQuery } from "../../src/node/query.ts";
import { labelAddress as addr } from "../../src/protocol/address.ts";
import { command } from "../../src/protocol/commands.ts";
import { event } from "../../src/protocol/events.ts";
import { cloneState } from "../../src/protocol/genesis.ts";
import { defaultParams } from "../../src/protocol/params.ts";
import {
  activeStake,
  disputesOfWindow,
  unbondingCount,
  unbondingDue,
  unbondingOf,
  visits,
  votingProposals,
} from "../../src/protocol/indexes.ts";
import { journaled } from "../../src/protocol/journal.ts";
import { findAggregation } from "../../src/protocol/verification/disputes.ts";
import { applyBlock, evolve } from "../../src/protocol/machine.ts";
import { slash, stakeAtRisk } from "../../src/protocol/slashing.ts";
import type { MockChain } from "../../src/protocol/testing/chain.ts";
import type { ProtocolCommand } from "../../src/protocol/commands.ts";
import type { State } from "../../src/protocol/state.ts";
import { accepted, given, REMES, rejected } from "./given.ts";

const spammer = addr("b/spammer");
const victim = addr("b/victim");
const val = addr("b/val");

const world = () =>
  given({ validators: { [val]: 20_000n }, miners: { [spammer]: 2_000n, [victim]: 2_000n } });

/** Entries an attacker holds, spread over `accounts` addresses (each within the cap), put straight into the state. */
const spam = (s: State, entries: number, accounts: number): void => {
  for (let i = 0; i < entries; i++) {
    const id = s.counters.nextUnbondingId;
    const address = addr(`b/sybil${i % accounts}`);
    evolve(
      s,
      event("roleRegistered", {
        address,
        role: Role.MINER,
        gpuArch: 1,
        pubkey: new Uint8Array(),
        endpoint: "",
      }),
    );
    s.balances.set(address, (s.balances.get(address) ?? 0n) + 1n);
    evolve(s, event("stakeBonded", { address, role: Role.MINER, amount: 1n }));
    evolve(
      s,
      event("unbondingStarted", {
        entryId: id,
        address,
        role: Role.MINER,
        amount: 1n,
        completionHeight: s.height + 1_000 + (i % 50),
      }),
    );
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
    for (let i = 0; i < max; i++)
      accepted(chain, command("unbond", { address: spammer, role: Role.MINER, amount: 1n }));
    rejected(
      chain,
      command("unbond", { address: spammer, role: Role.MINER, amount: 1n }),
      "tooLarge",
    );
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
      fc.property(
        fc.integer({ min: 1, max: 3_000 }),
        fc.integer({ min: 1, max: 3_000 }),
        (n1, n2) => {
          expect(work(n1)).toEqual(work(n2));
        },
      ),
      { numRuns: 10 },
    );
  });

  it("stakeAtRisk and the due entries agree with a scan of every entry, after completions and slashes", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            who: fc.nat({ max: 3 }),
            amount: fc.bigInt({ min: 1n, max: 50n }),
            after: fc.nat({ max: 12 }),
          }),
          { maxLength: 40 },
        ),
        fc.nat({ max: 14 }),
        (entries, at) => {
          const chain = world();
          chain.block();
          const s = chain.state;
          const owners = [spammer, victim, addr("b/x"), addr("b/y")];
          for (const o of owners.slice(2)) {
            evolve(
              s,
              event("roleRegistered", {
                address: o,
                role: Role.MINER,
                gpuArch: 1,
                pubkey: new Uint8Array(),
                endpoint: "",
              }),
            );
            s.balances.set(o, 1_000n);
            evolve(s, event("stakeBonded", { address: o, role: Role.MINER, amount: 1_000n }));
          }
          for (const e of entries) {
            evolve(
              s,
              event("unbondingStarted", {
                entryId: s.counters.nextUnbondingId,
                address: owners[e.who]!,
                role: Role.MINER,
                amount: e.amount,
                completionHeight: s.height + e.after,
              }),
            );
          }
          // Complete what is due at `at`, slash one owner: the index must follow both.
          for (const id of unbondingDue(s.unbonding, s.height + at))
            evolve(s, event("unbondingCompleted", { entryId: id }));
          const e = slash(s, owners[at % 4]!, Role.MINER, Offence.LAZY_MINING, `b/${at}`, 3_000);
          if (e) evolve(s, e);
          for (const o of owners) {
            let scanned = s.roles.get(`${Role.MINER}/${o}`)?.stake ?? 0n;
            for (const u of s.unbonding.values())
              if (u.address === o && u.role === Role.MINER) scanned += u.amount;
            expect(stakeAtRisk(s, Role.MINER, o)).toBe(scanned);
          }
          for (let h = s.height; h < s.height + 16; h++) {
            const scanned = [...s.unbonding.values()]
              .filter((u) => u.completionHeight <= h)
              .map((u) => u.id);
            expect(unbondingDue(s.unbonding, h)).toEqual(scanned);
          }
        },
      ),
      { numRuns: 60 },
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
          id: c.counters.nextProposalId,
          proposer: val,
          content: create(ProposalContentSchema, { title: "old" }),
          deposit: 0n,
          votingEndHeight: 0,
          votes: new Map(),
          status: ProposalStatus.REJECTED,
        });
        c.counters.nextProposalId++;
      }
      return counted(() => applyBlock(c, chain.context(c.height + 1), [], new Uint8Array(32)));
    };
    expect(step(0)).toBe(step(5_000));
  });
});

/** A block at any later height (skipping the ones between), as the chain would apply it there. */
const jump = (
  chain: MockChain,
  height: number,
  txs: readonly (readonly ProtocolCommand[])[] = [],
): void => {
  const r = applyBlock(chain.state, chain.context(height), txs, chain.appHash);
  chain.state = r.state;
  chain.appHash = r.appHash;
};

const text = (title: string) =>
  create(ProposalContentSchema, { title, kind: { case: "text", value: {} } });

/** Puts a proposal straight into the state (as a snapshot would hold it): voting until `end`, or already tallied. */
const proposal = (s: State, end: number, status = ProposalStatus.VOTING): number => {
  const id = s.counters.nextProposalId;
  s.balances.set(val, (s.balances.get(val) ?? 0n) + 1n);
  evolve(
    s,
    event("proposalSubmitted", {
      proposalId: id,
      proposer: val,
      content: text(`p${id}`),
      deposit: 1n,
      votingEndHeight: end,
    }),
  );
  if (status !== ProposalStatus.VOTING) {
    evolve(
      s,
      event("proposalTallied", {
        proposalId: id,
        status,
        yes: 0n,
        no: 0n,
        abstain: 0n,
        noWithVeto: 0n,
        totalStaked: 0n,
        depositBurned: true,
      }),
    );
  }
  return id;
};

describe("finished proposals are pruned", () => {
  const VOTING = 3;
  const TALLIED_PROPOSAL_RETENTION_BLOCKS = defaultParams().talliedProposalRetentionBlocks;
  const ask = (chain: MockChain): number[] => {
    const view = {
      state: chain.state,
      accounts: undefined as unknown as Accounts,
      height: chain.height,
      maxTxBytes: 1 << 20,
    };
    const r = answerQuery(view, {
      path: "/remes.remes.v1.Query/Proposals",
      data: new Uint8Array(),
      height: 0n,
      prove: false,
    });
    expect(r.code).toBe(0);
    return fromBinary(QueryProposalsResponseSchema, r.value).proposals.map((p) =>
      Number(p.proposalId),
    );
  };

  it("given a tallied proposal, when another is tallied a retention period after it, then the first is gone: the query omits it, a vote on it is refused as ended", () => {
    const chain = given({ params: { votingBlocksText: VOTING }, validators: { [val]: 20_000n } });
    chain.block();
    const deposit = chain.state.params.depositText;
    accepted(chain, command("submitProposal", { proposer: val, content: text("first"), deposit }));
    const end0 = chain.state.proposals.get(0)!.votingEndHeight;
    chain.advanceTo(end0);
    expect(chain.state.proposals.get(0)!.status).toBe(ProposalStatus.NO_QUORUM);
    expect(ask(chain)).toEqual([0]); // queryable while retained

    // The next tally within the retention period keeps it.
    accepted(chain, command("submitProposal", { proposer: val, content: text("second"), deposit }));
    chain.advanceTo(chain.state.proposals.get(1)!.votingEndHeight);
    expect(ask(chain)).toEqual([0, 1]);

    // A tally a retention period after proposal 0's voting ended prunes it (and only it).
    jump(chain, end0 + TALLIED_PROPOSAL_RETENTION_BLOCKS - VOTING, [
      [command("submitProposal", { proposer: val, content: text("third"), deposit })],
    ]);
    chain.advanceTo(chain.state.proposals.get(2)!.votingEndHeight);
    expect(chain.state.proposals.get(2)!.status).toBe(ProposalStatus.NO_QUORUM);
    expect(ask(chain)).toEqual([1, 2]);
    expect(chain.state.counters.nextProposalId).toBe(3);
    rejected(
      chain,
      command("vote", { voter: val, proposalId: 0, option: VoteOption.YES }),
      "wrongPhase",
    );
    rejected(
      chain,
      command("vote", { voter: val, proposalId: 3, option: VoteOption.YES }),
      "notFound",
    );
  });

  it("whatever proposals are submitted and tallied when, the state holds every voting one and only the tallied ones of the retention period", () => {
    const R = TALLIED_PROPOSAL_RETENTION_BLOCKS;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            gap: fc.nat({ max: R / 2 }),
            voting: fc.integer({ min: 1, max: R }),
            tallied: fc.boolean(),
          }),
          { maxLength: 30 },
        ),
        (steps) => {
          const chain = world();
          chain.block();
          const s = chain.state;
          const kept = new Map<number, number>(); // id → end of voting, of every proposal a scan would keep
          for (const st of steps) {
            evolve(s, event("blockStarted", { height: s.height + st.gap, timeMs: 0n }));
            const id = proposal(
              s,
              s.height + st.voting,
              st.tallied ? ProposalStatus.REJECTED : ProposalStatus.VOTING,
            );
            kept.set(id, st.tallied ? s.height + st.voting : Number.MAX_SAFE_INTEGER);
            // A tally prunes every tallied proposal whose voting ended a retention period ago.
            if (st.tallied) for (const [k, end] of kept) if (end <= s.height - R) kept.delete(k);
            expect([...s.proposals.keys()].sort((a, b) => a - b)).toEqual(
              [...kept.keys()].sort((a, b) => a - b),
            );
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("given an attacker that submits proposals every block, the set of proposals in state stays bounded by what one retention period holds", () => {
    const RETENTION = 20;
    const PER_BLOCK = 4;
    const chain = given({
      params: { votingBlocksText: VOTING, talliedProposalRetentionBlocks: RETENTION },
      validators: { [val]: 20_000n },
      accounts: { [spammer]: 1_000_000n },
    });
    chain.block();
    const deposit = chain.state.params.depositText;
    let most = 0;
    for (let b = 0; b < 10 * RETENTION; b++) {
      const txs = Array.from({ length: PER_BLOCK }, (_, i) => [
        command("submitProposal", { proposer: spammer, content: text(`spam ${b}/${i}`), deposit }),
      ]);
      const r = chain.block(txs);
      expect(r.txResults.map((t) => t.log)).toEqual(txs.map(() => ""));
      most = Math.max(most, chain.state.proposals.size);
    }
    expect(chain.state.counters.nextProposalId).toBe(10 * RETENTION * PER_BLOCK);
    // Still voting (VOTING + 1 blocks' worth) and tallied within the retention period (RETENTION + 1 blocks' worth).
    expect(most).toBeLessThanOrEqual(PER_BLOCK * (VOTING + RETENTION + 2));
    expect(chain.state.proposals.size).toBeLessThanOrEqual(PER_BLOCK * (VOTING + RETENTION + 2));
    // The oldest kept proposal's voting ended within the retention period.
    const oldest = Math.min(...[...chain.state.proposals.values()].map((p) => p.votingEndHeight));
    expect(oldest).toBeGreaterThan(chain.state.height - RETENTION - 1);
  });

  it("an empty block visits the same whatever number of proposals are still voting or finished", () => {
    const chain = world();
    chain.block();
    const step = (voting: number, finished: number): number => {
      const c = cloneState(chain.state);
      for (let i = 0; i < voting; i++) proposal(c, c.height + 1_000 + i);
      for (let i = 0; i < finished; i++) proposal(c, c.height, ProposalStatus.REJECTED);
      votingProposals(c.proposals); // built once per state, not per block
      return counted(() => applyBlock(c, chain.context(c.height + 1), [], new Uint8Array(32)));
    };
    // One voting proposal costs a look at the top of the index; 2,000 cost the same.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2_000 }), fc.nat({ max: 2_000 }), (v, f) => {
        expect(step(v, f)).toBe(step(1, 0));
      }),
      { numRuns: 8 },
    );
  });
});

describe("disputes: a block looks only at what is due or changed", () => {
  const vals = [0, 1, 2, 3, 4].map((i) => addr(`b/v${i}`));
  const panelWorld = () =>
    given({
      validators: Object.fromEntries(vals.map((v, i) => [v, BigInt(20_000 + 1_000 * i)])),
      miners: { [victim]: 2_000n },
    });

  /** Opens a dispute straight into the state, as a protocol audit does (no challenger, no bond). */
  const open = (
    s: State,
    tier: 2 | 3,
    deadline: number,
    panel: readonly string[],
    window = 0,
  ): number => {
    const id = s.counters.nextDisputeId;
    evolve(
      s,
      event("disputeOpened", {
        disputeId: id,
        subject: DisputeSubject.AGGREGATION,
        subjectId: 10_000 + id,
        window,
        challenger: "",
        bond: 0n,
        batchIndex: 0,
        tier,
        deadline,
        panel: [...panel],
      }),
    );
    return id;
  };

  it("an empty block visits the same whatever number of disputes wait for their deadline", () => {
    const chain = panelWorld();
    chain.block();
    const work = (waiting: number, miners: number): number => {
      const c = cloneState(chain.state);
      spam(c, miners, miners); // sybil miners: other roles must not cost a validator lookup
      for (let i = 0; i < waiting; i++)
        open(c, i % 2 === 0 ? 2 : 3, c.height + 50 + i, vals.slice(0, 3));
      applyBlock(c, chain.context(c.height + 1), [], new Uint8Array(32)); // looks at each new tier-3 dispute once
      return counted(() => applyBlock(c, chain.context(c.height + 1), [], new Uint8Array(32)));
    };
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2_000 }),
        fc.integer({ min: 1, max: 2_000 }),
        (n, m) => {
          expect(work(n, m)).toBe(work(1, 1));
        },
      ),
      { numRuns: 8 },
    );
  });

  it("disputes reaching their deadline cost the same whatever the number of other roles", () => {
    const chain = panelWorld();
    chain.block();
    const work = (miners: number): number => {
      const c = cloneState(chain.state);
      spam(c, miners, miners);
      for (let i = 0; i < 20; i++) open(c, 2, c.height + 1, []);
      return counted(() => applyBlock(c, chain.context(c.height + 1), [], new Uint8Array(32)));
    };
    expect(work(3_000)).toBe(work(1));
  });

  it("the active validator stake total follows bonds, unbonds, slashes and a new minimum", () => {
    const chain = panelWorld();
    chain.block();
    const s = chain.state;
    const scan = (min: bigint) =>
      [...s.roles.values()]
        .filter((r) => r.role === Role.VALIDATOR && r.stake > 0n && r.stake >= min)
        .reduce((a, r) => a + r.stake, 0n);
    const min = s.params.minValidatorStake;
    expect(activeStake(s.roles, Role.VALIDATOR, min)).toBe(scan(min));
    accepted(
      chain,
      command("unbond", { address: vals[0]!, role: Role.VALIDATOR, amount: 19_000n * REMES }),
      command("bond", { address: vals[1]!, role: Role.VALIDATOR, amount: 5n * REMES }),
    );
    const e = slash(chain.state, vals[2]!, Role.VALIDATOR, Offence.LAZY_MINING, "b/s", 5_000);
    if (e) evolve(chain.state, e);
    expect(activeStake(chain.state.roles, Role.VALIDATOR, min)).toBe(scan(min));
    expect(activeStake(chain.state.roles, Role.VALIDATOR, 15_000n * REMES)).toBe(
      scan(15_000n * REMES),
    );
    expect(activeStake(chain.state.roles, Role.VALIDATOR, min)).toBe(scan(min));
  });

  /**
   * The index decides which disputes a block looks at from what changed since
   * the last block. A copy of the state before each block has no index: it is
   * rebuilt, marking every tier-3 dispute to be looked at, as a scan of every
   * dispute would. Both must give the same blocks.
   */
  it("with random verdicts, bonds and unbonds, the kept index and one rebuilt before every block give the same blocks", () => {
    const action = fc.oneof(
      fc.record({
        kind: fc.constant("verdict" as const),
        d: fc.nat({ max: 7 }),
        v: fc.nat({ max: 4 }),
        valid: fc.boolean(),
      }),
      fc.record({
        kind: fc.constantFrom("bond" as const, "unbond" as const),
        v: fc.nat({ max: 4 }),
        amount: fc.integer({ min: 1, max: 19_000 }),
      }),
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            tier: fc.constantFrom(2 as const, 3 as const),
            after: fc.integer({ min: 1, max: 6 }),
            panel: fc.subarray([0, 1, 2, 3, 4], { minLength: 1, maxLength: 3 }),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        fc.array(fc.array(action, { maxLength: 4 }), { minLength: 1, maxLength: 12 }),
        (disputes, blocks) => {
          const kept = panelWorld();
          kept.block();
          for (const d of disputes)
            open(
              kept.state,
              d.tier,
              kept.height + d.after,
              d.tier === 3 ? d.panel.map((i) => vals[i]!) : [],
            );
          const rebuilt = panelWorld();
          rebuilt.state = cloneState(kept.state);
          rebuilt.appHash = kept.appHash;
          for (const acts of blocks) {
            const open = [...kept.state.disputes.values()];
            const txs = acts.map((a): ProtocolCommand[] => {
              if (a.kind !== "verdict")
                return [
                  command(a.kind, {
                    address: vals[a.v]!,
                    role: Role.VALIDATOR,
                    amount: BigInt(a.amount) * REMES,
                  }),
                ];
              const d = open[a.d % Math.max(1, open.length)];
              // A verdict by a member of a sitting panel (mostly accepted), else by anyone.
              const by = d && d.panel.length > 0 ? d.panel[a.v % d.panel.length]! : vals[a.v]!;
              return [
                command("submitArbitrationVerdict", {
                  disputeId: d?.id ?? a.d,
                  validator: by,
                  valid: a.valid,
                  recomputedHash: new Uint8Array(),
                }),
              ];
            });
            kept.block(txs);
            rebuilt.state = cloneState(rebuilt.state);
            rebuilt.block(txs);
            expect(rebuilt.appHash).toEqual(kept.appHash);
          }
          // And every open dispute's window finds it.
          for (const d of kept.state.disputes.values())
            expect(disputesOfWindow(kept.state.disputes, d.window)).toContain(d);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("other indexes", () => {
  it("findAggregation answers as a scan of the windows would, as windows open, get a proposer, reveal and settle", () => {
    const op = fc.record({
      kind: fc.constantFrom(
        "open" as const,
        "select" as const,
        "reveal" as const,
        "settle" as const,
      ),
      w: fc.nat({ max: 4 }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const chain = world();
        chain.block();
        const s = chain.state;
        const scan = (id: number) => {
          for (const w of s.windows.values())
            if (w.aggregation?.revealed?.id === id) return { window: w.window, agg: w.aggregation };
          return undefined;
        };
        findAggregation(s, 0); // the index exists from here on and follows every change
        for (const o of ops) {
          if (o.kind === "open" && !s.windows.has(o.w))
            evolve(
              s,
              event("windowOpened", {
                window: o.w,
                startHeight: s.height,
                seed: new Uint8Array(32),
              }),
            );
          if (o.kind === "select")
            evolve(
              s,
              event("aggregationProposerSelected", {
                window: o.w,
                proposer: val,
                commitDeadline: 1,
                revealDeadline: 2,
              }),
            );
          if (o.kind === "reveal")
            evolve(
              s,
              event("aggregationRevealed", {
                aggregationId: s.counters.nextAggregationId,
                window: o.w,
                proposer: val,
                aggregatedCid: "",
                merkleRoot: new Uint8Array(32),
                submissionIds: [],
                method: 0,
                challengeDeadline: 3,
              }),
            );
          if (o.kind === "settle") evolve(s, event("windowSettled", { window: o.w }));
          for (let id = 0; id <= s.counters.nextAggregationId; id++)
            expect(findAggregation(s, id)).toEqual(scan(id));
        }
      }),
      { numRuns: 100 },
    );
  });

  it("an index first built inside a transaction that is undone is dropped with it, not left holding the undone writes", () => {
    const chain = world();
    chain.block();
    const s = cloneState(chain.state); // no index yet
    const j = journaled(s);
    evolve(
      j.view,
      event("unbondingStarted", {
        entryId: s.counters.nextUnbondingId,
        address: spammer,
        role: Role.MINER,
        amount: 1n,
        completionHeight: s.height + 5,
      }),
    );
    expect(unbondingCount(s.unbonding, Role.MINER, spammer)).toBe(1); // built now, from a map holding the entry
    j.undo();
    expect(s.unbonding.size).toBe(0);
    expect(unbondingCount(s.unbonding, Role.MINER, spammer)).toBe(0);
    expect(unbondingOf(s.unbonding, Role.MINER, spammer)).toEqual([]);
    expect(unbondingDue(s.unbonding, s.height + 10)).toEqual([]);
  });
});

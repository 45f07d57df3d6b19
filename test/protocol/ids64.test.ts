/**
 * Ids, heights and window numbers are 64-bit end to end (issue 13): a chain
 * whose counters stand just below 2^32 runs two windows across it — the
 * 2^32-th submission, dispute, vault entry, proposal, aggregation,
 * availability challenge and unbonding entry, window 2^32 and height 2^32 —
 * and every event encodes, decodes to itself, and replays to the same state
 * and app hashes (what a node restart does). Before, those fields were
 * uint32 on the wire, so the chain could no longer encode its own events.
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  AggregationMethod,
  GpuArch,
  Role,
  SoftwareUpgradeProposalSchema,
  VoteOption,
} from "../../src/gen/remes/v1/types_pb.ts";
import { labelAddress as addr } from "../../src/protocol/address.ts";
import { aggregationCommitment, gradientRoot } from "../../src/protocol/aggregation.ts";
import { nextAppHash, stateRoot } from "../../src/protocol/apphash.ts";
import { decodeEvent, DecodeError, encodeEvent } from "../../src/protocol/codec.ts";
import { command, type ProtocolCommand } from "../../src/protocol/commands.ts";
import { event } from "../../src/protocol/events.ts";
import type { ProtocolEvent } from "../../src/protocol/events.ts";
import { initChain } from "../../src/protocol/genesis.ts";
import { isProtocolError } from "../../src/protocol/errors.ts";
import { decide, evolve } from "../../src/protocol/machine.ts";
import { merkleRoot } from "../../src/protocol/merkle.ts";
import { hashParts } from "../../src/protocol/randomness.ts";
import type { State } from "../../src/protocol/state.ts";
import { submissionsOf } from "../../src/protocol/submissions.ts";
import { trapCommitment, trapCommittee } from "../../src/protocol/traps.ts";
import {
  cidOf,
  commitmentOf,
  genesis,
  given,
  hashOf,
  MockChain,
  REMES,
  rejected,
} from "./given.ts";

const FAR = 2 ** 32;
const vals = [0, 1, 2, 3].map((i) => addr(`ids64/val${i}`));
const prop = addr("ids64/proposer");
const miners = Array.from({ length: 8 }, (_, i) => addr(`ids64/miner${i}`));
const lazy = miners[7]!;
const watcher = addr("ids64/watcher");

const world = () => {
  const g = genesis({
    params: { votingBlocksSoftwareUpgrade: 6, daSampleRateBps: 1 },
    validators: Object.fromEntries(vals.map((v, i) => [v, BigInt(40_000 - i * 5_000)])),
    proposers: { [prop]: 10_000n },
    miners: Object.fromEntries(miners.map((m) => [m, 2_000n])),
    accounts: { [watcher]: 1_000n },
    vault: [0, 1, 2, 3].map((i) => hashOf(`ids64/vault${i}`)),
  });
  g.initialHeight = BigInt(FAR - 12);
  return g;
};

/** Every id counter two below 2^32 and the next window one below: the second of each crosses it. */
const farCounters = (s: State): State => {
  for (const k of Object.keys(s.counters) as (keyof State["counters"])[]) s.counters[k] += FAR - 2;
  s.nextWindow = FAR - 1;
  return s;
};

const honest = (window: number, shard: number) => hashParts("ids64/gradient", window, shard);

const submit = (chain: MockChain, window: number): ProtocolCommand[] =>
  [...chain.state.windows.get(window)!.assignment]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([miner, shard]) => {
      const hash = miner === lazy ? hashParts("ids64/lazy", window) : honest(window, shard);
      return command("submitGradient", {
        miner,
        window,
        shard,
        gradientCid: cidOf(hash),
        gradientHash: hash,
        daRoot: merkleRoot([hash]),
        sizeBytes: 1_000n,
        claimedLossMicro: 2_000_000n,
        gpuArch: GpuArch.AMPERE,
        kernelVersion: "bitnet-cpu/1",
        salt: hashParts("ids64/gradient-salt", miner, window),
      });
    });

const aggregate = (chain: MockChain, window: number) => {
  const included = submissionsOf(chain.state, window).filter((s) => s.miner !== lazy);
  const root = gradientRoot(included.map((s) => s.gradientHash));
  return {
    included,
    root,
    cid: cidOf(hashParts("ids64/agg", root)),
    salt: hashParts("ids64/salt", window),
  };
};

const commitAggregation = (chain: MockChain, window: number): ProtocolCommand[] => {
  const agg = chain.state.windows.get(window)?.aggregation;
  if (!agg) return [];
  const a = aggregate(chain, window);
  return [
    command("commitAggregation", {
      proposer: agg.proposer,
      window,
      commitment: aggregationCommitment(window, a.cid, a.root, AggregationMethod.MEDIAN, a.salt),
    }),
  ];
};

const revealAggregation = (chain: MockChain, window: number): ProtocolCommand[] => {
  const agg = chain.state.windows.get(window)?.aggregation;
  if (!agg) return [];
  const a = aggregate(chain, window);
  return [
    command("submitAggregation", {
      proposer: agg.proposer,
      window,
      aggregatedCid: a.cid,
      merkleRoot: a.root,
      submissionIds: a.included.map((s) => s.id),
      method: AggregationMethod.MEDIAN,
      salt: a.salt,
    }),
  ];
};

/** Tier-3 panel members recompute: only the lazy miner's hash differs. */
const verdicts = (chain: MockChain): ProtocolCommand[] =>
  [...chain.state.disputes.values()]
    .filter((d) => d.tier === 3 && d.verdicts.size === 0)
    .flatMap((d) => {
      const s = chain.state.submissions.get(d.subjectId)!;
      return d.panel.map((validator) =>
        command("submitArbitrationVerdict", {
          validator,
          disputeId: d.id,
          valid: s.miner !== lazy,
          recomputedHash: honest(s.window, s.shard),
        }),
      );
    });

/** Two windows from height 2^32 - 12 (window 2^32 - 1) to past height 2^32 + 22 (window 2^32 settled). */
const runAcross = (): MockChain => {
  const chain = new MockChain(world(), "ids64");
  farCounters(chain.state);
  chain.appHash = stateRoot(chain.state);
  const w0 = FAR - 1;
  const w1 = FAR;
  const h0 = FAR - 12;
  const salts = [0, 1, 2, 3].map((s) => hashParts("ids64/trap-salt", s));
  const firstVault = FAR - 2;
  const commitments = [0, 1, 2, 3].map((shard) =>
    trapCommitment(w1, shard, firstVault + shard, salts[shard]!),
  );
  while (commitments.length < chain.state.params.trapCommitmentSlots)
    commitments.push(hashParts("ids64/dummy", commitments.length));
  commitments.sort((a, b) => Buffer.compare(a, b));

  chain.block(); // h0: window 2^32 - 1 opens
  const committee = trapCommittee(chain.state);
  const upgrade = {
    title: "far",
    description: "",
    kind: {
      case: "softwareUpgrade" as const,
      value: create(SoftwareUpgradeProposalSchema, {
        name: "v2",
        height: BigInt(FAR + 500),
        info: "",
      }),
    },
  };
  chain.exec(
    ...committee
      .slice(0, 2)
      .map((validator) => command("commitTrapJobs", { validator, window: w1, commitments })),
    command("submitProposal", {
      proposer: vals[0]!,
      content: upgrade,
      deposit: chain.state.params.depositSoftwareUpgrade,
    }),
    command("unbond", { address: miners[0]!, role: Role.MINER, amount: 1n }),
    command("unbond", { address: miners[1]!, role: Role.MINER, amount: 1n }),
  );
  const subs0 = submit(chain, w0);
  chain.exec(
    ...subs0.map(commitmentOf), // h0 + 2: window 2^32 - 1's commit phase
    ...vals.map((voter) => command("vote", { voter, proposalId: FAR - 2, option: VoteOption.YES })),
  );
  chain.advanceTo(h0 + 9); // its last block
  chain.exec(...subs0); // h0 + 10: window 2^32 opens while window 2^32 - 1 reveals
  const crossing = chain.state.windows.get(w0)!.submittedBy.get(miners[3]!)!;
  // h0 + 11: window 2^32 - 1 closes at its end: tier 1 disputes the lazy miner, a proposer is drawn
  chain.exec(
    command("challengeAvailability", {
      challenger: watcher,
      submissionId: crossing,
      bond: 50n * REMES,
    }),
  );
  const subs1 = submit(chain, w1);
  chain.block([...commitAggregation(chain, w0), ...subs1.map(commitmentOf)].map((c) => [c])); // h0 + 12
  chain.block([...revealAggregation(chain, w0), ...verdicts(chain)].map((c) => [c]));
  chain.advanceTo(h0 + 19); // window 2^32's last block
  chain.exec(...subs1); // its reveals
  chain.advanceTo(h0 + 21); // height 2^32 + 9: window 2^32 closes
  const trapShards = [...new Set(chain.state.windows.get(w1)!.assignment.values())].sort(
    (a, b) => a - b,
  );
  chain.block(
    [
      command("revealTrapJobs", {
        validator: committee[0]!,
        window: w1,
        reveals: trapShards.map((shard) => ({
          shard,
          vaultEntryId: BigInt(firstVault + shard),
          salt: salts[shard]!,
        })),
      }),
      ...commitAggregation(chain, w1),
    ].map((c) => [c]),
  );
  chain.exec(...revealAggregation(chain, w1));
  chain.exec(...verdicts(chain));
  chain.advanceTo(chain.state.windows.get(w1)?.settleHeight ?? chain.height);
  return chain;
};

/** Values of an event's fields named like an id, height, window or deadline (the 64-bit ones). */
const wideValues = (events: readonly ProtocolEvent[]): number[] =>
  events.flatMap((e) =>
    Object.entries(e.value).flatMap(([k, v]) =>
      /Id$|Ids$|^window$|[hH]eight$|[dD]eadline$/.test(k)
        ? (Array.isArray(v) ? v : [v]).map(Number)
        : [],
    ),
  );

describe("64-bit ids, heights and windows", () => {
  const chain = runAcross();
  const log = chain.log;

  it("runs two windows across 2^32 with every command accepted", () => {
    expect(chain.rejected).toEqual([]);
    expect(chain.height).toBeGreaterThan(FAR + 20);
    const kinds = new Set(log.flat().map((e) => e.case));
    for (const k of [
      "gradientSubmitted",
      "disputeOpened",
      "disputeResolved",
      "vaultEntryAdded",
      "trapRevealed",
      "aggregationRevealed",
      "aggregationFinalized",
      "availabilityChallenged",
      "availabilityResolved",
      "unbondingStarted",
      "proposalTallied",
      "softwareUpgradeScheduled",
      "rewardMinted",
      "windowSettled",
    ]) {
      expect(kinds, k).toContain(k);
    }
    const wide = wideValues(log.flat());
    expect(wide.filter((v) => v >= FAR).length).toBeGreaterThan(100);
    // The 2^32-th of each kind of id was allocated.
    expect(chain.state.counters.nextSubmissionId).toBeGreaterThan(FAR);
    expect(chain.state.counters.nextDisputeId).toBeGreaterThan(FAR - 1);
    expect(chain.state.counters.nextVaultId).toBeGreaterThan(FAR);
    expect(chain.state.counters.nextAggregationId).toBeGreaterThan(FAR - 1);
    expect(chain.state.softwareUpgrade?.height).toBe(FAR + 500);
  });

  it("every event encodes and decodes to itself", () => {
    for (const e of log.flat()) {
      const back = decodeEvent(encodeEvent(e));
      if (back instanceof DecodeError) throw new Error(`${e.case}: ${back.message}`);
      expect(back).toEqual(e);
    }
  });

  it("the decoded event log replays to the same state root and app hashes", () => {
    const state = farCounters(initChain(world()) as State);
    let appHash = stateRoot(state);
    for (const block of log) {
      const events = block.map((e) => decodeEvent(encodeEvent(e)) as ProtocolEvent);
      for (const e of events) evolve(state, e);
      appHash = nextAppHash(appHash, events);
    }
    expect(Buffer.from(appHash).toString("hex")).toBe(Buffer.from(chain.appHash).toString("hex"));
    expect(Buffer.from(stateRoot(state)).toString("hex")).toBe(
      Buffer.from(stateRoot(chain.state)).toString("hex"),
    );
  });
});

describe("an id above 2^53 - 1", () => {
  const TOO_BIG = 2n ** 53n;
  const chain = given({
    validators: { [vals[0]!]: 20_000n },
    miners: { [miners[0]!]: 2_000n },
    accounts: { [watcher]: 1_000n },
  });
  chain.block();
  const upgrade = (height: bigint) => ({
    title: "far",
    description: "",
    kind: {
      case: "softwareUpgrade" as const,
      value: create(SoftwareUpgradeProposalSchema, { name: "v2", height, info: "" }),
    },
  });
  const cases: [string, (id: bigint) => ProtocolCommand][] = [
    [
      "window",
      (id) =>
        command("submitGradient", {
          miner: miners[0]!,
          window: id,
          shard: 0,
          gradientCid: "x",
          gradientHash: new Uint8Array(32),
          daRoot: new Uint8Array(32),
          sizeBytes: 1n,
          claimedLossMicro: 1n,
          gpuArch: GpuArch.AMPERE,
          kernelVersion: "bitnet-cpu/1",
        }),
    ],
    [
      "window",
      (id) =>
        command("commitGradient", {
          miner: miners[0]!,
          window: id,
          shard: 0,
          commitment: new Uint8Array(32),
        }),
    ],
    [
      "submission_id",
      (id) => command("challengeGradient", { challenger: watcher, submissionId: id, bond: 1n }),
    ],
    [
      "submission_id",
      (id) => command("challengeAvailability", { challenger: watcher, submissionId: id, bond: 1n }),
    ],
    [
      "dispute_id",
      (id) =>
        command("voteLossCheck", { validator: vals[0]!, disputeId: id, computedLossMicro: 1n }),
    ],
    [
      "dispute_id",
      (id) =>
        command("submitArbitrationVerdict", { validator: vals[0]!, disputeId: id, valid: true }),
    ],
    [
      "aggregation_id",
      (id) => command("challengeAggregation", { challenger: watcher, aggregationId: id, bond: 1n }),
    ],
    [
      "proposal_id",
      (id) => command("vote", { voter: vals[0]!, proposalId: id, option: VoteOption.YES }),
    ],
    ["challenge_id", (id) => command("proveAvailability", { miner: miners[0]!, challengeId: id })],
    [
      "submission_ids[1]",
      (id) => command("submitAggregation", { proposer: prop, window: 0, submissionIds: [0n, id] }),
    ],
    [
      "reveals[0].vault_entry_id",
      (id) =>
        command("revealTrapJobs", {
          validator: vals[0]!,
          window: 0,
          reveals: [{ shard: 0, vaultEntryId: id, salt: new Uint8Array(32) }],
        }),
    ],
    [
      "content.software_upgrade.height",
      (id) => command("submitProposal", { proposer: vals[0]!, content: upgrade(id), deposit: 1n }),
    ],
  ];

  it("is refused by decide, naming the field, never rounded to 2^53; 2^53 - 1 passes that check", () => {
    for (const [field, make] of cases) {
      for (const id of [TOO_BIG, 2n ** 64n - 1n]) {
        const err = rejected(chain, make(id), "invalidMessage");
        expect(err.message).toBe(
          `${field} is ${id}, above 2^53 - 1 (the largest id, height or window this chain handles)`,
        );
      }
      const d = decide(chain.state, make(TOO_BIG - 1n), chain.context());
      expect(isProtocolError(d) && d.message.includes("above 2^53 - 1")).toBe(false);
    }
  });

  it("is refused in a block the simulator applies: the tx fails with its message", () => {
    const r = chain.exec(cases[4]![1](TOO_BIG));
    expect(r.txResults.map((t) => t.log)).toEqual([
      "dispute_id is 9007199254740992, above 2^53 - 1 (the largest id, height or window this chain handles)",
    ]);
    expect(r.txResults[0]!.code).toBe(2);
    expect(r.events.map((e) => e.case)).not.toContain("lossVoteCast");
  });

  it("in a stored event is a decode error (evolve reads ids as numbers)", () => {
    const bad = decodeEvent(encodeEvent(event("disputeResolved", { disputeId: TOO_BIG })));
    expect(bad).toBeInstanceOf(DecodeError);
    expect((bad as DecodeError).message).toMatch(/disputeId is 9007199254740992, above 2\^53 - 1/);
    expect(
      decodeEvent(encodeEvent(event("disputeResolved", { disputeId: TOO_BIG - 1n }))),
    ).not.toBeInstanceOf(DecodeError);
  });
});

/**
 * Model-based tests of the state machine: random streams of blocks, each
 * holding random commands resolved against the current state (mostly
 * valid-looking: submissions from assigned miners, challenges, votes,
 * verdicts, trap commit/reveal, aggregation commit/reveal with right or wrong
 * salts, transfers, bonds/unbonds, proposals and votes; some garbage), random
 * lastCommit flags and occasional double-sign evidence. After every block the
 * shared invariants hold (invariants.ts) and no offence is slashed twice. At
 * the end the event log replays to the same state root, and the same stream
 * on a fresh chain gives the same app hash at every height.
 */
import { create } from "@bufbuild/protobuf";
import { bytesToHex } from "@noble/hashes/utils.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GenesisStateSchema, type GenesisState } from "../../src/gen/remes/v1/genesis_pb.ts";
import { DisputeSubject, SubmissionStatus } from "../../src/gen/remes/v1/events_pb.ts";
import { ParamsSchema } from "../../src/gen/remes/v1/params_pb.ts";
import {
  AggregationMethod,
  GpuArch,
  ProposalContentSchema,
  Role,
  VoteOption,
} from "../../src/gen/remes/v1/types_pb.ts";
import { aggregationCommitment, gradientRoot } from "../../src/protocol/aggregation.ts";
import { stateRoot } from "../../src/protocol/apphash.ts";
import { command, type ProtocolCommand } from "../../src/protocol/commands.ts";
import type { Misbehavior, ValidatorVote } from "../../src/protocol/context.ts";
import { isProtocolError } from "../../src/protocol/errors.ts";
import type { ProtocolEvent } from "../../src/protocol/events.ts";
import { initChain } from "../../src/protocol/genesis.ts";
import { checkState, OffenceLedger } from "../../src/protocol/invariants.ts";
import { availabilityBond } from "../../src/protocol/availability.ts";
import { evolveAll } from "../../src/protocol/machine.ts";
import { merkleProof, merkleRoot } from "../../src/protocol/merkle.ts";
import { longestSlashingDelay, UREMES_PER_REMES } from "../../src/protocol/params.ts";
import { hashParts } from "../../src/protocol/randomness.ts";
import { roleKey, type State } from "../../src/protocol/state.ts";
import { submissionsOf } from "../../src/protocol/submissions.ts";
import { trapCommittee, trapCommitment } from "../../src/protocol/traps.ts";
import { MockChain, type BlockOptions } from "../../src/protocol/testing/chain.ts";
import { gradientCommitment } from "../../src/protocol/gradient-commits.ts";
import { demoParams, runDemoWorld } from "../../src/protocol/testing/demo-world.ts";
import { labelAddress as addr } from "../../src/protocol/address.ts";

const REMES = UREMES_PER_REMES;
const validators = [addr("remes1val0"), addr("remes1val1"), addr("remes1val2"), addr("remes1val3")];
const proposer = addr("remes1prop0");
const miners = Array.from({ length: 6 }, (_, i) => addr(`remes1miner${i}`));
const users = [addr("remes1user0"), addr("remes1user1")];
const everyone = [...validators, proposer, ...miners, ...users];
const CHUNK = 64;

const params = () => {
  const p = create(ParamsSchema, {
    ...demoParams(),
    trapCommitmentSlots: 4,
    daChunkBytes: CHUNK,
    daSampleRateBps: 3_000,
    livenessWindowBlocks: 5,
    minSignedBps: 5_000,
    minMinerStake: 1_000n * REMES,
    depositText: 10n * REMES,
    depositParameterChange: 20n * REMES,
    votingBlocksText: 4,
    votingBlocksParameterChange: 5,
    // Two short tier-3 rounds keep the settle delay (room for every round) within a 36-block stream.
    tier3DeadlineBlocks: 3,
    tier3MaxRounds: 2,
  });
  p.unbondingBlocks = longestSlashingDelay(p); // the least validateParams allows with these windows
  return p;
};

const genesis = (): GenesisState =>
  create(GenesisStateSchema, {
    params: params(),
    accounts: everyone.map((address) => ({ address, balance: 100_000n * REMES })),
    roles: [
      ...validators.map((address, i) => ({
        address,
        role: Role.VALIDATOR,
        stake: BigInt(40_000 - i * 5_000) * REMES,
        pubkey: new Uint8Array(32).fill(i + 1),
      })),
      { address: proposer, role: Role.PROPOSER, stake: 10_000n * REMES },
      ...miners.map((address, i) => ({
        address,
        role: Role.MINER,
        stake: 2_000n * REMES,
        gpuArch: i % 3 === 0 ? GpuArch.HOPPER : GpuArch.AMPERE,
      })),
    ],
    vault: [0, 1, 2, 3].map((i) => ({ gradientHash: hashParts("vault", i) })),
  });

// --- random intents, resolved against the state when their block runs ---

const kinds = [
  "submit",
  "submit",
  "submit",
  "submitWrongShard",
  "challenge",
  "lossVote",
  "lossVote",
  "verdict",
  "verdict",
  "trapCommit",
  "trapReveal",
  "aggCommit",
  "aggReveal",
  "aggChallenge",
  "send",
  "bond",
  "unbond",
  "register",
  "propose",
  "vote",
  "vote",
  "daChallenge",
  "daProve",
  "garbage",
  "aggCommit",
  "aggReveal",
  "trapReveal",
  "trapReveal",
] as const;
type Kind = (typeof kinds)[number];

interface Intent {
  readonly kind: Kind;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly flag: boolean;
}

interface BlockPlan {
  readonly intents: readonly Intent[];
  /** One signed flag per validator (lastCommit). */
  readonly signed: readonly boolean[];
  /** Double-sign evidence: validator index and heights back. */
  readonly evidence?: { readonly validator: number; readonly back: number };
  /** Whether to also put all intents in one multi-message transaction. */
  readonly batched: boolean;
}

const intentArb: fc.Arbitrary<Intent> = fc.record({
  kind: fc.constantFrom(...kinds),
  a: fc.nat({ max: 1_000 }),
  b: fc.nat({ max: 1_000 }),
  c: fc.nat({ max: 1_000 }),
  flag: fc.boolean(),
});

const blockArb: fc.Arbitrary<BlockPlan> = fc.record(
  {
    intents: fc.array(intentArb, { maxLength: 6 }),
    signed: fc
      .array(fc.boolean(), { minLength: validators.length, maxLength: validators.length })
      .map((xs) => xs.map((x, i) => x || i % 2 === 0)),
    evidence: fc.option(
      fc.record({ validator: fc.nat({ max: validators.length - 1 }), back: fc.nat({ max: 24 }) }),
      { freq: 8, nil: undefined },
    ),
    batched: fc.boolean(),
  },
  { requiredKeys: ["intents", "signed", "batched"] },
);

// Long enough (fast-check draws up to minLength + ~18 blocks) for window 0 to close after its reveal period and settle.
const streamArb = fc.array(blockArb, { minLength: 10, maxLength: 36 });

const pick = <T>(xs: readonly T[], i: number): T | undefined =>
  xs.length === 0 ? undefined : xs[i % xs.length];

/** Deterministic content of a miner's gradient: honest ⇒ one answer per (window, shard). */
const gradientOf = (window: number, shard: number, lazy: boolean, salt: number) =>
  lazy ? hashParts("lazy", window, shard, salt) : hashParts("gradient", window, shard);
/** DA chunks of a gradient: full CHUNK-byte chunks and a short last one. */
const chunksOf = (hash: Uint8Array, n: number): Uint8Array[] =>
  Array.from({ length: n }, (_, i) =>
    i === n - 1
      ? hashParts("chunk", hash, i).slice(0, 16)
      : new Uint8Array([...hashParts("chunk", hash, i), ...hashParts("chunk2", hash, i)]),
  );
const cidOf = (hash: Uint8Array) =>
  `b${bytesToHex(hash).replace(/[0189]/g, "a")}aaaaaa`.slice(0, 59);

/** Test-side knowledge a real participant would keep off-chain. */
interface World {
  /** gradient hash (hex) → its DA chunks. */
  readonly chunks: Map<string, Uint8Array[]>;
  /** window → salts of trap commitments (shard → salt). */
  readonly trapSalts: Map<number, Map<number, Uint8Array>>;
  /** window → the aggregate the proposer committed to. */
  readonly aggs: Map<number, { cid: string; root: Uint8Array; ids: number[]; salt: Uint8Array }>;
  /** `${window}/${miner}` → the submission its gradient commitment binds (revealed after the commit phase). */
  readonly reveals: Map<string, ProtocolCommand>;
}

const resolve = (state: Readonly<State>, world: World, it: Intent): ProtocolCommand | undefined => {
  const openWindows = [...state.windows.values()].filter((w) => !w.closed);
  const subs = [...state.submissions.values()];
  const disputes = [...state.disputes.values()];
  switch (it.kind) {
    case "submit":
    case "submitWrongShard": {
      const w = pick(openWindows, it.a);
      if (!w) return undefined;
      const assigned = [...w.assignment]
        .filter(([m]) => !w.submittedBy.has(m))
        .sort(([x], [y]) => (x < y ? -1 : 1));
      const entry = pick(assigned, it.b) ?? pick([...w.assignment], it.b);
      if (!entry) return undefined;
      const [miner, assignedShard] = entry;
      // After the commit phase: reveal what was committed (or, with none, send a fresh one, refused).
      const committed = world.reveals.get(`${w.window}/${miner}`);
      if (state.height + 1 > w.commitEndHeight && committed && !it.flag) return committed;
      const shard =
        it.kind === "submitWrongShard"
          ? (assignedShard + 1 + (it.c % 3)) % state.params.totalShards
          : assignedShard;
      const lazy = it.flag && it.c % 3 === 0;
      const hash = gradientOf(w.window, shard, lazy, it.c);
      const nChunks = 1 + (it.c % 3);
      const chunks = chunksOf(hash, nChunks);
      const size = BigInt(chunks.reduce((n, c) => n + c.length, 0));
      const r = command("submitGradient", {
        miner,
        window: w.window,
        shard,
        gradientCid: cidOf(hash),
        gradientHash: hash,
        daRoot: merkleRoot(chunks),
        sizeBytes: size,
        claimedLossMicro: lazy ? 1_000n : 2_000_000n + BigInt(shard),
        gpuArch: GpuArch.AMPERE,
        kernelVersion: "bitnet-cpu/1",
        salt: hashParts("model/salt", miner, w.window, it.c),
      });
      world.chunks.set(bytesToHex(hash), chunks);
      // In the commit phase a submission is committed to first (gradient-commits.ts).
      if (state.height + 1 <= w.commitEndHeight && r.case === "submitGradient") {
        if (!world.reveals.has(`${w.window}/${miner}`))
          world.reveals.set(`${w.window}/${miner}`, r);
        return command("commitGradient", {
          miner,
          window: w.window,
          shard,
          commitment: gradientCommitment(r.value),
        });
      }
      return r;
    }
    case "challenge": {
      const s = pick(subs, it.a);
      if (!s) return undefined;
      const challenger = pick(
        everyone.filter((x) => x !== s.miner),
        it.b,
      )!;
      const bond =
        BigInt(state.params.challengeBondMultiplier) * state.params.baseMinerReward +
        (it.flag ? 0n : BigInt(it.c));
      return command("challengeGradient", {
        challenger,
        submissionId: s.id,
        bond: it.c % 7 === 0 ? 1n : bond,
      });
    }
    case "lossVote": {
      const d = pick(
        disputes.filter((x) => x.tier === 2),
        it.a,
      );
      if (!d) return undefined;
      const s = state.submissions.get(d.subjectId);
      const computed = s && it.flag ? s.claimedLossMicro : BigInt(it.c) * 10_000n;
      return command("voteLossCheck", {
        validator: pick(validators, it.b)!,
        disputeId: d.id,
        computedLossMicro: computed,
      });
    }
    case "verdict": {
      const d = pick(
        disputes.filter((x) => x.tier === 3),
        it.a,
      );
      if (!d) return undefined;
      const validator =
        it.c % 5 === 0 ? pick(validators, it.b)! : (pick(d.panel, it.b) ?? validators[0]!);
      // Mostly a recomputed hash that agrees with the flag (the submitted one, or another); sometimes none or a malformed one.
      const submitted =
        d.subject === DisputeSubject.GRADIENT
          ? state.submissions.get(d.subjectId)?.gradientHash
          : undefined;
      const recomputedHash =
        it.c % 7 === 0
          ? new Uint8Array(it.c % 2 === 0 ? 0 : 31)
          : it.flag && submitted
            ? submitted
            : new Uint8Array(32).fill(it.c % 251);
      return command("submitArbitrationVerdict", {
        validator,
        disputeId: d.id,
        valid: it.flag,
        recomputedHash,
      });
    }
    case "trapCommit": {
      const window = state.nextWindow + (it.a % 2);
      const committee = trapCommittee(state);
      const validator =
        it.c % 6 === 0 ? pick(validators, it.b)! : (pick(committee, it.b) ?? validators[0]!);
      let salts = world.trapSalts.get(window);
      if (!salts) {
        salts = new Map();
        const shards = [0, 1, 2, 3].filter((s) => (it.c >> s) & 1 || s === it.a % 4);
        for (const s of shards) salts.set(s, hashParts("trap-salt", window, s));
        world.trapSalts.set(window, salts);
      }
      const commitments = [...salts].map(([shard, salt]) =>
        trapCommitment(window, shard, shard, salt),
      );
      let i = 0;
      while (commitments.length < state.params.trapCommitmentSlots)
        commitments.push(hashParts("trap-dummy", window, i++));
      commitments.sort((x, y) => Buffer.compare(x, y));
      return command("commitTrapJobs", {
        validator,
        window,
        commitments: it.c % 11 === 0 ? commitments.slice(1) : commitments,
      });
    }
    case "trapReveal": {
      const windows = [...state.traps].filter(([, t]) => t.accepted).map(([w]) => w);
      const window = pick(windows, it.a);
      if (window === undefined) return undefined;
      const t = state.traps.get(window)!.accepted!;
      const salts = world.trapSalts.get(window);
      const w = state.windows.get(window);
      const wanted = [...(salts ?? new Map<number, Uint8Array>())].filter(
        ([shard]) =>
          !t.opened.has(shard) &&
          (w === undefined || [...w.assignment.values()].includes(shard) || it.flag),
      );
      const reveals = wanted.map(([shard, salt]) => ({
        shard,
        vaultEntryId: BigInt(shard),
        salt: it.c % 5 === 0 ? hashParts("wrong-salt", it.c) : salt,
      }));
      return command("revealTrapJobs", { validator: pick(t.committee, it.b)!, window, reveals });
    }
    case "aggCommit": {
      const w = pick(
        [...state.windows.values()].filter((x) => x.aggregation && !x.aggregation.commitment),
        it.a,
      );
      if (!w) return undefined;
      const included = submissionsOf(state, w.window).filter(
        (s) => s.status !== SubmissionStatus.REJECTED,
      );
      const pickSome = included.filter((_, i) => it.flag || i % 2 === 0);
      if (pickSome.length === 0) return undefined;
      const root = gradientRoot(pickSome.map((s) => s.gradientHash));
      const agg = {
        cid: cidOf(hashParts("agg", root)),
        root,
        ids: pickSome.map((s) => s.id),
        salt: hashParts("agg-salt", w.window, it.c),
      };
      world.aggs.set(w.window, agg);
      const who = it.c % 9 === 0 ? pick(validators, it.b)! : w.aggregation!.proposer;
      return command("commitAggregation", {
        proposer: who,
        window: w.window,
        commitment: aggregationCommitment(
          w.window,
          agg.cid,
          agg.root,
          AggregationMethod.MEDIAN,
          agg.salt,
        ),
      });
    }
    case "aggReveal": {
      const w = pick(
        [...state.windows.values()].filter(
          (x) => x.aggregation?.commitment && !x.aggregation.revealed,
        ),
        it.a,
      );
      const agg = w && world.aggs.get(w.window);
      if (!w || !agg) return undefined;
      const wrongSalt = it.c % 4 === 0;
      return command("submitAggregation", {
        proposer: w.aggregation!.proposer,
        window: w.window,
        aggregatedCid: agg.cid,
        merkleRoot: agg.root,
        submissionIds: agg.ids,
        method: AggregationMethod.MEDIAN,
        salt: wrongSalt ? hashParts("bad-salt", it.c) : agg.salt,
      });
    }
    case "aggChallenge": {
      const w = pick(
        [...state.windows.values()].filter((x) => x.aggregation?.revealed),
        it.a,
      );
      if (!w) return undefined;
      return command("challengeAggregation", {
        challenger: pick(everyone, it.b)!,
        aggregationId: w.aggregation!.revealed!.id,
        bond: BigInt(state.params.challengeBondMultiplier) * state.params.baseMinerReward,
        reason: "bad aggregate",
      });
    }
    case "send":
      return command("send", {
        fromAddress: pick(everyone, it.a)!,
        toAddress: it.flag ? pick(everyone, it.b)! : addr(`remes1new${it.b % 3}`),
        amount: BigInt(it.c) * REMES + 1n,
      });
    case "bond": {
      const r = pick([...state.roles.values()], it.a)!;
      return command("bond", {
        address: r.address,
        role: r.role,
        amount: BigInt(it.c + 1) * REMES,
      });
    }
    case "unbond": {
      const r = pick([...state.roles.values()], it.a)!;
      const amount = it.flag ? r.stake : (r.stake * BigInt(it.c % 100)) / 100n + 1n;
      return command("unbond", { address: r.address, role: r.role, amount });
    }
    case "register": {
      const who = pick([...users, ...everyone], it.a)!;
      return it.flag
        ? command("registerMiner", {
            miner: who,
            stake: BigInt(1_000 + it.c) * REMES,
            gpuArch: GpuArch.AMPERE,
          })
        : command("registerValidator", {
            validator: who,
            stake: BigInt(10_000 + it.c) * REMES,
            pubkey: new Uint8Array(32).fill(it.b % 256),
          });
    }
    case "propose": {
      const who = pick(everyone, it.a)!;
      const content = it.flag
        ? create(ProposalContentSchema, {
            title: `text ${it.c}`,
            kind: { case: "text", value: {} },
          })
        : create(ProposalContentSchema, {
            title: `param ${it.c}`,
            kind: {
              case: "parameterChange",
              value: {
                changes: [
                  {
                    key: pick(
                      [
                        "tier2_voting_blocks",
                        "base_miner_reward",
                        "unbonding_blocks",
                        "no_such_param",
                      ],
                      it.b,
                    )!,
                    value: String(pick([1, 2, 3, 8, 40], it.c)),
                  },
                ],
              },
            },
          });
      return command("submitProposal", {
        proposer: who,
        content,
        deposit: it.flag ? state.params.depositText : state.params.depositParameterChange,
      });
    }
    case "vote": {
      const p = pick([...state.proposals.values()], it.a);
      if (!p) return undefined;
      return command("vote", {
        voter: pick(everyone, it.b)!,
        proposalId: p.id,
        option: pick(
          [VoteOption.YES, VoteOption.NO, VoteOption.ABSTAIN, VoteOption.NO_WITH_VETO],
          it.c,
        )!,
      });
    }
    case "daChallenge": {
      const s = pick(subs, it.a);
      if (!s) return undefined;
      return command("challengeAvailability", {
        challenger: pick(everyone, it.b)!,
        submissionId: s.id,
        bond: it.flag ? availabilityBond(state, s.miner) : 1n,
      });
    }
    case "daProve": {
      const c = pick([...state.availability.values()], it.a);
      if (!c) return undefined;
      const sub = state.submissions.get(c.submissionId);
      const chunks = sub && world.chunks.get(bytesToHex(sub.gradientHash));
      if (!chunks || c.chunkIndex >= chunks.length)
        return command("proveAvailability", {
          miner: c.miner,
          challengeId: c.id,
          chunk: new Uint8Array(CHUNK),
        });
      const proof = merkleProof(chunks, c.chunkIndex);
      const chunk =
        it.c % 6 === 0 ? new Uint8Array(chunks[c.chunkIndex]!.length) : chunks[c.chunkIndex]!;
      return command("proveAvailability", {
        miner: c.miner,
        challengeId: c.id,
        chunk,
        proof: { index: proof.index, leafCount: proof.leafCount, siblings: [...proof.siblings] },
      });
    }
    case "garbage": {
      const g: ProtocolCommand[] = [
        command("send", { fromAddress: "module:escrow", toAddress: users[0]!, amount: 5n }),
        command("send", { fromAddress: users[0]!, toAddress: "", amount: 0n }),
        command("submitGradient", { miner: users[1]!, window: it.b, shard: it.c }),
        command("voteLossCheck", { validator: users[0]!, disputeId: it.b }),
        command("submitArbitrationVerdict", { validator: validators[0]!, disputeId: 999_999 }),
        command("unbond", { address: miners[0]!, role: Role.MINER, amount: 2n ** 64n - 1n }),
        command("revealTrapJobs", { validator: validators[0]!, window: it.b, reveals: [] }),
        command("submitAggregation", { proposer, window: it.b, submissionIds: [3, 2, 1] }),
        command("vote", { voter: validators[0]!, proposalId: 77, option: 99 as VoteOption }),
        command("registerProposer", { proposer: users[0]!, stake: 1n }),
        command("proveAvailability", { miner: miners[0]!, challengeId: it.b }),
      ];
      return pick(g, it.c);
    }
  }
};

interface Run {
  readonly chain: MockChain;
  readonly txs: (readonly ProtocolCommand[])[][];
  readonly opts: BlockOptions[];
  readonly appHashes: string[];
  readonly accepted: number;
}

/** Runs a stream, checking the invariants after every block. */
const runStream = (stream: readonly BlockPlan[]): Run => {
  const chain = new MockChain(genesis(), "model");
  const world: World = {
    chunks: new Map(),
    trapSalts: new Map(),
    aggs: new Map(),
    reveals: new Map(),
  };
  const ledger = new OffenceLedger();
  const txsLog: (readonly ProtocolCommand[])[][] = [];
  const optsLog: BlockOptions[] = [];
  const appHashes: string[] = [];
  let accepted = 0;
  for (const plan of stream) {
    const cmds = plan.intents.flatMap((i) => resolve(chain.state, world, i) ?? []);
    const txs: (readonly ProtocolCommand[])[] = cmds.map((c) => [c]);
    if (plan.batched && cmds.length > 1) txs.push(cmds.slice(0, 3));
    const height = chain.height + 1;
    const lastCommit: ValidatorVote[] = validators.map((address, i) => ({
      address,
      signed: plan.signed[i]!,
    }));
    const misbehavior: Misbehavior[] =
      plan.evidence && height - plan.evidence.back >= 1
        ? [
            {
              kind: "duplicate_vote",
              validator: validators[plan.evidence.validator]!,
              height: height - 1 - plan.evidence.back,
            },
          ]
        : [];
    const opts: BlockOptions = { lastCommit, misbehavior };
    const r = chain.block(txs, opts);
    accepted += r.txResults.filter((t) => t.code === 0).length;
    txsLog.push(txs);
    optsLog.push(opts);
    appHashes.push(bytesToHex(chain.appHash));
    const broken = checkState(chain.state);
    if (broken.length > 0) throw new Error(`after block ${chain.height}: ${broken.join("; ")}`);
    for (const e of r.events) {
      if (e.case !== "gradientSubmitted") continue;
      const v = e.value;
      if (!chain.state.roles.get(roleKey(Role.MINER, v.miner)))
        throw new Error(
          `block ${chain.height}: submission ${v.submissionId} from unregistered ${v.miner}`,
        );
      const assigned = chain.state.windows.get(Number(v.window))?.assignment.get(v.miner);
      if (assigned !== v.shard)
        throw new Error(
          `block ${chain.height}: submission ${v.submissionId} of ${v.miner} for shard ${v.shard}, assigned ${assigned}`,
        );
    }
    const doubled = ledger.observe(r.events);
    if (doubled.length > 0) throw new Error(`after block ${chain.height}: ${doubled.join("; ")}`);
  }
  return { chain, txs: txsLog, opts: optsLog, appHashes, accepted };
};

const replayRoot = (chain: MockChain): string => {
  const s = initChain(genesis());
  if (isProtocolError(s)) throw new Error(s.message);
  const all: ProtocolEvent[] = chain.log.flat();
  return bytesToHex(stateRoot(evolveAll(s, all)));
};

describe("model: random command streams", () => {
  it("keep every invariant after every block, and the log replays to the live state", () => {
    let blocks = 0;
    let accepted = 0;
    let slashes = 0;
    let settled = 0;
    fc.assert(
      fc.property(streamArb, (stream) => {
        const run = runStream(stream);
        blocks += stream.length;
        accepted += run.accepted;
        const events = run.chain.log.flat();
        slashes += events.filter((e) => e.case === "slashed").length;
        settled += events.filter((e) => e.case === "windowSettled").length;
        expect(replayRoot(run.chain)).toBe(bytesToHex(stateRoot(run.chain.state)));
      }),
      { numRuns: 1_500 },
    );
    // The streams exercise the machine, not just its error paths.
    expect(accepted).toBeGreaterThan(blocks / 2);
    expect(slashes).toBeGreaterThan(0);
    expect(settled).toBeGreaterThan(0);
  });

  it("the same stream on two fresh chains gives the same app hash at every height", () => {
    fc.assert(
      fc.property(streamArb, (stream) => {
        const first = runStream(stream);
        const again = new MockChain(genesis(), "model");
        first.txs.forEach((txs, i) => {
          again.block(txs, first.opts[i]);
          expect(bytesToHex(again.appHash)).toBe(first.appHashes[i]);
        });
        expect(bytesToHex(stateRoot(again.state))).toBe(bytesToHex(stateRoot(first.chain.state)));
      }),
      { numRuns: 200 },
    );
  });
});

describe("model: the demo world is deterministic", () => {
  it("same seed, same final app hash; another seed, another", () => {
    const a = bytesToHex(runDemoWorld(11).appHash);
    const b = bytesToHex(runDemoWorld(11).appHash);
    const c = bytesToHex(runDemoWorld(12).appHash);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });
});

describe("model: regressions", () => {
  // Found while writing the model: offence keys are pruned at window
  // settlement with the unbonding period then in force; a later governance
  // change that lengthens the period re-admitted the same double-sign
  // evidence, and the validator was slashed twice for one offence.
  it("a longer unbonding period after pruning does not re-admit old evidence", () => {
    const g = genesis();
    g.params!.unbondingBlocks = longestSlashingDelay(g.params!);
    const chain = new MockChain(g, "regression");
    const ledger = new OffenceLedger();
    const evidence: BlockOptions = {
      misbehavior: [{ kind: "duplicate_vote", validator: validators[1]!, height: 2 }],
    };
    const step = (txs: (readonly ProtocolCommand[])[] = [], opts: BlockOptions = {}) => {
      const r = chain.block(txs, opts);
      expect(ledger.observe(r.events)).toEqual([]);
      expect(checkState(chain.state)).toEqual([]);
      return r;
    };
    step();
    step();
    expect(step([], evidence).events.some((e) => e.case === "slashed")).toBe(true);
    // Windows settle: once the offence is older than the period, a settlement prunes it.
    while (chain.state.offences.size > 0 && chain.height < 80) step();
    expect(chain.state.offences.size).toBe(0);
    // Governance lengthens the unbonding period; every validator votes yes.
    const content = create(ProposalContentSchema, {
      title: "longer unbonding",
      kind: {
        case: "parameterChange",
        value: { changes: [{ key: "unbonding_blocks", value: "1000" }] },
      },
    });
    step([
      [
        command("submitProposal", {
          proposer: validators[0]!,
          content,
          deposit: chain.state.params.depositParameterChange,
        }),
      ],
    ]);
    const id = chain.state.counters.nextProposalId - 1;
    step(
      validators.map((voter) => [
        command("vote", { voter, proposalId: id, option: VoteOption.YES }),
      ]),
    );
    while (chain.height < 80 && chain.state.params.unbondingBlocks !== 1000) step();
    expect(chain.state.params.unbondingBlocks).toBe(1000);
    // The same evidence again: within the new period, but already punished.
    expect(
      step([], evidence).events.some((e) => e.case === "slashed" && e.value.offence === 1),
    ).toBe(false);
  });
});

/**
 * A small scripted world for the demo and the end-to-end tests: 4
 * validators, 1 proposer, 8 miners of which one is lazy, short windows. Two
 * windows run: in window 0 the lazy miner's gradient disagrees with its
 * shard peers (tier 1), the protocol disputes it, validators' loss checks
 * escalate it, and a tier-3 panel rejects it; window 1 is seeded with trap
 * jobs by the trap committee, and the lazy miner fails its trap. The
 * proposer aggregates window 0, and settlement pays the honest miners.
 */
import { create } from "@bufbuild/protobuf";
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { GenesisStateSchema } from "../../gen/remes/v1/genesis_pb.ts";
import { ParamsSchema } from "../../gen/remes/v1/params_pb.ts";
import { AggregationMethod, GpuArch, Role } from "../../gen/remes/v1/types_pb.ts";
import { aggregationCommitment, gradientRoot } from "../aggregation.ts";
import { command, type ProtocolCommand } from "../commands.ts";
import { gradientCommitment } from "../gradient-commits.ts";
import { merkleRoot } from "../merkle.ts";
import { defaultParams, UREMES_PER_REMES } from "../params.ts";
import { hashParts } from "../randomness.ts";
import { submissionsOf } from "../submissions.ts";
import { trapCommittee, trapCommitment } from "../traps.ts";
import { MockChain } from "./chain.ts";
import { labelAddress as addr } from "../address.ts";

export const validators = [
  addr("remes1val0"),
  addr("remes1val1"),
  addr("remes1val2"),
  addr("remes1val3"),
];
export const proposer = addr("remes1prop0");
export const miners = Array.from({ length: 8 }, (_, i) => addr(`remes1miner${i}`));
export const lazyMiner = miners[7]!;
const REMES = UREMES_PER_REMES;

export const demoParams = () =>
  create(ParamsSchema, {
    ...defaultParams(),
    windowBlocks: 10,
    totalShards: 4,
    challengeWindowBlocks: 3,
    tier2VotingBlocks: 2,
    tier3DeadlineBlocks: 5,
    aggregationCommitBlocks: 3,
    aggregationRevealBlocks: 3,
    aggregationChallengeBlocks: 3,
    trapRevealBlocks: 5,
    trapCommitmentSlots: 6,
    gradientRevealBlocks: 2,
    daSampleRateBps: 1, // the least sampling validateParams accepts (0 switches the defence off); no submission is sampled in the demo
  });

export const demoChain = (seed: number): MockChain =>
  new MockChain(
    create(GenesisStateSchema, {
      params: demoParams(),
      accounts: [...validators, proposer, ...miners].map((address) => ({
        address,
        balance: 100_000n * REMES,
      })),
      roles: [
        ...validators.map((address, i) => ({
          address,
          role: Role.VALIDATOR,
          stake: BigInt(40_000 - i * 5_000) * REMES,
          pubkey: new Uint8Array(32).fill(i + 1),
        })),
        { address: proposer, role: Role.PROPOSER, stake: 10_000n * REMES },
        ...miners.map((address) => ({
          address,
          role: Role.MINER,
          stake: 2_000n * REMES,
          gpuArch: GpuArch.AMPERE,
        })),
      ],
      vault: [0, 1, 2, 3].map((i) => ({ gradientHash: sha256(utf8ToBytes(`genesis-vault-${i}`)) })),
    }),
    `demo-${seed}`,
  );

/** The simulated training result of an honest miner (same task ⇒ same bytes). */
const honestGradient = (window: number, shard: number) =>
  sha256(utf8ToBytes(`gradient/${window}/${shard}`));
/** CIDv1, raw codec (0x55), sha2-256 multihash (0x12) of the stored bytes. */
const cidOf = (hash: Uint8Array) => CID.createV1(0x55, Digest.create(0x12, hash)).toString();
const lossOf = (window: number, shard: number) =>
  2_000_000n + BigInt(shard) * 1_000n - BigInt(window) * 10_000n;

/** Every assigned miner's submission for `window` (its reveal; `commitments` gives the commit phase's txs). */
const submissions = (
  chain: MockChain,
  window: number,
  answer: (miner: string, shard: number) => Uint8Array,
): ProtocolCommand[] => {
  const w = chain.state.windows.get(window)!;
  return [...w.assignment]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([miner, shard]) => {
      const hash = answer(miner, shard);
      return command("submitGradient", {
        miner,
        window,
        shard,
        gradientCid: cidOf(hash),
        gradientHash: hash,
        daRoot: merkleRoot([hash]),
        sizeBytes: 1_000n,
        claimedLossMicro: miner === lazyMiner ? 100_000n : lossOf(window, shard),
        gpuArch: GpuArch.AMPERE,
        kernelVersion: "bitnet-cpu/1",
        salt: hashParts("demo/salt", miner, window),
      });
    });
};

/** The commit phase's MsgCommitGradient of each submission (gradient-commits.ts). */
const gradientCommits = (subs: readonly ProtocolCommand[]): ProtocolCommand[] =>
  subs.flatMap((c) =>
    c.case === "submitGradient"
      ? [
          command("commitGradient", {
            miner: c.value.miner,
            window: c.value.window,
            shard: c.value.shard,
            commitment: gradientCommitment(c.value),
          }),
        ]
      : [],
  );

/** Runs the script; returns the chain after window 0 has settled. */
export const runDemoWorld = (seed: number): MockChain => {
  const chain = demoChain(seed);
  const lazy = (real: Uint8Array) => (miner: string) =>
    miner === lazyMiner ? hashParts("lazy", seed, chain.height) : real;

  // Block 1 opens window 0; the trap committee commits window 1's traps:
  // every shard is a trap here, so the demo shows detection for any seed.
  const salts = [0, 1, 2, 3].map((s) => hashParts("salt", seed, s));
  const commitments = [0, 1, 2, 3].map((shard) => trapCommitment(1, shard, shard, salts[shard]!));
  while (commitments.length < chain.state.params.trapCommitmentSlots)
    commitments.push(hashParts("dummy", seed, commitments.length));
  commitments.sort((a, b) => Buffer.compare(a, b));
  chain.block();
  const committee = trapCommittee(chain.state);
  chain.exec(
    ...committee
      .slice(0, 2)
      .map((validator) => command("commitTrapJobs", { validator, window: 1, commitments })),
  );

  // Window 0: everyone trains and commits; the lazy miner makes up a hash.
  const w0 = submissions(chain, 0, (m, shard) => lazy(honestGradient(0, shard))(m));
  chain.exec(...gradientCommits(w0));
  chain.advanceTo(10); // window 0's last block: its commit phase ends
  // Window 1 opens at 11 while window 0 reveals (gradient_reveal_blocks 2).
  chain.exec(...w0);
  chain.advanceTo(12); // close: tier 1 sends the mismatches to tier-3 panels, a proposer is drawn

  // The proposer commits to window 0's aggregate. Then it reveals while
  // miners train on window 1 — all trap shards, and every miner gets its
  // normal task (a trap is an audit of the real job).
  const w1 = submissions(chain, 1, (m, shard) => lazy(honestGradient(1, shard))(m));
  chain.block([...commitAggregation(chain, 0, seed)].map((c) => [c]));
  chain.block([...revealAggregation(chain, 0, seed), ...gradientCommits(w1)].map((c) => [c]));
  const correctHash = (window: number, shard: number) => honestGradient(window, shard);
  chain.exec(...verdicts(chain, correctHash)); // tier-3 panels recompute on CPU

  chain.advanceTo(20);
  chain.exec(...w1); // window 1's reveals
  chain.advanceTo(22); // window 1 closes
  const trapShards = [...new Set(chain.state.windows.get(1)!.assignment.values())].sort(
    (a, b) => a - b,
  );
  chain.block(
    [
      command("revealTrapJobs", {
        validator: committee[0]!,
        window: 1,
        reveals: trapShards.map((shard) => ({
          shard,
          vaultEntryId: BigInt(shard),
          salt: salts[shard]!,
        })),
      }),
      ...commitAggregation(chain, 1, seed),
    ].map((c) => [c]),
  );
  chain.exec(...revealAggregation(chain, 1, seed));
  chain.exec(...verdicts(chain, correctHash)); // the trap audits and tier 1's disputes, recomputed

  chain.advanceTo(chain.state.windows.get(1)?.settleHeight ?? chain.height);
  return chain;
};

/** Tier-3 panel members recompute bit-exactly and send the hash they got: only the lazy miner's differs. */
const verdicts = (
  chain: MockChain,
  correctHash: (window: number, shard: number) => Uint8Array,
): ProtocolCommand[] =>
  [...chain.state.disputes.values()]
    .filter((d) => d.tier === 3)
    .flatMap((d) => {
      const s = chain.state.submissions.get(d.subjectId)!;
      const recomputedHash = correctHash(s.window, s.shard);
      return d.panel.map((validator) =>
        command("submitArbitrationVerdict", {
          validator,
          disputeId: d.id,
          valid: s.miner !== lazyMiner,
          recomputedHash,
        }),
      );
    });

const aggregateOf = (chain: MockChain, window: number, seed: number) => {
  const included = submissionsOf(chain.state, window).filter((s) => s.miner !== lazyMiner);
  const root = gradientRoot(included.map((s) => s.gradientHash));
  return { included, root, cid: cidOf(sha256(root)), salt: hashParts("agg-salt", seed, window) };
};

const commitAggregation = (chain: MockChain, window: number, seed: number): ProtocolCommand[] => {
  const agg = chain.state.windows.get(window)?.aggregation;
  if (!agg) return [];
  const a = aggregateOf(chain, window, seed);
  return [
    command("commitAggregation", {
      proposer: agg.proposer,
      window,
      commitment: aggregationCommitment(window, a.cid, a.root, AggregationMethod.MEDIAN, a.salt),
    }),
  ];
};

const revealAggregation = (chain: MockChain, window: number, seed: number): ProtocolCommand[] => {
  const agg = chain.state.windows.get(window)?.aggregation;
  if (!agg) return [];
  const a = aggregateOf(chain, window, seed);
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

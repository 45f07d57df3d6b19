/**
 * Governance parameters with the seed documents' values as defaults.
 * Durations given in days by the seeds are converted at 5 s per block
 * (the seed's "100 blocks, ~8-10 minutes" window); amounts are uremes.
 */
import { clone, create } from "@bufbuild/protobuf";
import { BondDestination, type Params, ParamsSchema } from "../gen/remes/v1/params_pb.ts";
import type { ParamChange } from "../gen/remes/v1/types_pb.ts";
import { fail, type ProtocolError } from "./errors.ts";

export const UREMES_PER_REMES = 1_000_000n;
const remes = (n: bigint): bigint => n * UREMES_PER_REMES;
const BLOCKS_PER_DAY = 17_280; // 86,400 s / 5 s

export const defaultParams = (): Params =>
  create(ParamsSchema, {
    windowBlocks: 100, // seed 002 §11.3: training windows of 100 blocks
    totalShards: 1024,
    minMinersPerShard: 2,
    maxGradientBytes: 100n * 1024n * 1024n, // seed 000: 10-100 MB per epoch
    maxCidLength: 128,
    maxKernelVersionLength: 64,
    maxClaimedLossMicro: 100_000_000n,
    challengeWindowBlocks: 20,
    challengeBondMultiplier: 10, // seed 002 §9.1: bond 10x base reward
    tier2VotingBlocks: 5, // seed 000: layer 2 ~5 blocks
    tier2QuorumBps: 5_000,
    lossToleranceBps: 100,
    tier3PanelSize: 3, // seed 000: 3-validator panel
    tier3DeadlineBlocks: 50, // seed 000: layer 3 ~50 blocks
    trapRateBps: 1_000, // seed 000: 10% trap jobs
    trapCommitmentSlots: 128,
    trapCommitteeSize: 3, // seed 002 §10.1: top 3 validators by stake
    trapThreshold: 2, // 2-of-3 multisig
    trapRevealBlocks: 10,
    vaultMaxEntries: 1_024,
    vaultReusePerWindow: 4,
    aggregationCommitBlocks: 10,
    aggregationRevealBlocks: 10,
    aggregationChallengeBlocks: 20,
    baseMinerReward: remes(10n),
    proposerReward: remes(50n),
    validatorVerificationReward: remes(1n),
    qualityVerifiedBps: 10_000,
    qualityOptimisticBps: 8_000,
    slashDoubleSignBps: 500, // seed 000: 5%
    slashDowntimeBps: 1, // seed 000: 0.01%
    slashLazyMiningBps: 5_000, // seed 000: 50%
    slashFalseVerificationBps: 2_000, // seed 000: 20%
    slashAvailabilityBps: 1_000,
    slashProposerFaultBps: 2_000,
    slashBurnBps: 5_000,
    challengerRewardBps: 5_000,
    forfeitedBondDestination: BondDestination.WINNER,
    livenessWindowBlocks: 100,
    minSignedBps: 5_000,
    minMinerStake: remes(1_000n),
    minValidatorStake: remes(10_000n),
    minProposerStake: remes(5_000n),
    minServingStake: remes(1_000n),
    unbondingBlocks: 21 * BLOCKS_PER_DAY,
    depositText: remes(100n), // seed 000 governance table
    depositParameterChange: remes(500n),
    depositModelUpgrade: remes(1_000n),
    depositSoftwareUpgrade: remes(1_000n),
    votingBlocksText: 14 * BLOCKS_PER_DAY,
    votingBlocksParameterChange: 14 * BLOCKS_PER_DAY,
    votingBlocksModelUpgrade: 21 * BLOCKS_PER_DAY,
    votingBlocksSoftwareUpgrade: 21 * BLOCKS_PER_DAY,
    quorumBps: 4_000, // 40%
    thresholdBps: 5_000, // 50%
    vetoBps: 3_340, // 33.4%
    daSampleRateBps: 1_000, // seed 002 §5.4: 10% of submissions
    daResponseBlocks: 3, // seed 000: 3-block response window
    daChunkBytes: 1_024,
    daChallengeBond: remes(1n),
    maxTxMessages: 64,
    maxAggregationSubmissions: 100_000,
    // Seeds are silent on the set's size: CometBFT's default (Cosmos SDK max_validators) is 100.
    maxConsensusValidators: 100,
    // Seeds are silent on jailing: one day out of the set after a downtime or double-sign slash.
    validatorJailBlocks: BLOCKS_PER_DAY,
  });

const BPS = 10_000;
type Check = readonly [keyof Params, (p: Params) => boolean, string];

const checks: readonly Check[] = [
  ["windowBlocks", (p) => p.windowBlocks >= 2, "must be at least 2"],
  ["totalShards", (p) => p.totalShards >= 1, "must be at least 1"],
  ["minMinersPerShard", (p) => p.minMinersPerShard >= 1, "must be at least 1"],
  ["tier3PanelSize", (p) => p.tier3PanelSize >= 1 && p.tier3PanelSize % 2 === 1, "must be odd and at least 1"],
  ["trapThreshold", (p) => p.trapThreshold >= 1 && p.trapThreshold <= p.trapCommitteeSize, "must be in 1..trap_committee_size"],
  ["trapCommitmentSlots", (p) => p.trapCommitmentSlots >= 1 && p.trapCommitmentSlots <= 4_096, "must be in 1..4096"],
  ["daChunkBytes", (p) => p.daChunkBytes >= 32 && p.daChunkBytes <= 65_536, "must be in 32..65536"],
  ["daResponseBlocks", (p) => p.daResponseBlocks >= 1, "must be at least 1"],
  ["tier2VotingBlocks", (p) => p.tier2VotingBlocks >= 1, "must be at least 1"],
  ["tier3DeadlineBlocks", (p) => p.tier3DeadlineBlocks >= 1, "must be at least 1"],
  ["aggregationCommitBlocks", (p) => p.aggregationCommitBlocks >= 1, "must be at least 1"],
  ["aggregationRevealBlocks", (p) => p.aggregationRevealBlocks >= 1, "must be at least 1"],
  ["livenessWindowBlocks", (p) => p.livenessWindowBlocks >= 1, "must be at least 1"],
  ["maxTxMessages", (p) => p.maxTxMessages >= 1, "must be at least 1"],
  // A set of 0 would halt the chain (CometBFT refuses an empty validator set); 10,000 keeps end-block work bounded.
  ["maxConsensusValidators", (p) => p.maxConsensusValidators >= 1 && p.maxConsensusValidators <= 10_000, "must be in 1..10000"],
  ["forfeitedBondDestination", (p) => p.forfeitedBondDestination >= 1 && p.forfeitedBondDestination <= 3, "must be 1 (burn), 2 (community pool) or 3 (winner)"],
];

const bpsFields: readonly (keyof Params)[] = [
  "tier2QuorumBps", "lossToleranceBps", "trapRateBps", "qualityVerifiedBps", "qualityOptimisticBps",
  "slashDoubleSignBps", "slashDowntimeBps", "slashLazyMiningBps", "slashFalseVerificationBps",
  "slashAvailabilityBps", "slashProposerFaultBps", "slashBurnBps", "challengerRewardBps", "minSignedBps",
  "quorumBps", "thresholdBps", "vetoBps", "daSampleRateBps",
];

/** Checks the relations the state machine relies on; the first broken one is reported. */
export const validateParams = (p: Params): ProtocolError | undefined => {
  for (const f of bpsFields) {
    const v = p[f] as number;
    if (v > BPS) return fail("invalidParams", `${snake(f)} is ${v}: basis points must be at most 10000`);
  }
  for (const [field, ok, why] of checks) {
    if (!ok(p)) return fail("invalidParams", `${snake(field)} ${why} (got ${String(p[field])})`);
  }
  return undefined;
};

const snake = (camel: string): string => camel.replace(/[A-Z0-9]+/g, (m) => `_${m.toLowerCase()}`);

const U64_MAX = 2n ** 64n - 1n;
const U32_MAX = 2 ** 32 - 1;

/**
 * Applies parameter changes (snake_case field names, decimal values) to a copy
 * of `params`. The field list and types come from the proto descriptor, so a
 * new field in params.proto is governable with no change here.
 */
export const applyParamChanges = (params: Params, changes: readonly ParamChange[]): Params | ProtocolError => {
  // clone, not create: create() returns a message of the same schema as is,
  // so the changes below would be written into the caller's (the state's) params.
  const next = clone(ParamsSchema, params);
  for (const change of changes) {
    const field = ParamsSchema.fields.find((f) => f.name === change.key);
    if (field === undefined || field.fieldKind === "message" || field.fieldKind === "list" || field.fieldKind === "map") {
      return fail("invalidParams", `unknown parameter "${change.key}"; parameters are the snake_case fields of remes.remes.v1.Params`);
    }
    if (!/^[0-9]{1,20}$/.test(change.value)) {
      return fail("invalidParams", `parameter ${change.key}: "${change.value}" is not a non-negative decimal integer`);
    }
    const value = BigInt(change.value);
    const name = field.localName as keyof Params;
    if (typeof next[name] === "bigint") {
      if (value > U64_MAX) return fail("invalidParams", `parameter ${change.key}: ${change.value} exceeds uint64`);
      (next as Record<string, unknown>)[name] = value;
    } else {
      if (value > BigInt(U32_MAX)) return fail("invalidParams", `parameter ${change.key}: ${change.value} exceeds uint32`);
      (next as Record<string, unknown>)[name] = Number(value);
    }
  }
  return validateParams(next) ?? next;
};

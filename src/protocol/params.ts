/**
 * Governance parameters with the seed documents' values as defaults.
 * Durations given in days by the seeds are converted at 5 s per block
 * (the seed's "100 blocks, ~8-10 minutes" window); amounts are uremes.
 */
import { clone, create } from "@bufbuild/protobuf";
import { BondDestination, type Params, ParamsSchema } from "../gen/remes/v1/params_pb.ts";
import type { ParamChange } from "../gen/remes/v1/types_pb.ts";
import { fail, type ProtocolError } from "./errors.ts";
import { settleDelay } from "./windows.ts";

export const UREMES_PER_REMES = 1_000_000n;
const remes = (n: bigint): bigint => n * UREMES_PER_REMES;
const BLOCKS_PER_DAY = 17_280; // 86,400 s / 5 s
/**
 * Minted per block for the validators who signed (validator-rewards.ts). Seed
 * 000 names block production as validator pay but gives no rate: half a REMES
 * a block (≈ 3.2 M REMES a year), the scale of proposer_reward (50 REMES a
 * 100-block window), far above a validator's costs under src/sim/costs.ts.
 */
const BLOCK_INFLATION_REWARD = 500_000n;

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
    // A tier-3 recomputation is the miner's job done again: paid like one (disputes.ts pays it for protocol audits).
    validatorVerificationReward: remes(10n),
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
    maxUnbondingEntries: 7, // the Cosmos SDK's MaxEntries; seeds silent (issue 13, bounded state)
    isolationAuditBps: 500, // 5%: p* ≈ 2% with a 2.5× margin (verification/isolation.ts)
    maxKernelVersions: 16,
    daChallengeBondSlashBps: 2_500, // availability.ts: the griefer loses for any censoring share < 1/3
    daResponseProposers: 2, // availability.ts: one censoring proposer cannot close a response window
    blockInflationReward: BLOCK_INFLATION_REWARD,
    blockProposerBonusBps: 1_000, // validator-rewards.ts
    // Seeds silent: pay accrues every block and is paid out every 100 blocks (~8 min at 5 s), one event per payee
    // instead of one per signer per block (validator-rewards.ts).
    validatorPayPeriodBlocks: 100,
    // Seed 002 §10.2 slashes lazy validation without a rate: a missing panel verdict costs half a false one
    // (the dispute is re-drawn, not misjudged) yet far more than any bribe for silence (panel-rounds.ts).
    slashNoVerdictBps: 1_000,
    // Seeds silent (gradient-commits.ts): 5 blocks (~25 s) to reveal one small tx after the window's last block,
    // and an unrevealed commitment slashed 1%: one base reward at the minimum stake (the argument is there).
    gradientRevealBlocks: 5,
    slashUnrevealedCommitBps: 100,
    tier3MaxRounds: 3,
    // Seeds are silent on the set's size: CometBFT's default (Cosmos SDK max_validators) is 100.
    maxConsensusValidators: 100,
    // Seeds are silent on jailing: one day out of the set after a downtime or double-sign slash.
    validatorJailBlocks: BLOCKS_PER_DAY,
    // Seeds silent (governance.ts): a week lets a client that missed the tally's event read the outcome, and
    // holds at most a week of finished proposals (each costs only a deposit: an attacker could grow the set).
    talliedProposalRetentionBlocks: 7 * BLOCKS_PER_DAY,
  });

const BPS = 10_000;
/** The longest a tallied proposal may stay in state (governance.ts). */
export const MAX_PROPOSAL_RETENTION_BLOCKS = 30 * BLOCKS_PER_DAY;
/** Amounts and their sums per window stay below 2^63: a signed 64-bit integer (the Cosmos SDK's Int) holds every one. */
export const MAX_AMOUNT = 2n ** 63n - 1n;

type Rule = readonly [field: keyof Params, ok: (p: Params) => boolean, why: (p: Params) => string];
const atLeast = (field: keyof Params, min: number, why = ""): Rule => [
  field,
  (p) => (p[field] as number) >= min,
  () => `must be at least ${min}${why}`,
];
const positive = (field: keyof Params, why: string): Rule => [
  field,
  (p) => (typeof p[field] === "bigint" ? (p[field] as bigint) > 0n : (p[field] as number) > 0),
  () => `must not be 0: ${why}`,
];
const amount = (field: keyof Params): Rule => [
  field,
  (p) => (p[field] as bigint) <= MAX_AMOUNT,
  () => `must be at most 2^63 - 1 uremes`,
];

/** Blocks from an offence's first possible block (a submission at a window's start) to its last possible slash (the window's settlement). */
export const longestSlashingDelay = (p: Params): number =>
  p.windowBlocks + p.gradientRevealBlocks + settleDelay(p);

/** The most one window can mint (rewards.ts payWindow, disputes.ts verification rewards): every submission of a full aggregation verified and paid, each checked by a full tier-3 panel, plus the proposer. */
export const maxWindowMint = (p: Params): bigint =>
  ((p.baseMinerReward * BigInt(Math.max(p.qualityVerifiedBps, p.qualityOptimisticBps))) /
    BigInt(BPS)) *
    BigInt(p.maxAggregationSubmissions) *
    BigInt(p.totalShards) +
  p.validatorVerificationReward *
    BigInt(p.tier3PanelSize) *
    BigInt(p.maxAggregationSubmissions) *
    BigInt(p.totalShards) +
  p.proposerReward;

/**
 * Every field of Params and the rule it must meet, checked in this order (the
 * first broken one is reported, naming the field). A parameter change, the
 * genesis parameters and a scenario's parameters all pass through these: no
 * governance vote can switch a defence off. Where the seeds set a value the
 * rule keeps its purpose; the floors are this file's choice (the seeds are
 * silent on them) and are the smallest values that keep each defence alive.
 */
const rules: readonly Rule[] = [
  // --- Training windows and shards.
  atLeast("windowBlocks", 2, ": a window opens and closes on different blocks"),
  // Gradient commit-reveal (gradient-commits.ts): a reveal needs a block, and the reveal period of window w
  // ends before window w+1's commit phase does, so at most two windows are open and a miner reveals one while committing the next.
  [
    "gradientRevealBlocks",
    (p) => p.gradientRevealBlocks >= 1 && p.gradientRevealBlocks < p.windowBlocks,
    (p) =>
      `must be in 1..window_blocks - 1 (${p.windowBlocks - 1}): a reveal needs a block, and a window's reveal period ends before the next window's commit phase`,
  ],
  atLeast("totalShards", 1),
  // Tier 1 compares a submission with its shard peers: one miner per shard leaves nothing to compare (seed 002 §4.4).
  atLeast("minMinersPerShard", 2, ": tier 1 needs a peer in the same shard"),
  // --- Submission bounds: zero refuses every submission.
  positive("maxGradientBytes", "no gradient would fit"),
  positive("maxCidLength", "no CID would fit"),
  positive("maxKernelVersionLength", "no kernel version would fit"),
  positive("maxClaimedLossMicro", "no loss could be claimed"),
  // --- Verification tiers (seed 000, 002 §9).
  positive("challengeWindowBlocks", "no one could challenge a submission"),
  positive(
    "challengeBondMultiplier",
    "challenges would be free (seed 002 §9.1: bond 10x the base reward)",
  ),
  atLeast("tier2VotingBlocks", 1),
  positive("tier2QuorumBps", "a tier-2 vote would decide with no votes"),
  [
    "lossToleranceBps",
    (p) => p.lossToleranceBps < BPS,
    () => "must be below 10000: a tolerance of 100% accepts any claimed loss",
  ],
  // Seed 000: a 3-validator panel; odd so a majority always exists. One validator alone is no panel.
  [
    "tier3PanelSize",
    (p) => p.tier3PanelSize >= 3 && p.tier3PanelSize % 2 === 1,
    () => "must be odd and at least 3 (seed 000: a 3-validator panel)",
  ],
  atLeast("tier3DeadlineBlocks", 1),
  // --- Trap jobs (seed 000: 10% traps; 002 §10.1: a 2-of-3 committee).
  positive("trapRateBps", "no trap jobs would be set"),
  [
    "trapCommitmentSlots",
    (p) => p.trapCommitmentSlots >= 1 && p.trapCommitmentSlots <= 4_096,
    () => "must be in 1..4096",
  ],
  atLeast("trapCommitteeSize", 1),
  // A threshold above the committee makes traps impossible to reveal.
  [
    "trapThreshold",
    (p) => p.trapThreshold >= 1 && p.trapThreshold <= p.trapCommitteeSize,
    (p) =>
      `must be in 1..trap_committee_size (${p.trapCommitteeSize}): traps could never be revealed`,
  ],
  positive("trapRevealBlocks", "traps could never be revealed"),
  positive("vaultMaxEntries", "the vault of trap answers would be pruned empty"),
  positive("vaultReusePerWindow", "the vault would never take verified jobs, and would run dry"),
  // --- Aggregation.
  atLeast("aggregationCommitBlocks", 1),
  atLeast("aggregationRevealBlocks", 1),
  positive("aggregationChallengeBlocks", "no one could challenge an aggregate"),
  // --- Rewards: unchecked work may not earn what verified work earns.
  positive("qualityVerifiedBps", "verified work would earn nothing"),
  [
    "qualityOptimisticBps",
    (p) => p.qualityOptimisticBps < p.qualityVerifiedBps,
    (p) =>
      `must be below quality_verified_bps (${p.qualityVerifiedBps}): unchecked work may not earn what verified work earns`,
  ],
  amount("baseMinerReward"),
  amount("proposerReward"),
  amount("validatorVerificationReward"),
  [
    "baseMinerReward",
    (p) => maxWindowMint(p) <= MAX_AMOUNT,
    (p) =>
      `with validator_verification_reward, proposer_reward, total_shards and max_aggregation_submissions lets one window mint ${maxWindowMint(p)} uremes, over 2^63 - 1`,
  ],
  [
    "challengeBondMultiplier",
    (p) => BigInt(p.challengeBondMultiplier) * p.baseMinerReward <= MAX_AMOUNT,
    () => "times base_miner_reward (the challenge bond) must be at most 2^63 - 1 uremes",
  ],
  // --- Slashing: the main offences always cost stake (seed 000 rates). Downtime may be 0 (it still jails).
  positive("slashDoubleSignBps", "double signing would be free (seed 000: 5%)"),
  positive("slashLazyMiningBps", "lazy mining would be free (seed 000: 50%)"),
  positive("slashFalseVerificationBps", "false verification would be free (seed 000: 20%)"),
  positive("slashAvailabilityBps", "withholding data would be free"),
  positive("slashProposerFaultBps", "a faulty aggregate would be free"),
  positive("challengerRewardBps", "no one would be paid to catch a cheat"),
  [
    "forfeitedBondDestination",
    (p) => p.forfeitedBondDestination >= 1 && p.forfeitedBondDestination <= 3,
    () => "must be 1 (burn), 2 (community pool) or 3 (winner)",
  ],
  atLeast("livenessWindowBlocks", 1),
  positive("minSignedBps", "validators could stop signing unpunished"),
  // --- Staking: zero stake leaves a slash nothing to take.
  positive("minMinerStake", "a miner would risk nothing"),
  amount("minMinerStake"),
  positive("minValidatorStake", "a validator would risk nothing"),
  amount("minValidatorStake"),
  positive("minProposerStake", "a proposer would risk nothing"),
  amount("minProposerStake"),
  positive("minServingStake", "a server would risk nothing"),
  amount("minServingStake"),
  // Unbonding stake stays slashable (slashing.ts stakeAtRisk), so it must outlast the longest path from an offence
  // to its slash: a submission at a window's first block, decided at the latest when that window settles
  // (windows.ts settleDelay). Downtime is not on this path: an unbonding validator no longer signs or is measured.
  [
    "unbondingBlocks",
    (p) => p.unbondingBlocks >= longestSlashingDelay(p),
    (p) =>
      `must be at least the longest slashing delay, ${longestSlashingDelay(p)} blocks (window_blocks + gradient_reveal_blocks + the settle delay of its deadlines): stake would leave before a slash reaches it`,
  ],
  // --- Governance: a deposit against spam, and a vote that needs votes and a majority.
  positive("depositText", "proposals would be free spam"),
  amount("depositText"),
  positive("depositParameterChange", "proposals would be free spam"),
  amount("depositParameterChange"),
  positive("depositModelUpgrade", "proposals would be free spam"),
  amount("depositModelUpgrade"),
  positive("depositSoftwareUpgrade", "proposals would be free spam"),
  amount("depositSoftwareUpgrade"),
  atLeast("votingBlocksText", 1),
  atLeast("votingBlocksParameterChange", 1),
  atLeast("votingBlocksModelUpgrade", 1),
  atLeast("votingBlocksSoftwareUpgrade", 1),
  // Finished proposals are pruned this long after their voting ended: 0 would keep none queryable, more than
  // 30 days would let a deposit-paying spammer hold a month of proposals in every node's state.
  [
    "talliedProposalRetentionBlocks",
    (p) =>
      p.talliedProposalRetentionBlocks >= 1 &&
      p.talliedProposalRetentionBlocks <= MAX_PROPOSAL_RETENTION_BLOCKS,
    () =>
      `must be in 1..${MAX_PROPOSAL_RETENTION_BLOCKS} (30 days of 5 s blocks): finished proposals are pruned after it`,
  ],
  positive("quorumBps", "a proposal would pass with no votes"),
  [
    "thresholdBps",
    (p) => p.thresholdBps >= 5_000,
    () => "must be at least 5000: a minority of the votes would pass a proposal",
  ],
  // veto_bps: any value; 0 lets one veto vote stop a proposal, 10000 switches the veto off (the threshold still holds).
  // --- Data availability (seed 002 §5.4).
  positive("daSampleRateBps", "data availability would never be sampled"),
  atLeast("daResponseBlocks", 1),
  [
    "daChunkBytes",
    (p) => p.daChunkBytes >= 32 && p.daChunkBytes <= 65_536,
    () => "must be in 32..65536",
  ],
  positive("daChallengeBond", "availability challenges would be free griefing"),
  amount("daChallengeBond"),
  // --- Bounds.
  atLeast("maxTxMessages", 1),
  atLeast("maxAggregationSubmissions", 1),
  // Each entry is a heap node and an index slot: a cap bounds what one owner can make every block walk (seed 002 §8).
  // Availability griefing (availability.ts): the bond scales with the slash a challenge can cause, and one censoring proposer cannot close a response window.
  positive(
    "daChallengeBondSlashBps",
    "an availability challenge could cause a slash far above its bond",
  ),
  [
    "daResponseProposers",
    (p) => p.daResponseProposers >= 1 && p.daResponseProposers <= 100,
    () => "must be in 1..100",
  ],
  // Validator pay (validator-rewards.ts): without it validators earn nothing while nobody cheats (issue 13).
  positive("blockInflationReward", "validators would be paid nothing while nobody cheats"),
  amount("blockInflationReward"),
  // Accrued pay is paid out every period; 0 would never pay, and a period over a day would hold pay back for longer than it serves.
  [
    "validatorPayPeriodBlocks",
    (p) => p.validatorPayPeriodBlocks >= 1 && p.validatorPayPeriodBlocks <= BLOCKS_PER_DAY,
    () => "must be in 1..17280 (a day of 5 s blocks)",
  ],
  // Tier-3 panels (panel-rounds.ts): a silent member must cost something, and an undecided panel is re-drawn a bounded number of times.
  positive("slashNoVerdictBps", "a panel member could withhold its verdict for free"),
  positive(
    "slashUnrevealedCommitBps",
    "a miner could commit to a fake gradient and withhold it for free wherever its group disagrees (gradient-commits.ts)",
  ),
  [
    "tier3MaxRounds",
    (p) => p.tier3MaxRounds >= 1 && p.tier3MaxRounds <= 16,
    () => "must be in 1..16",
  ],
  // The consensus set (consensus-set.ts): CometBFT needs at least one validator; a jail of 0 blocks would not jail.
  [
    "maxConsensusValidators",
    (p) => p.maxConsensusValidators >= 1 && p.maxConsensusValidators <= 10_000,
    () => "must be in 1..10000",
  ],
  positive("validatorJailBlocks", "a slashed validator would stay in the consensus set"),
  // At least the two default versions (kernel-versions.ts) that an empty genesis list approves.
  [
    "maxKernelVersions",
    (p) => p.maxKernelVersions >= 2 && p.maxKernelVersions <= 256,
    () => "must be in 2..256: the default kernel versions sim/1 and bitnet-cpu/1 must fit",
  ],
  // A lone (OPTIMISTIC) submission is only checked by this audit: 0 would make isolation free (verification/isolation.ts).
  positive("isolationAuditBps", "a lone submission would never be checked"),
  [
    "maxUnbondingEntries",
    (p) => p.maxUnbondingEntries >= 1 && p.maxUnbondingEntries <= 1_000,
    () => "must be in 1..1000",
  ],
  // max_gradient_bytes and max_claimed_loss_micro are sizes, not amounts: any uint64 (checked above to be non-zero).
];

const bpsFields: readonly (keyof Params)[] = [
  "tier2QuorumBps",
  "lossToleranceBps",
  "trapRateBps",
  "qualityVerifiedBps",
  "qualityOptimisticBps",
  "slashDoubleSignBps",
  "slashDowntimeBps",
  "slashLazyMiningBps",
  "slashFalseVerificationBps",
  "slashAvailabilityBps",
  "slashProposerFaultBps",
  "slashBurnBps",
  "challengerRewardBps",
  "minSignedBps",
  "quorumBps",
  "thresholdBps",
  "vetoBps",
  "daSampleRateBps",
  "isolationAuditBps",
  "daChallengeBondSlashBps",
  "blockProposerBonusBps",
  "slashNoVerdictBps",
  "slashUnrevealedCommitBps",
];

/** The fields with a rule of their own (a test checks every Params field is either here or bounded as basis points). */
export const ruledFields: ReadonlySet<keyof Params> = new Set([
  ...rules.map(([f]) => f),
  ...bpsFields,
]);

/** Checks every rule above; the first broken one is reported, naming its parameter (snake_case). */
export const validateParams = (p: Params): ProtocolError | undefined => {
  for (const f of bpsFields) {
    const v = p[f] as number;
    if (v > BPS)
      return fail("invalidParams", `${snake(f)} is ${v}: basis points must be at most 10000`);
  }
  for (const [field, ok, why] of rules) {
    if (!ok(p)) return fail("invalidParams", `${snake(field)} ${why(p)} (got ${String(p[field])})`);
  }
  return undefined;
};

/** The proto field name of a Params field (tier3PanelSize → tier3_panel_size), as governance and genesis JSON spell it. */
const snake = (camel: string): string =>
  ParamsSchema.fields.find((f) => f.localName === camel)?.name ?? camel;

const U64_MAX = 2n ** 64n - 1n;
const U32_MAX = 2 ** 32 - 1;

/**
 * Applies parameter changes (snake_case field names, decimal values) to a copy
 * of `params`. The field list and types come from the proto descriptor, so a
 * new field in params.proto is governable with no change here.
 */
export const applyParamChanges = (
  params: Params,
  changes: readonly ParamChange[],
): Params | ProtocolError => {
  // clone, not create: create() returns a message of the same schema as is,
  // so the changes below would be written into the caller's (the state's) params.
  const next = clone(ParamsSchema, params);
  for (const change of changes) {
    const field = ParamsSchema.fields.find((f) => f.name === change.key);
    if (
      field === undefined ||
      field.fieldKind === "message" ||
      field.fieldKind === "list" ||
      field.fieldKind === "map"
    ) {
      return fail(
        "invalidParams",
        `unknown parameter "${change.key}"; parameters are the snake_case fields of remes.remes.v1.Params`,
      );
    }
    if (!/^[0-9]{1,20}$/.test(change.value)) {
      return fail(
        "invalidParams",
        `parameter ${change.key}: "${change.value}" is not a non-negative decimal integer`,
      );
    }
    const value = BigInt(change.value);
    const name = field.localName as keyof Params;
    if (typeof next[name] === "bigint") {
      if (value > U64_MAX)
        return fail("invalidParams", `parameter ${change.key}: ${change.value} exceeds uint64`);
      (next as Record<string, unknown>)[name] = value;
    } else {
      if (value > BigInt(U32_MAX))
        return fail("invalidParams", `parameter ${change.key}: ${change.value} exceeds uint32`);
      (next as Record<string, unknown>)[name] = Number(value);
    }
  }
  return validateParams(next) ?? next;
};

/**
 * The state of the R3MES state machine: plain data, one record type per
 * mechanism. It is the fold of all events since genesis (machine.ts).
 *
 * Ownership: `evolve` updates the state it is given in place and returns it —
 * copying maps of 10,000 miners per event would cost the simulator its speed.
 * The fold owns its state; whoever needs an earlier state keeps a
 * `cloneState` of it. `decide` only reads (it takes `Readonly` views).
 *
 * Maps keyed by monotonically assigned numeric ids iterate in id order (ids
 * are inserted in increasing order and never reused); maps keyed by address
 * are sorted before any iteration that feeds events (see `sortedKeys`).
 */
import type { Params } from "../gen/remes/v1/params_pb.ts";
import type {
  AggregationMethod,
  Dataset,
  GpuArch,
  ModelVersion,
  ProposalContent,
  Role,
  VoteOption,
} from "../gen/remes/v1/types_pb.ts";
import type {
  AggregationFault,
  DisputeSubject,
  ProposalStatus,
  SubmissionStatus,
} from "../gen/remes/v1/events_pb.ts";

/** Module accounts: protocol-held balances with reserved names (never bech32). */
export const ModuleAccount = {
  bondedPool: "module:bonded_pool",
  unbondingPool: "module:unbonding_pool",
  escrow: "module:escrow",
  govDeposits: "module:gov_deposits",
  communityPool: "module:community_pool",
  /** Fees of the node's Cosmos txs (the simulator's txs pay none); moved to validator_pay at the next block (validator-rewards.ts). */
  feeCollector: "module:fee_collector",
  /** Fees accrued to validators and not yet paid out (validator-rewards.ts): holds Σ state.validatorPay fees. */
  validatorPay: "module:validator_pay",
} as const;

export interface Supply {
  readonly genesis: bigint;
  minted: bigint;
  burned: bigint;
}

/** One bonded role of one address. */
export interface RoleRecord {
  readonly address: string;
  readonly role: Role;
  stake: bigint;
  gpuArch: GpuArch;
  pubkey: Uint8Array;
  endpoint: string;
}

export interface UnbondingEntry {
  readonly id: number;
  readonly address: string;
  readonly role: Role;
  amount: bigint;
  readonly completionHeight: number;
}

export interface Submission {
  readonly id: number;
  readonly height: number;
  readonly miner: string;
  readonly window: number;
  readonly shard: number;
  readonly gradientCid: string;
  readonly gradientHash: Uint8Array;
  readonly daRoot: Uint8Array;
  readonly sizeBytes: bigint;
  readonly claimedLossMicro: bigint;
  readonly gpuArch: GpuArch;
  readonly kernelVersion: string;
  status: SubmissionStatus;
  /** Height of its rejection, once rejected (an aggregation committed before it is voided, not faulted: aggregation.ts). */
  rejectedAt?: number;
  /** Height at which the last dispute or availability challenge on it ended (aggregation.ts: work settled too late to commit to). */
  checkEndedAt?: number;
}

export interface TrapState {
  /** Approvals by committee member: digest of the commitment list (hex). */
  approvals: Map<string, string>;
  accepted?: {
    readonly digest: Uint8Array;
    readonly commitments: readonly Uint8Array[];
    readonly committee: readonly string[];
    /** Shards already revealed as traps (one trap per shard and window). */
    opened: Set<number>;
    /** Trap shards whose job a tier-3 panel recomputed and confirmed: shard → the confirmed hash (traps.ts). */
    confirmed?: Map<number, Uint8Array>;
  };
}

export interface AggregationState {
  readonly proposer: string;
  readonly commitDeadline: number;
  readonly revealDeadline: number;
  commitment?: Uint8Array;
  /** Height at which the commitment landed. */
  committedAt?: number;
  revealed?: {
    readonly id: number;
    readonly aggregatedCid: string;
    readonly merkleRoot: Uint8Array;
    readonly submissionIds: readonly number[];
    readonly method: AggregationMethod;
    readonly challengeDeadline: number;
  };
  /** Why the round failed, once it has (no reward for this window; NOTHING_SETTLED is not slashed). */
  fault?: AggregationFault;
  finalized: boolean;
}

export interface WindowState {
  readonly window: number;
  readonly startHeight: number;
  /** The window's last block: the end of its commit phase (gradient-commits.ts). */
  readonly commitEndHeight: number;
  /** The last block of its reveal period (commitEndHeight + gradient_reveal_blocks): the window closes here and tier 1 runs. */
  readonly closeHeight: number;
  readonly seed: Uint8Array;
  readonly activeShards: number;
  /** Miner address → shard. */
  readonly assignment: Map<string, number>;
  /** Miner address → submission id. */
  readonly submittedBy: Map<string, number>;
  /** Miner address → its commitment, until revealed or expired at the close (at most one per assigned miner). */
  readonly commitments: Map<string, Uint8Array>;
  closed: boolean;
  /** Height at which rewards are paid and the window is pruned (set at close). */
  settleHeight: number;
  aggregation?: AggregationState;
}

export interface Dispute {
  readonly id: number;
  readonly subject: DisputeSubject;
  readonly subjectId: number;
  readonly window: number;
  /** "" when the protocol itself opened it (tier-1 mismatch). */
  readonly challenger: string;
  readonly bond: bigint;
  readonly batchIndex: number;
  tier: number;
  deadline: number;
  /** Tier 2: validator → { computed loss, supports the claim }. */
  readonly lossVotes: Map<
    string,
    { readonly computedLossMicro: bigint; readonly supportsClaim: boolean }
  >;
  panel: readonly string[];
  /** Tier 3: panel member → verdict (true: the work is correct). */
  readonly verdicts: Map<string, boolean>;
  /** Tier-3 panel round, set from the first re-draw on (absent: round 1; panel-rounds.ts). */
  round?: number;
  /** Every member replaced for giving no verdict (never drawn again for this dispute). */
  noShows?: readonly string[];
}

export interface VaultEntry {
  readonly id: number;
  readonly gradientHash: Uint8Array;
  readonly window: number;
  readonly shard: number;
}

export interface Proposal {
  readonly id: number;
  readonly proposer: string;
  readonly content: ProposalContent;
  readonly deposit: bigint;
  readonly votingEndHeight: number;
  readonly votes: Map<string, VoteOption>;
  status: ProposalStatus;
}

export interface AvailabilityChallenge {
  readonly id: number;
  readonly submissionId: number;
  readonly miner: string;
  readonly chunkIndex: number;
  readonly chunkCount: number;
  readonly deadline: number;
  readonly challenger: string;
  readonly bond: bigint;
  /** Height it was opened at: blocks after it count toward its distinct proposers. */
  readonly openedAt: number;
  /** Distinct proposers of the blocks since it opened, sorted, at most da_response_proposers. */
  proposers: string[];
}

/** Validator pay accrued since the last payout (validator-rewards.ts): inflation still to mint, fees held in validator_pay. */
export interface ValidatorPayAccrual {
  minted: bigint;
  fees: bigint;
}

export interface Counters {
  nextUnbondingId: number;
  nextSubmissionId: number;
  nextDisputeId: number;
  nextVaultId: number;
  nextProposalId: number;
  nextAggregationId: number;
  nextAvailabilityId: number;
}

/** Totals kept for queries and reports (trap statistics). */
export interface Stats {
  trapsRevealed: number;
  minersCaught: number;
  minersPassed: number;
}

export interface State {
  params: Params;
  readonly initialHeight: number;
  /** Height of the last block applied (initialHeight − 1 before the first). */
  height: number;
  readonly balances: Map<string, bigint>;
  readonly supply: Supply;
  /** Key `${role}/${address}` (see roleKey). */
  readonly roles: Map<string, RoleRecord>;
  readonly unbonding: Map<number, UnbondingEntry>;
  readonly authorizedProposers: Set<string>;
  readonly windows: Map<number, WindowState>;
  /** The window that opens next and the height it opens at. */
  nextWindow: number;
  nextWindowStart: number;
  /** Trap commitments by window (made before the window opens). */
  readonly traps: Map<number, TrapState>;
  readonly submissions: Map<number, Submission>;
  readonly disputes: Map<number, Dispute>;
  readonly vault: Map<number, VaultEntry>;
  readonly proposals: Map<number, Proposal>;
  readonly availability: Map<number, AvailabilityChallenge>;
  model: ModelVersion | undefined;
  readonly datasets: Map<string, Dataset>;
  /** Kernel versions a submission may declare (kernel-versions.ts). */
  readonly kernelVersions: Set<string>;
  softwareUpgrade:
    { readonly name: string; readonly height: number; readonly info: string } | undefined;
  /** Software upgrades that ran (upgrades.ts): name → the height they ran at. A name runs once. */
  readonly upgradesDone: Map<string, number>;
  /** Validator → blocks missed in the current liveness window. */
  readonly missedBlocks: Map<string, number>;
  livenessWindowStart: number;
  /** Offence key → height: each key is slashed at most once. */
  readonly offences: Map<string, number>;
  /**
   * Offences slashed below this height may have been forgotten (pruned), so
   * evidence of misbehavior below it is refused even if a later parameter
   * change (a longer unbonding period) would otherwise admit it again.
   */
  offencesForgottenBelow: number;
  /** Validator consensus key (hex) → validator address: a key binds one validator (consensus-keys.ts). */
  readonly consensusKeys: Map<string, string>;
  /** The consensus set last reported to CometBFT: key (hex) → power (consensus-set.ts). */
  readonly consensusSet: Map<string, bigint>;
  /** Jailed validator → height it may rejoin the consensus set at. */
  readonly jailedUntil: Map<string, number>;
  /** Pay accrued per payee (validators, the community pool) until the next payout (validator-rewards.ts). */
  readonly validatorPay: Map<string, ValidatorPayAccrual>;
  /** Who signed the commit the last pay accrual read: each accrual event carries only the change. */
  readonly paySigners: Set<string>;
  readonly counters: Counters;
  readonly stats: Stats;
}

/**
 * The keys handed out so far, by role then address: a key built afresh is a
 * new string whose hash the map lookup computes again each time, while a
 * key handed out before has its hash cached (~4× faster lookups; roles are
 * looked up several times per tx). Bounded like address.ts `known`: an
 * attacker's stream of new addresses clears it, never grows it.
 */
const roleKeys = new Map<Role, Map<string, string>>();
const ROLE_KEYS_MAX = 1 << 16;

export const roleKey = (role: Role, address: string): string => {
  let byAddress = roleKeys.get(role);
  if (byAddress === undefined) roleKeys.set(role, (byAddress = new Map()));
  let key = byAddress.get(address);
  if (key === undefined) {
    if (byAddress.size >= ROLE_KEYS_MAX) byAddress.clear();
    byAddress.set(address, (key = `${role}/${address}`));
  }
  return key;
};

/** Whether `address` names a module account (ModuleAccount's reserved "module:" names). */
export const isModuleAccount = (address: string): boolean => address.startsWith("module:");

export const balanceOf = (state: Readonly<State>, address: string): bigint =>
  state.balances.get(address) ?? 0n;

/** Keys of a string-keyed map in code-unit order, for iterations that emit events. */
export const sortedKeys = <V>(map: ReadonlyMap<string, V>): string[] => [...map.keys()].sort();

/** Integer division of non-negative safe integers, exact (no float rounding). */
export const idiv = (a: number, b: number): number => (a - (a % b)) / b;

const HEX_DIGITS = Uint8Array.from("0123456789abcdef", (c) => c.charCodeAt(0));
const LATIN1 = new TextDecoder("latin1");
let hexScratch = new Uint8Array(128);

/**
 * Lower-case hex of bytes. Built in one scratch buffer and decoded at once,
 * so the result is one flat string: concatenating two characters per byte
 * leaves a tree of string pieces behind every kept key (≈ 1 KB per 32-byte
 * hash held in a Set, which at 10,000 miners was most of the simulator's heap).
 */
export const hex = (bytes: Uint8Array): string => {
  const n = bytes.length;
  if (hexScratch.length < 2 * n) hexScratch = new Uint8Array(2 * n);
  const out = hexScratch;
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    out[2 * i] = HEX_DIGITS[b >> 4]!;
    out[2 * i + 1] = HEX_DIGITS[b & 15]!;
  }
  return LATIN1.decode(out.subarray(0, 2 * n));
};

/** Whether `s` is `hex(bytes)`, without building the string. */
export const isHexOf = (bytes: Uint8Array, s: string): boolean => {
  if (s.length !== 2 * bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (
      s.charCodeAt(2 * i) !== HEX_DIGITS[b >> 4] ||
      s.charCodeAt(2 * i + 1) !== HEX_DIGITS[b & 15]
    )
      return false;
  }
  return true;
};

export const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

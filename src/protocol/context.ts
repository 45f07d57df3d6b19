/**
 * The block context: everything a block hook or a command may know about the
 * block being applied. These are the fields CometBFT's FinalizeBlock gives
 * (height, time, hash, proposer, last commit votes, misbehavior), so the node
 * is a thin shell; the simulator builds the same record. Time is data here,
 * never read from a clock, and the beacon is the only source of randomness
 * (randomness.ts derives every draw from it; beacon.ts chains it).
 */
export interface ValidatorVote {
  /** Protocol address of the validator (the node maps consensus addresses). */
  readonly address: string;
  /** Whether it signed the previous block. */
  readonly signed: boolean;
}

export interface Misbehavior {
  readonly kind: "duplicate_vote" | "light_client_attack";
  readonly validator: string;
  readonly height: number;
}

export interface BlockContext {
  readonly height: number;
  /** Block time in milliseconds since the Unix epoch (from the header, not a clock). */
  readonly timeMs: bigint;
  /** 32-byte block hash. Not a randomness seed: the proposer steers it (any bit of its block changes it). */
  readonly blockHash: Uint8Array;
  /** 32-byte beacon B[h] (beacon.ts): the randomness seed of this block, which its proposer cannot choose. */
  readonly beacon: Uint8Array;
  /** The proposer's unique signature B[h] is made from (the block's beacon tx), so a context maps back to a block. */
  readonly beaconOutput: Uint8Array;
  readonly proposer: string;
  /** The votes of the last commit, one per validator of the previous block. */
  readonly lastCommit: readonly ValidatorVote[];
  readonly misbehavior: readonly Misbehavior[];
}

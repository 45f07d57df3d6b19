/**
 * The fuzzers' world: six actors with real keys (two miners, two
 * validators, an authorized proposer, a plain account), a genesis with
 * short windows so an input of a few blocks opens, closes and settles them,
 * and one in-process node app (SQLite in memory) one empty block past that
 * genesis: that block opens window 0, so a tx target's input lands in a
 * window's commit phase, where CheckTx can judge commitments (the block that
 * opens a window assigns its shards from its own beacon, which CheckTx can not
 * know: there it refuses what the block would take, by design, mempool.ts).
 */
import { create, toJson } from "@bufbuild/protobuf";
import { GenesisStateSchema } from "../gen/remes/v1/genesis_pb.ts";
import { GpuArch, Role } from "../gen/remes/v1/types_pb.ts";
import { RemesApp } from "../node/app.ts";
import { finalizeBlockRequest } from "../node/testing/test-node.ts";
import { sha256Fast } from "../node/hash.ts";
import { type TxKey, txKeyOf } from "../node/sign.ts";
import { defaultParams } from "../protocol/params.ts";

export const ACTOR_KEYS: readonly TxKey[] = ["m0", "m1", "v0", "v1", "p0", "plain"].map((l) =>
  txKeyOf(sha256Fast(new TextEncoder().encode(`r3mes/fuzz/${l}`))),
);
export const ACTORS: readonly string[] = ACTOR_KEYS.map((k) => k.address);

const P = defaultParams();
export const FUNDS = 100n * P.minValidatorStake;

export const fuzzGenesis = () =>
  create(GenesisStateSchema, {
    params: {
      ...P,
      windowBlocks: 4,
      gradientRevealBlocks: 1,
      challengeWindowBlocks: 2,
      tier2VotingBlocks: 1,
      tier3DeadlineBlocks: 2,
      aggregationCommitBlocks: 1,
      aggregationRevealBlocks: 1,
      aggregationChallengeBlocks: 2,
      trapRevealBlocks: 2,
      livenessWindowBlocks: 4,
      unbondingBlocks: 12,
      tier3MaxRounds: 1,
      daResponseBlocks: 1,
      totalShards: 4,
      trapCommitmentSlots: 8,
      daChunkBytes: 64,
      votingBlocksText: 3,
      votingBlocksParameterChange: 3,
      votingBlocksModelUpgrade: 3,
      votingBlocksSoftwareUpgrade: 3,
    },
    accounts: ACTORS.map((address) => ({ address, balance: FUNDS })),
    roles: [
      { address: ACTORS[0]!, role: Role.MINER, stake: P.minMinerStake, gpuArch: GpuArch.AMPERE },
      { address: ACTORS[1]!, role: Role.MINER, stake: P.minMinerStake, gpuArch: GpuArch.HOPPER },
      {
        address: ACTORS[2]!,
        role: Role.VALIDATOR,
        stake: P.minValidatorStake,
        pubkey: new Uint8Array(32).fill(2),
      },
      {
        address: ACTORS[3]!,
        role: Role.VALIDATOR,
        stake: P.minValidatorStake,
        pubkey: new Uint8Array(32).fill(3),
      },
      { address: ACTORS[4]!, role: Role.PROPOSER, stake: P.minProposerStake },
    ],
    authorizedProposers: [ACTORS[4]!],
  });

export const CHAIN_ID = "fuzz";

const apps: RemesApp[] = [];

/**
 * A fresh node app at the fuzz genesis plus one empty block (SQLite in
 * memory; a snapshot every `snapshotInterval` blocks).
 */
export const freshFuzzApp = (snapshotInterval?: number, beaconKey?: Uint8Array): RemesApp => {
  const app = new RemesApp({
    dbPath: ":memory:",
    ...(snapshotInterval === undefined ? {} : { snapshotInterval }),
    ...(beaconKey === undefined ? {} : { beaconKey }),
  });
  const json = toJson(GenesisStateSchema, fuzzGenesis());
  app.initChain({
    time: { seconds: 1n, nanos: 0 },
    chainId: CHAIN_ID,
    validators: [],
    appStateBytes: new TextEncoder().encode(JSON.stringify(json)),
    initialHeight: 1n,
    consensusParams: undefined,
  });
  app.finalizeBlock(finalizeBlockRequest({ height: 1, txs: [] }));
  app.commit();
  return app;
};

/**
 * Node app number `i` (freshFuzzApp, each made once; targets never commit
 * it, and reload the committed state after each input). The tx target feeds
 * app 1 only FinalizeBlock, as a node that never saw the tx in its mempool,
 * and compares app hashes with app 0.
 */
export const fuzzApp = (i = 0): RemesApp => (apps[i] ??= freshFuzzApp());

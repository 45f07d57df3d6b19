/**
 * An in-process node for tests, after Penumbra's mock consensus
 * (crates/test/mock-consensus): it stands in for CometBFT, not for the app.
 * Init from a genesis runs the real InitChain; each
 * `node.block().txs(…).signatures(…).misbehavior(…).execute()` builds the
 * FinalizeBlock request CometBFT would send and runs it and Commit through
 * the app's real `handle`, so tests say what a block holds, not how a
 * RequestFinalizeBlock literal is spelled.
 *
 * Defaults are those the tests' hand-built literals used: block hash
 * 32 bytes of the height, time 10 + height seconds, no votes, no evidence.
 * A node with a consensus key (`beaconKey`) proposes: its blocks lead with
 * its beacon tx (src/node/beacon.ts), as PrepareProposal makes them, and
 * name it as proposer. Nothing here is consensus: no network, no rounds.
 */
import { create, type MessageInitShape, toJson } from "@bufbuild/protobuf";
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import {
  type Misbehavior,
  MisbehaviorType,
  type Request,
  type RequestFinalizeBlock,
  type RequestPrepareProposal,
  type Response,
  type ResponseFinalizeBlock,
  type ResponseProcessProposal_ProposalStatus,
} from "cosmjs-types/tendermint/abci/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { GenesisStateSchema } from "../../gen/remes/v1/genesis_pb.ts";
import { type AppOptions, RemesApp } from "../app.ts";

/** CometBFT's consensus address of an ed25519 consensus secret key (32-byte seed): sha256(pubkey)[:20]. */
export const consensusAddress = (secretKey: Uint8Array): Uint8Array =>
  sha256(ed25519.getPublicKey(secretKey)).subarray(0, 20);

export interface TestNodeOptions extends Partial<AppOptions> {
  readonly genesis?: MessageInitShape<typeof GenesisStateSchema>;
  readonly chainId?: string;
  readonly initialHeight?: number;
}

/**
 * A vote of the last commit: the validator's consensus address (or secret key: `consensusAddress`), and whether it
 * signed: true (a precommit for the block), "nil" (a precommit for nil: the validator voted, for no block) or false
 * (absent).
 */
export interface TestVote {
  readonly validator: Uint8Array;
  readonly signed: boolean | "nil";
}

/** Evidence CometBFT reports: a duplicate vote (double sign) or a light client attack by a validator at a height. */
export interface TestMisbehavior {
  readonly kind: "duplicate_vote" | "light_client_attack";
  readonly validator: Uint8Array;
  readonly height: number;
}

/** What a block holds, as `finalizeBlockRequest` takes it; unset parts take the test node's defaults. */
export interface BlockSpec {
  readonly height: number;
  readonly txs: readonly Uint8Array[];
  readonly votes?: readonly TestVote[];
  readonly misbehavior?: readonly TestMisbehavior[];
  /** 20 bytes; all zeros by default (no proposer this node knows). */
  readonly proposerAddress?: Uint8Array;
  /** 32 bytes of the height by default. */
  readonly hash?: Uint8Array;
  /** 10 + height seconds by default. */
  readonly time?: { readonly seconds: bigint; readonly nanos: number };
}

/** A consensus address from a 20-byte address or a consensus secret key. */
const addressOf = (v: Uint8Array): Uint8Array => (v.length === 20 ? v : consensusAddress(v));

/**
 * The FinalizeBlock request CometBFT would send for a block: the one
 * builder behind TestBlock, the tx fuzzer and bench/node's app-alone run
 * (which sends it over the ABCI socket).
 */
export const finalizeBlockRequest = (b: BlockSpec): RequestFinalizeBlock => ({
  txs: [...b.txs],
  decidedLastCommit: {
    round: 0,
    votes: (b.votes ?? []).map((v) => ({
      validator: { address: addressOf(v.validator), power: 0n },
      blockIdFlag:
        v.signed === "nil"
          ? BlockIDFlag.BLOCK_ID_FLAG_NIL
          : v.signed
            ? BlockIDFlag.BLOCK_ID_FLAG_COMMIT
            : BlockIDFlag.BLOCK_ID_FLAG_ABSENT,
    })),
  },
  misbehavior: (b.misbehavior ?? []).map((m): Misbehavior => ({
    type:
      m.kind === "duplicate_vote"
        ? MisbehaviorType.DUPLICATE_VOTE
        : MisbehaviorType.LIGHT_CLIENT_ATTACK,
    validator: { address: addressOf(m.validator), power: 0n },
    height: BigInt(m.height),
    time: { seconds: 0n, nanos: 0 },
    totalVotingPower: 0n,
  })),
  hash: b.hash ?? new Uint8Array(32).fill(b.height),
  height: BigInt(b.height),
  time: b.time ?? { seconds: 10n + BigInt(b.height), nanos: 0 },
  nextValidatorsHash: new Uint8Array(0),
  proposerAddress: b.proposerAddress ?? new Uint8Array(20),
});

/** A PrepareProposal request as CometBFT sends it to the proposer: the reaped `txs` under a limit of `maxTxBytes` data bytes. */
export const prepareProposalRequest = (
  height: number,
  txs: readonly Uint8Array[],
  maxTxBytes: bigint,
): RequestPrepareProposal => ({
  maxTxBytes,
  txs: [...txs],
  height: BigInt(height),
  time: { seconds: 10n + BigInt(height), nanos: 0 },
  localLastCommit: { round: 0, votes: [] },
  misbehavior: [],
  nextValidatorsHash: new Uint8Array(0),
  proposerAddress: new Uint8Array(20),
});

/** A block data limit no test block reaches. */
const NO_LIMIT = 1n << 40n;

export class TestNode {
  private constructor(readonly app: RemesApp) {}

  /** A fresh app (in memory unless `dbPath`) after InitChain of `genesis`. */
  static init(options: TestNodeOptions = {}): TestNode {
    const { genesis, chainId = "test", initialHeight = 1, ...appOptions } = options;
    const app = new RemesApp({ dbPath: ":memory:", ...appOptions });
    const json = toJson(GenesisStateSchema, create(GenesisStateSchema, genesis ?? {}));
    app.handle(
      {
        initChain: {
          time: { seconds: 1n, nanos: 0 },
          chainId,
          validators: [],
          appStateBytes: new TextEncoder().encode(JSON.stringify(json)),
          initialHeight: BigInt(initialHeight),
          consensusParams: undefined,
        },
      } as Request,
      "initChain",
    );
    return new TestNode(app);
  }

  /** An app already holding a chain (reopened from its store), driven by this node. */
  static of(app: RemesApp): TestNode {
    return new TestNode(app);
  }

  get height(): number {
    return this.app.height;
  }

  /** The next block (height + 1), to fill and execute. */
  block(): TestBlock {
    return new TestBlock(this.app, this.app.height + 1);
  }

  /** `n` empty blocks. */
  blocks(n: number): void {
    for (let i = 0; i < n; i++) this.block().execute();
  }

  close(): void {
    this.app.close();
  }
}

export class TestBlock {
  private txList: Uint8Array[] = [];
  private votes: TestVote[] = [];
  private evidence: TestMisbehavior[] = [];
  private proposerAddress: Uint8Array;
  private withBeacon: boolean;

  constructor(
    private readonly app: RemesApp,
    readonly height: number,
  ) {
    const key = app.beacon.secretKey;
    this.proposerAddress = key ? consensusAddress(key) : new Uint8Array(20);
    this.withBeacon = key !== undefined;
  }

  /** The block's txs (after the beacon tx, when the node proposes one). */
  txs(...txs: Uint8Array[]): this {
    this.txList.push(...txs);
    return this;
  }

  /** The last commit's votes (CometBFT's decided_last_commit). */
  signatures(votes: readonly TestVote[]): this {
    this.votes.push(...votes);
    return this;
  }

  misbehavior(evidence: readonly TestMisbehavior[]): this {
    this.evidence.push(...evidence);
    return this;
  }

  /** Another proposer's consensus address; the block's txs are then exactly those given (no beacon tx of this node's). */
  proposer(address: Uint8Array): this {
    this.proposerAddress = address;
    this.withBeacon = false;
    return this;
  }

  /** The txs as proposed: this node's beacon tx first when it proposes with a key. */
  proposedTxs(): Uint8Array[] {
    return this.withBeacon
      ? [...this.app.beacon.prepare(this.height, NO_LIMIT, () => []), ...this.txList]
      : [...this.txList];
  }

  /** The FinalizeBlock request CometBFT would send for this block. */
  request(): RequestFinalizeBlock {
    return finalizeBlockRequest({
      height: this.height,
      txs: this.proposedTxs(),
      votes: this.votes,
      misbehavior: this.evidence,
      proposerAddress: this.proposerAddress,
    });
  }

  /** ProcessProposal of this block through the app's handler (what a validator answers to it). */
  process(): ResponseProcessProposal_ProposalStatus {
    const r = this.request();
    const res = this.app.handle(
      {
        processProposal: {
          txs: r.txs,
          height: r.height,
          proposerAddress: r.proposerAddress,
          proposedLastCommit: r.decidedLastCommit,
          misbehavior: r.misbehavior,
          hash: r.hash,
          time: r.time,
          nextValidatorsHash: r.nextValidatorsHash,
        },
      } as Request,
      "processProposal",
    ) as Response;
    return res.processProposal!.status;
  }

  /** FinalizeBlock alone (the block stays pending until Commit). */
  finalize(): ResponseFinalizeBlock {
    const res = this.app.handle(
      { finalizeBlock: this.request() } as Request,
      "finalizeBlock",
    ) as Response;
    return res.finalizeBlock!;
  }

  /** FinalizeBlock, then Commit: the block is committed. Returns FinalizeBlock's response. */
  execute(): ResponseFinalizeBlock {
    const res = this.finalize();
    this.app.handle({ commit: {} } as Request, "commit");
    return res;
  }
}

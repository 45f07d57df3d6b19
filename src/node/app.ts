/**
 * The ABCI 2.0 application: a thin shell around src/protocol, split by
 * CometBFT connection as Penumbra's server/ is (consensus.rs, mempool.rs,
 * info.rs, snapshot.rs):
 *
 *   consensus.ts   InitChain, FinalizeBlock, Commit, load — the only writer of the committed state
 *   mempool.ts     CheckTx, Prepare/ProcessProposal — local policy, not consensus
 *   state-sync.ts  ListSnapshots, LoadSnapshotChunk, OfferSnapshot, ApplySnapshotChunk
 *   info.ts        Info, Query (query.ts)
 *
 * RemesApp holds what they share (committed.ts: the last committed block's
 * state and this node's settings) and dispatches `handle`. The node adds to
 * the protocol only what it does not have — Cosmos txs (signatures, account
 * numbers, sequences), queries, persistence, and fees. The app hash has two
 * components: the protocol's (apphash.ts — exactly the simulator's app hash)
 * and the accounts' (numbers, sequences, keys: accounts.ts); CometBFT sees
 * sha256(protocol ‖ accounts).
 */
import {
  CheckTxType,
  type Request,
  type Response,
  type RequestFinalizeBlock,
  type ResponseOfferSnapshot_Result,
  type ResponseProcessProposal_ProposalStatus,
  ResponseVerifyVoteExtension_VerifyStatus,
  type Snapshot,
} from "cosmjs-types/tendermint/abci/types";
import type { BlockContext } from "../protocol/context.ts";
import type { State } from "../protocol/state.ts";
import type { UpgradeHandlers } from "../protocol/upgrades.ts";
import { Accounts } from "./accounts.ts";
import { NodeBeacon } from "./beacon.ts";
import type { Committed } from "./committed.ts";
import { Consensus } from "./consensus.ts";
import { Info } from "./info.ts";
import { Mempool } from "./mempool.ts";
import type { NodeMetrics } from "./metrics.ts";
import type { AbciHandler, RequestCase } from "./server.ts";
import { StateSync } from "./state-sync.ts";
import { NodeStore } from "./store.ts";
import { DEFAULT_MAX_TX_BYTES, type GasPrice, ZERO_GAS_PRICE } from "./tx.ts";
import { nodeUpgrades } from "./upgrades.ts";
import { nodeVersion } from "./version.ts";

export { APP_VERSION } from "./info.ts";
export { decodeEventLog } from "./event-log.ts";

export interface AppOptions {
  /** SQLite file (":memory:" for tests that need no durability). */
  readonly dbPath: string;
  /** A state snapshot every this many blocks (restart and state sync start from the latest). */
  readonly snapshotInterval?: number;
  readonly keepSnapshots?: number;
  readonly maxTxBytes?: number;
  /** Minimum fee per gas unit a tx must pay to enter this node's mempool (CheckTx); zero by default. */
  readonly minGasPrice?: GasPrice;
  readonly log?: (line: string) => void;
  /** This node's ed25519 consensus secret key (32-byte seed): it proves the beacon of the blocks it proposes (beacon.ts). */
  readonly beaconKey?: Uint8Array;
  /** Prometheus metrics this app records (metrics.ts); none by default. */
  readonly metrics?: NodeMetrics;
  /** Software-upgrade handlers (upgrades.ts); by default this release's and the test hook's (R3MES_TEST_UPGRADE). */
  readonly upgrades?: UpgradeHandlers;
  /** The version Info reports; by default nodeVersion() (version.ts). */
  readonly version?: string;
}

export class RemesApp implements Committed {
  readonly store: NodeStore;
  readonly beacon: NodeBeacon;
  state: State | undefined;
  appHash: Uint8Array = new Uint8Array(0);
  protocolHash: Uint8Array = new Uint8Array(0);
  accountsHash: Uint8Array = new Uint8Array(0);
  height = 0;
  chainId = "";
  accounts = new Accounts();
  readonly snapshotInterval: number;
  readonly keepSnapshots: number;
  readonly maxTxBytes: number;
  readonly minGasPrice: GasPrice;
  readonly log: (line: string) => void;
  readonly metrics: NodeMetrics | undefined;
  readonly upgrades: UpgradeHandlers;
  readonly version: string;
  /** The connections (see the header). */
  readonly mempool: Mempool;
  readonly consensus: Consensus;
  readonly stateSync: StateSync;
  readonly infoConnection: Info;

  constructor(options: AppOptions) {
    this.store = new NodeStore(options.dbPath);
    this.beacon = new NodeBeacon(options.beaconKey);
    this.snapshotInterval = options.snapshotInterval ?? 100;
    this.keepSnapshots = options.keepSnapshots ?? 2;
    this.maxTxBytes = options.maxTxBytes ?? DEFAULT_MAX_TX_BYTES;
    this.minGasPrice = options.minGasPrice ?? ZERO_GAS_PRICE;
    this.log = options.log ?? (() => {});
    this.metrics = options.metrics;
    this.upgrades = options.upgrades ?? nodeUpgrades();
    this.version = options.version ?? nodeVersion();
    this.mempool = new Mempool(this);
    this.consensus = new Consensus(this, this.mempool);
    this.stateSync = new StateSync(this, this.consensus);
    this.infoConnection = new Info(this);
    this.consensus.load();
    this.metrics?.attach({ committed: this, mempoolPending: () => this.mempool.pending });
  }

  close(): void {
    this.store.close();
  }

  readonly handle: AbciHandler = (req: Request, kind: RequestCase): Response => {
    switch (kind) {
      case "info":
        return { info: this.info() };
      case "initChain":
        return { initChain: this.initChain(req.initChain!) };
      case "query":
        return { query: this.infoConnection.query(req.query!) };
      case "checkTx": {
        if (!this.metrics) return { checkTx: this.checkTx(req.checkTx!.tx, req.checkTx!.type) };
        const started = performance.now();
        const r = this.checkTx(req.checkTx!.tx, req.checkTx!.type);
        this.metrics.checkTx(
          r,
          req.checkTx!.type === CheckTxType.RECHECK,
          (performance.now() - started) / 1000,
        );
        return { checkTx: r };
      }
      case "prepareProposal":
        return {
          prepareProposal: {
            txs: this.beacon.prepare(
              Number(req.prepareProposal!.height),
              req.prepareProposal!.maxTxBytes,
              (budget) => this.prepareProposal(req.prepareProposal!.txs, budget),
            ),
          },
        };
      case "processProposal":
        return {
          processProposal: {
            status:
              this.mempool.processBeacon(req.processProposal!) ??
              this.processProposal(req.processProposal!.txs.slice(1)),
          },
        };
      case "finalizeBlock":
        return { finalizeBlock: this.finalizeBlock(req.finalizeBlock!) };
      case "commit": {
        const r = this.commit();
        this.metrics?.committed();
        return { commit: r };
      }
      case "extendVote":
        return { extendVote: { voteExtension: new Uint8Array(0) } };
      case "verifyVoteExtension":
        return {
          verifyVoteExtension: {
            status:
              req.verifyVoteExtension!.voteExtension.length === 0
                ? ResponseVerifyVoteExtension_VerifyStatus.ACCEPT
                : ResponseVerifyVoteExtension_VerifyStatus.REJECT,
          },
        };
      case "listSnapshots":
        return { listSnapshots: { snapshots: this.listSnapshots() } };
      case "loadSnapshotChunk":
        return {
          loadSnapshotChunk: {
            chunk: this.loadSnapshotChunk(
              Number(req.loadSnapshotChunk!.height),
              req.loadSnapshotChunk!.chunk,
            ),
          },
        };
      case "offerSnapshot":
        return {
          offerSnapshot: {
            result: this.offerSnapshot(req.offerSnapshot!.snapshot, req.offerSnapshot!.appHash),
          },
        };
      case "applySnapshotChunk":
        return {
          applySnapshotChunk: this.applySnapshotChunk(
            req.applySnapshotChunk!.index,
            req.applySnapshotChunk!.chunk,
          ),
        };
      default:
        throw new Error(`unsupported ABCI method ${String(kind)}`);
    }
  };

  // The connections' methods, for callers that drive the app directly (tests, the live follower).
  load(): void {
    this.consensus.load();
  }
  info() {
    return this.infoConnection.info();
  }
  initChain(req: Request["initChain"] & object) {
    return this.consensus.initChain(req);
  }
  blockContext(req: RequestFinalizeBlock): BlockContext {
    return this.consensus.blockContext(req);
  }
  finalizeBlock(req: RequestFinalizeBlock) {
    return this.consensus.finalizeBlock(req);
  }
  snapshotDue(height: number): boolean {
    return this.consensus.snapshotDue(height);
  }
  commit() {
    return this.consensus.commit();
  }
  checkTx(bytes: Uint8Array, type: CheckTxType) {
    return this.mempool.checkTx(bytes, type);
  }
  prepareProposal(txs: readonly Uint8Array[], maxTxBytes: bigint): Uint8Array[] {
    return this.mempool.prepareProposal(txs, maxTxBytes);
  }
  processProposal(txs: readonly Uint8Array[]): ResponseProcessProposal_ProposalStatus {
    return this.mempool.processProposal(txs);
  }
  listSnapshots(): Snapshot[] {
    return this.stateSync.listSnapshots();
  }
  loadSnapshotChunk(height: number, chunk: number): Uint8Array {
    return this.stateSync.loadSnapshotChunk(height, chunk);
  }
  offerSnapshot(snapshot: Snapshot | undefined, appHash: Uint8Array): ResponseOfferSnapshot_Result {
    return this.stateSync.offerSnapshot(snapshot, appHash);
  }
  applySnapshotChunk(index: number, chunk: Uint8Array) {
    return this.stateSync.applySnapshotChunk(index, chunk);
  }
}

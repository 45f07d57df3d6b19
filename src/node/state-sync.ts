/**
 * The snapshot connection (state sync): serving this node's snapshots to a
 * joining node, and restoring one offered by CometBFT. A restored snapshot
 * becomes the committed base through Consensus.load; the snapshot's format
 * is snapshot.ts's.
 */
import { bytesToHex } from "@noble/hashes/utils.js";
import {
  ResponseApplySnapshotChunk_Result,
  ResponseOfferSnapshot_Result,
  type Snapshot,
} from "cosmjs-types/tendermint/abci/types";
import type { Committed } from "./committed.ts";
import type { Consensus } from "./consensus.ts";
import { concat } from "./framing.ts";
import { chunkCount, chunkOf, decodeSnapshot, SNAPSHOT_FORMAT, snapshotHash } from "./snapshot.ts";

export class StateSync {
  private offered: { snapshot: Snapshot; appHash: Uint8Array; chunks: Uint8Array[] } | undefined;

  constructor(
    private readonly node: Committed,
    private readonly consensus: Consensus,
  ) {}

  listSnapshots(): Snapshot[] {
    const genesis = this.node.state ? this.node.state.initialHeight - 1 : 0;
    return this.node.store
      .listSnapshots()
      .filter((s) => s.height > genesis)
      .map((s) => ({
        height: BigInt(s.height),
        format: SNAPSHOT_FORMAT,
        chunks: chunkCount(s.bytes),
        hash: snapshotHash(s.bytes),
        metadata: new Uint8Array(0),
      }));
  }

  loadSnapshotChunk(height: number, chunk: number): Uint8Array {
    const bytes = this.node.store.snapshotAt(height);
    return bytes ? chunkOf(bytes, chunk) : new Uint8Array(0);
  }

  offerSnapshot(snapshot: Snapshot | undefined, appHash: Uint8Array): ResponseOfferSnapshot_Result {
    if (!snapshot) return ResponseOfferSnapshot_Result.REJECT;
    if (snapshot.format !== SNAPSHOT_FORMAT) return ResponseOfferSnapshot_Result.REJECT_FORMAT;
    if (snapshot.chunks < 1 || snapshot.chunks > 4096) return ResponseOfferSnapshot_Result.REJECT;
    this.offered = { snapshot, appHash, chunks: [] };
    return ResponseOfferSnapshot_Result.ACCEPT;
  }

  applySnapshotChunk(index: number, chunk: Uint8Array) {
    const o = this.offered;
    const res = (result: ResponseApplySnapshotChunk_Result) => ({
      result,
      refetchChunks: [],
      rejectSenders: [],
    });
    if (!o || index >= o.snapshot.chunks) return res(ResponseApplySnapshotChunk_Result.ABORT);
    o.chunks[index] = chunk.slice();
    if (o.chunks.filter((c) => c !== undefined).length < o.snapshot.chunks)
      return res(ResponseApplySnapshotChunk_Result.ACCEPT);
    const bytes = concat(o.chunks);
    this.offered = undefined;
    if (bytesToHex(snapshotHash(bytes)) !== bytesToHex(o.snapshot.hash))
      return res(ResponseApplySnapshotChunk_Result.REJECT_SNAPSHOT);
    let s;
    try {
      s = decodeSnapshot(bytes);
    } catch {
      return res(ResponseApplySnapshotChunk_Result.REJECT_SNAPSHOT);
    }
    if (s.height !== Number(o.snapshot.height) || bytesToHex(s.appHash) !== bytesToHex(o.appHash))
      return res(ResponseApplySnapshotChunk_Result.REJECT_SNAPSHOT);
    const store = this.node.store;
    store.resetWith({ chain_id: s.chainId }, s.height, bytes, s.accounts);
    this.consensus.load();
    // The snapshot is the base; its height counts as committed for Info.
    store.commit({
      block: {
        height: s.height,
        appHash: s.appHash,
        protocolHash: s.protocolHash,
        accountsHash: s.accountsHash,
        events: new Uint8Array(0),
      },
      accounts: [],
      keepSnapshots: this.node.keepSnapshots,
      ...(s.beacon ? { meta: { beacon: s.beacon } } : {}),
    });
    this.consensus.load();
    this.node.log(
      `app: state sync restored the snapshot at height ${s.height} (${o.snapshot.chunks} chunk${o.snapshot.chunks === 1 ? "" : "s"}), app hash ${bytesToHex(s.appHash).toUpperCase()}`,
    );
    return res(ResponseApplySnapshotChunk_Result.ACCEPT);
  }
}

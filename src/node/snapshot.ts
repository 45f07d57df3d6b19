/**
 * State snapshots: the whole protocol state plus the node's accounts at one
 * height, serialized with V8's structured-clone format (`node:v8`), which
 * keeps Maps, Sets, bigints and byte arrays exactly (the state is plain data,
 * see src/protocol/state.ts) and reads what older Node versions wrote. Used
 * for fast restarts and, in chunks, for CometBFT state sync.
 */
import * as v8 from "node:v8";
import { sha256 } from "@noble/hashes/sha2.js";
import type { State } from "../protocol/state.ts";
import type { AccountRecord } from "./store.ts";

/**
 * 2: the app hash has an accounts component (accounts.ts); protocolHash and accountsHash are its parts.
 * 3: the state carries validator pay accruals, the consensus set, kernel versions, the beacon and the
 * bounded-state indexes (issue 13): a format-2 snapshot would restore without them, so it is refused.
 */
export const SNAPSHOT_FORMAT = 3;
export const CHUNK_BYTES = 4 << 20;

export interface SnapshotData {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly height: number;
  /** The node's app hash (what CometBFT records): nodeAppHash(protocolHash, accountsHash). */
  readonly appHash: Uint8Array;
  readonly protocolHash: Uint8Array;
  readonly accountsHash: Uint8Array;
  readonly chainId: string;
  readonly state: State;
  readonly accounts: readonly AccountRecord[];
  /**
   * The beacon B[height] (src/node/beacon.ts). Not in the app hash: it is
   * derived from the block's beacon tx, which a state-synced node never saw,
   * and it needs it to check the next proposal's VRF proof. Absent from
   * snapshots written before the beacon; a wrong one only makes this node
   * refuse proposals until it commits the next block (which resets it).
   */
  readonly beacon?: Uint8Array;
}

/** Node's index for Uint8Array in its serialized typed arrays (v8.DefaultSerializer). */
const UINT8ARRAY_INDEX = 1;

/**
 * v8.serialize's bytes exactly (a test compares them), without moving the
 * state's small byte arrays off V8's heap: Node's serializer reads each
 * through `.buffer`, which makes V8 give an on-heap array (≤ 64 bytes: a
 * hash, a key) an ArrayBuffer and malloc'd backing store for good — ~350
 * bytes per 32-byte hash after every snapshot. writeRawBytes reads the
 * view's bytes without that.
 */
const writeHostObject = (
  v8.DefaultSerializer.prototype as unknown as {
    _writeHostObject(this: v8.Serializer, view: ArrayBufferView): void;
  }
)._writeHostObject;

class ContentSerializer extends v8.DefaultSerializer {
  _writeHostObject(view: NodeJS.TypedArray | DataView): void {
    if (view.constructor !== Uint8Array) return writeHostObject.call(this, view);
    this.writeUint32(UINT8ARRAY_INDEX);
    this.writeUint32(view.byteLength);
    this.writeRawBytes(view);
  }
}

/** The serializer's own buffer (a Buffer), not a copy: a snapshot of the whole state is megabytes. */
export const encodeSnapshot = (s: SnapshotData): Uint8Array => {
  const ser = new ContentSerializer();
  ser.writeHeader();
  ser.writeValue(s);
  return ser.releaseBuffer();
};

const readHostObject = (
  v8.DefaultDeserializer.prototype as unknown as { _readHostObject(this: v8.Deserializer): unknown }
)._readHostObject;
const typedArraySlice = (
  Object.getPrototypeOf(Uint8Array.prototype) as { slice(this: ArrayBufferView): ArrayBufferView }
).slice;

/**
 * Node's deserializer returns every typed array as a view into the whole
 * snapshot's bytes, so one hash kept in the state (a role's key, say) would
 * keep megabytes resident: this one copies each.
 */
class CopyingDeserializer extends v8.DefaultDeserializer {
  _readHostObject(): unknown {
    const v = readHostObject.call(this);
    return ArrayBuffer.isView(v) && !(v instanceof DataView) ? typedArraySlice.call(v) : v;
  }
}

export const decodeSnapshot = (bytes: Uint8Array): SnapshotData => {
  const d = new CopyingDeserializer(bytes);
  d.readHeader();
  const s = d.readValue() as SnapshotData;
  if (
    typeof s !== "object" ||
    s === null ||
    s.format !== SNAPSHOT_FORMAT ||
    !(s.appHash instanceof Uint8Array) ||
    !(s.protocolHash instanceof Uint8Array) ||
    !(s.accountsHash instanceof Uint8Array) ||
    typeof s.height !== "number"
  ) {
    const found =
      typeof s === "object" && s !== null && "format" in s
        ? ` (it says format ${String(s.format)})`
        : "";
    throw new Error(
      `not an r3mes state snapshot of format ${SNAPSHOT_FORMAT}${found}: a snapshot written by another version of r3mes cannot be restored; start the node from an empty home and replay from genesis or state-sync from peers`,
    );
  }
  return s;
};

/** A restored state as this version has it: format-3 snapshots written before software upgrades ran (src/protocol/upgrades.ts) record none, as none ran. */
export const restoredState = (s: SnapshotData): State => {
  const state = s.state as State & { upgradesDone?: Map<string, number> };
  if (state.upgradesDone === undefined)
    (state as { upgradesDone: Map<string, number> }).upgradesDone = new Map();
  return state;
};

export const chunkCount = (bytes: Uint8Array): number =>
  Math.max(1, Math.ceil(bytes.length / CHUNK_BYTES));
export const chunkOf = (bytes: Uint8Array, i: number): Uint8Array =>
  bytes.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES);
export const snapshotHash = (bytes: Uint8Array): Uint8Array => sha256(bytes);

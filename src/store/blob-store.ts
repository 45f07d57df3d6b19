/**
 * The content store: where gradients, adapters and aggregates live off chain
 * (only their CIDs and hashes go on chain). One interface, two backends —
 * Helia in process (the default, networking off, blocks on disk) and a Kubo
 * daemon over its RPC API — that import bytes the same way (UnixFS, CIDv1,
 * raw leaves, 256 KiB fixed chunks, balanced DAG of 174 links: Kubo's
 * `add --cid-version=1 --raw-leaves --chunker=size-262144`), so the same
 * bytes get the same CID in both. Every fetch re-imports what it read and
 * compares CIDs: a missing or corrupt blob is a BlobError, never wrong bytes.
 */
import type { Blockstore } from "interface-blockstore";
import { importer } from "ipfs-unixfs-importer";
import { fixedSize } from "ipfs-unixfs-importer/chunker";
import { balanced } from "ipfs-unixfs-importer/layout";
import { sha256 } from "@noble/hashes/sha2.js";
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";

export const CHUNK_BYTES = 262_144;
export const MAX_CHILDREN = 174;
/** Kubo's `add` options that give the same DAG as `importOptions`. */
export const kuboAddOptions = {
  cidVersion: 1,
  rawLeaves: true,
  chunker: `size-${CHUNK_BYTES}`,
  pin: true,
} as const;

export const importOptions = () => ({
  cidVersion: 1 as const,
  rawLeaves: true,
  reduceSingleLeafToSelf: true,
  chunker: fixedSize({ chunkSize: CHUNK_BYTES }),
  layout: balanced({ maxChildrenPerNode: MAX_CHILDREN }),
});

export type BlobErrorKind = "missing" | "corrupt" | "invalid-cid" | "unavailable";

export class BlobError extends Error {
  constructor(
    readonly kind: BlobErrorKind,
    readonly cid: string,
    message: string,
  ) {
    super(message);
    this.name = "BlobError";
  }
}

export interface BlobStore {
  /** "helia" or "kubo", for messages. */
  readonly name: string;
  /** Stores bytes (pinned where the backend pins) and returns their CID (CIDv1 base32). */
  put(bytes: Uint8Array): Promise<string>;
  /** The bytes of a CID, verified against it; a BlobError when missing, corrupt or the CID is malformed. */
  get(cid: string): Promise<Uint8Array>;
  has(cid: string): Promise<boolean>;
  close(): Promise<void>;
}

/** A blockstore that keeps nothing: for computing a CID without storing. */
const nullBlockstore = {
  put: async (cid: CID) => cid,
  has: async () => false,
} as unknown as Blockstore;

/** The CID the store gives these bytes (computed locally, nothing stored). */
export const cidOfBytes = async (bytes: Uint8Array): Promise<string> => {
  let last: CID | undefined;
  for await (const entry of importer([{ content: bytes }], nullBlockstore, importOptions()))
    last = entry.cid;
  if (!last) throw new Error("importer produced no CID");
  return last.toString();
};

export const parseCid = (cid: string): CID => {
  try {
    return CID.parse(cid);
  } catch (e) {
    throw new BlobError(
      "invalid-cid",
      cid,
      `"${cid.slice(0, 80)}" is not a CID: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
};

/** Fails unless `bytes` import to `cid` (the content-hash check every fetch makes). */
export const verifyBlob = async (
  cid: string,
  bytes: Uint8Array,
  backend: string,
): Promise<Uint8Array> => {
  const got = await cidOfBytes(bytes);
  if (got !== CID.parse(cid).toV1().toString()) {
    throw new BlobError(
      "corrupt",
      cid,
      `${backend} returned ${bytes.length} bytes for ${cid} that hash to ${got}: the stored blob is corrupt; delete it and fetch or re-publish it from a good copy`,
    );
  }
  return bytes;
};

export const concat = (parts: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/**
 * The CID of a blob of at most one chunk, synchronously: such a blob is a
 * single raw leaf, so its CID is CIDv1(raw, sha2-256(bytes)) — what
 * `put` returns for it in both backends (tested).
 */
export const rawCidOf = (bytes: Uint8Array): string => {
  if (bytes.length > CHUNK_BYTES)
    throw new Error(
      `rawCidOf: ${bytes.length} bytes is more than one ${CHUNK_BYTES}-byte chunk; use cidOfBytes`,
    );
  return CID.createV1(0x55, Digest.create(0x12, sha256(bytes))).toString();
};

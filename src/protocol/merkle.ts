/**
 * Merkle trees of SHA-256 hashes in the RFC 6962 / RFC 9162 (Certificate
 * Transparency) shape. Used for the root of included gradient hashes,
 * inclusion proofs, data-availability chunk proofs and the state root.
 *
 *   MTH([])      = SHA-256("")                      (e3b0c442…b855)
 *   MTH([d])     = SHA-256(0x00 ‖ d)                leaf hash
 *   MTH(D[0:n])  = SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])),
 *                  k = the largest power of two < n  node hash
 *
 * The 0x00 / 0x01 prefixes keep leaves and inner nodes in separate domains,
 * so an inner node can never be passed off as a leaf (second preimage). An
 * odd node is never duplicated (Bitcoin-style duplication lets two different
 * leaf lists share a root, CVE-2012-2459); the split rule instead promotes
 * it, which is also what the streaming builder below does level by level.
 *
 * Roots are computed with a stack of at most 64 subtree roots (a binary
 * counter of perfect subtrees), so any number of leaves streams in O(n) time
 * and O(log n) memory without building levels.
 */
import { sha256, sha256Into } from "./sha256.ts";

// Scratch inputs for the one-shot hash (sha256.ts): all of this is
// synchronous, so no hash is ever left half-built across a call.
let LEAF_INPUT = new Uint8Array(1 + 256); // 0x00 ‖ data
const NODE_INPUT = new Uint8Array(65); // 0x01 ‖ left ‖ right
NODE_INPUT[0] = 0x01;
const EMPTY_ROOT = sha256(new Uint8Array(0));

function copy32(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number): void {
  for (let i = 0; i < 32; i++) dst[dstOff + i] = src[srcOff + i]!;
}

/** out[outOff..+32] = SHA-256(0x00 ‖ data). */
function leafHashInto(data: Uint8Array, out: Uint8Array, outOff: number): void {
  const n = data.length;
  if (LEAF_INPUT.length < n + 1) LEAF_INPUT = new Uint8Array(2 * n + 1);
  LEAF_INPUT[0] = 0x00;
  LEAF_INPUT.set(data, 1);
  sha256Into(LEAF_INPUT, n + 1, out, outOff);
}

/** out[outOff..+32] = SHA-256(0x01 ‖ l[lOff..+32] ‖ r[rOff..+32]); out may alias l or r. */
function nodeHashInto(
  l: Uint8Array,
  lOff: number,
  r: Uint8Array,
  rOff: number,
  out: Uint8Array,
  outOff: number,
): void {
  copy32(l, lOff, NODE_INPUT, 1);
  copy32(r, rOff, NODE_INPUT, 33);
  sha256Into(NODE_INPUT, 65, out, outOff);
}

/** RFC 6962 leaf hash: SHA-256(0x00 ‖ data). */
export function leafHash(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  leafHashInto(data, out, 0);
  return out;
}

/** RFC 6962 inner node hash: SHA-256(0x01 ‖ left ‖ right), both 32 bytes. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== 32 || right.length !== 32)
    throw new RangeError("nodeHash: inputs must be 32 bytes");
  const out = new Uint8Array(32);
  nodeHashInto(left, 0, right, 0, out, 0);
  return out;
}

/**
 * Streaming root computation. The stack holds the roots of perfect subtrees
 * of strictly decreasing size (the set bits of the leaf count); pushing a leaf
 * merges equal-sized neighbours like a binary increment, and `root()` folds
 * the stack right to left, which yields exactly the RFC 6962 split.
 */
export class MerkleBuilder {
  readonly #stack = new Uint8Array(64 * 32);
  readonly #acc = new Uint8Array(32);
  #top = 0;
  #count = 0;

  /** Empties the builder (no leaves), to use it again. */
  reset(): this {
    this.#top = 0;
    this.#count = 0;
    return this;
  }

  /** Leaves pushed so far. */
  get leafCount(): number {
    return this.#count;
  }

  /** Append one leaf (raw data, hashed as a leaf here). */
  push(data: Uint8Array): this {
    leafHashInto(data, this.#stack, this.#top * 32);
    this.#merge();
    return this;
  }

  /**
   * Append a leaf whose leaf hash (SHA-256(0x00 ‖ data)) is already known,
   * read as 32 bytes at `offset` of `hash`.
   */
  pushLeafHash(hash: Uint8Array, offset = 0): this {
    if (offset < 0 || hash.length < offset + 32)
      throw new RangeError("pushLeafHash: need 32 bytes");
    copy32(hash, offset, this.#stack, this.#top * 32);
    this.#merge();
    return this;
  }

  #merge(): void {
    const s = this.#stack;
    this.#top++;
    // Leaf number c (0-based) completes one perfect subtree per trailing 1 bit
    // of c. Arithmetic instead of bit operators: counts may exceed 2^31.
    for (let c = this.#count; c % 2 === 1; c = (c - 1) / 2) {
      const t = this.#top;
      nodeHashInto(s, (t - 2) * 32, s, (t - 1) * 32, s, (t - 2) * 32);
      this.#top = t - 1;
    }
    this.#count++;
  }

  /** The root of the leaves pushed so far (the builder stays usable). */
  root(): Uint8Array {
    if (this.#top === 0) return EMPTY_ROOT.slice();
    const s = this.#stack;
    const acc = this.#acc;
    copy32(s, (this.#top - 1) * 32, acc, 0);
    for (let i = this.#top - 2; i >= 0; i--) nodeHashInto(s, i * 32, acc, 0, acc, 0);
    return acc.slice();
  }
}

/** Merkle root of raw leaves (each hashed as a leaf). Empty list → SHA-256(""). */
// Builders reused by merkleRoot and merkleProof (each fills and reads its own
// before returning; a builder holds 2 KB of stack, worth not allocating per root).
const ROOT_BUILDER = new MerkleBuilder();
const RANGE_BUILDER = new MerkleBuilder();

export function merkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  const b = ROOT_BUILDER.reset();
  for (let i = 0; i < leaves.length; i++) b.push(leaves[i]!);
  return b.root();
}

/**
 * An RFC 9162 inclusion proof: `siblings` is the audit path, bottom-up (the
 * leaf's neighbour first, the root's other child last).
 */
export interface MerkleProof {
  readonly index: number;
  readonly leafCount: number;
  readonly siblings: readonly Uint8Array[];
}

/** Largest power of two strictly below n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * Inclusion proof for `leaves[index]`, following the RFC 6962 PATH recursion.
 * O(n) hashing in total. Throws RangeError on an index out of range.
 */
export function merkleProof(leaves: readonly Uint8Array[], index: number): MerkleProof {
  const n = leaves.length;
  if (!Number.isSafeInteger(index) || index < 0 || index >= n) {
    throw new RangeError(`merkleProof: index ${index} out of range for ${n} leaves`);
  }
  const hashes = new Uint8Array(n * 32);
  for (let i = 0; i < n; i++) leafHashInto(leaves[i]!, hashes, i * 32);
  const rangeRoot = (lo: number, hi: number): Uint8Array => {
    const b = RANGE_BUILDER.reset();
    for (let i = lo; i < hi; i++) b.pushLeafHash(hashes, i * 32);
    return b.root();
  };
  const topDown: Uint8Array[] = [];
  let lo = 0;
  let hi = n;
  while (hi - lo > 1) {
    const mid = lo + splitPoint(hi - lo);
    if (index < mid) {
      topDown.push(rangeRoot(mid, hi));
      hi = mid;
    } else {
      topDown.push(rangeRoot(lo, mid));
      lo = mid;
    }
  }
  return { index, leafCount: n, siblings: topDown.reverse() };
}

const half = (x: number): number => (x - (x % 2)) / 2;

/**
 * The root implied by a leaf and its proof (RFC 9162 §2.1.3.2), or undefined
 * when the proof is malformed for its (index, leafCount): index out of range,
 * too few or too many siblings, a sibling that is not 32 bytes. Never throws.
 */
export function rootFromProof(leafData: Uint8Array, proof: MerkleProof): Uint8Array | undefined {
  try {
    if (!(leafData instanceof Uint8Array) || typeof proof !== "object" || proof === null)
      return undefined;
    const { index, leafCount, siblings } = proof;
    if (!Number.isSafeInteger(index) || !Number.isSafeInteger(leafCount)) return undefined;
    if (index < 0 || index >= leafCount || !Array.isArray(siblings) || siblings.length > 64) {
      return undefined;
    }
    const r = new Uint8Array(32);
    leafHashInto(leafData, r, 0);
    let fn = index;
    let sn = leafCount - 1;
    for (let i = 0; i < siblings.length; i++) {
      const p: unknown = siblings[i];
      if (sn === 0 || !(p instanceof Uint8Array) || p.length !== 32) return undefined;
      if (fn % 2 === 1 || fn === sn) {
        nodeHashInto(p, 0, r, 0, r, 0);
        // fn even here means a right-edge node that was promoted (no right
        // sibling) at the levels below this one: climb past them.
        while (fn % 2 === 0 && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      } else {
        nodeHashInto(r, 0, p, 0, r, 0);
      }
      fn = half(fn);
      sn = half(sn);
    }
    return sn === 0 ? r : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True iff `leafData` at `proof.index` of a `proof.leafCount`-leaf tree hashes
 * up to `root`. Never throws: any malformed input is simply false.
 *
 * The proof authenticates the leaf's membership; its (index, leafCount) are
 * only as trustworthy as their source. A different (index, leafCount) with the
 * same path shape verifies too (e.g. the last leaf of 3 also checks as leaf 1
 * of 2), so a caller that relies on the position must take leafCount from a
 * trusted place (stored with the root), not from the proof.
 */
export function verifyMerkleProof(
  root: Uint8Array,
  leafData: Uint8Array,
  proof: MerkleProof,
): boolean {
  if (!(root instanceof Uint8Array) || root.length !== 32) return false;
  const r = rootFromProof(leafData, proof);
  if (r === undefined) return false;
  let diff = 0;
  for (let i = 0; i < 32; i++) diff |= r[i]! ^ root[i]!;
  return diff === 0;
}

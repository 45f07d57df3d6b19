/**
 * Randomness for the protocol: one hash-based PRNG, seeded only from the
 * block context's beacon (`ctx.beacon`), and the helpers built on it.
 *
 * Where the seed comes from. Every draw — tier-3 panels, the tier-2 batch
 * index, trap batches and window seeds (shard assignment), data-availability
 * samples, the aggregation proposer's sortition, reward re-use sampling —
 * derives from `ctx.beacon`, never from `ctx.blockHash`. The block hash is
 * whatever the previous proposer made it: any bit of its block (its time,
 * its tx order) changes it, so a proposer could try many blocks and keep the
 * one whose hash draws the panel it wants (scenarios/attacks/panel_grinding:
 * 9 timestamps gave a 2-of-6 ring a panel majority on ~81% of panels drawn
 * after its blocks against ~26% otherwise).
 *
 * The beacon (beacon.ts) is chained from unique signatures:
 * B[h] = H(h, VRF_p(h ‖ B[h−1])) with p block h's proposer, its proof
 * carried in the block's leading beacon tx and checked by ProcessProposal.
 * With a unique VRF output the proposer has exactly one valid B[h]: its time,
 * its txs and every other choice in its block leave the beacon unchanged,
 * and the block before it cannot steer it either (B[h−1] is fixed the same
 * way). What remains:
 * - Withholding: a proposer who dislikes B[h] can decline to propose; the
 *   next round's proposer then signs (one bit per proposer turn, paid with a
 *   round timeout and its block reward). The simulator models it
 *   (abstainer.ts: it withholds when the next round's beacon scores better).
 * - Foreknowledge: p knows B[h] as soon as B[h−1] is fixed (and B[h+1] too
 *   if it also proposes h+1; CometBFT's proposer order is public); everyone
 *   knows it once block h is proposed. Knowing does not change a draw, but
 *   p chooses block h's txs knowing B[h]. Draws read the beacon of the block
 *   that makes the event happen (a dispute escalated at the end of block h
 *   draws its panel from B[h]): the delay is zero blocks, and the residual
 *   choice is which txs block h holds (e.g. delaying a challenge to move a
 *   dispute id). Drawing from B[h+1] in the next block would hide the seed
 *   from h's proposer but move every draw a block later; not done.
 * Why not the suggested "hash of ≥ 2/3 of the vote extensions": the proposer
 * of h+1 picks WHICH extensions to include (any subset with ≥ 2/3 of the
 * power); with 6 equal validators that is 22 subsets, more tries than the 9
 * timestamps that broke the block hash. Extensions help only with a
 * threshold signature (one value whatever the subset), which needs a DKG.
 * The VRF key is the validator's registered ed25519 consensus key (ECVRF,
 * src/node/beacon.ts), so no new key needs registering.
 *
 * - `hashParts` / `deriveSeed`: SHA-256 over a domain tag and an unambiguous,
 *   type-tagged, length-prefixed encoding of labelled parts. Every subsystem
 *   derives its own seed (`deriveSeed(blockSeed, "tier3.panel", roundId)`), so
 *   subsystems never share a stream by accident.
 * - `Prng`: SHA-256 in counter mode, `block_i = sha256(seed ‖ u64be(i))`,
 *   read as big-endian 32-bit words; unbiased bounded draws by rejection.
 * - `sortition`: stake-weighted selection without replacement.
 * - `hashToBigInt` / `hashMod`: hash-to-integer for assignments such as
 *   `H(address ‖ beacon ‖ roundId) mod totalShards`.
 *
 * Integer-only (no floating point): bounded draws use exact integer arithmetic
 * on safe integers or bigint, so every runtime reproduces the same values.
 */
import { sha256Into } from "./sha256.ts";

/** A 32-byte seed, normally a beacon or a `deriveSeed` output. */
export type Seed = Uint8Array;

/** A value that `hashParts` / `deriveSeed` can encode. */
export type HashPart = Uint8Array | string | bigint | number;

function hashInto(input: Uint8Array, len: number, out: Uint8Array): void {
  sha256Into(input, len, out, 0);
}

// ---------------------------------------------------------------------------
// Part encoding.
//
//   hashParts(label, p1, …, pn) = SHA-256( "r3mes.v1" ‖ enc(label) ‖ enc(p1) ‖ … ‖ enc(pn) )
//   enc(x) = tag (1 byte) ‖ u32be(len(payload)) ‖ payload
//     tag 0x01  bytes    payload = the bytes
//     tag 0x02  string   payload = UTF-8 (lone surrogates are rejected, so
//                                  distinct strings never encode alike)
//     tag 0x03  integer  payload = sign (0x00 for ≥ 0, 0x01 for < 0) ‖
//                                  magnitude, big-endian, minimal (0 → empty)
//
// Each element is self-delimiting, so the concatenation is unambiguous: no two
// different (label, parts) lists produce the same input. A `number` and a
// `bigint` with the same value encode identically (both are "an integer"), so
// a round id passed as 7 or 7n derives the same seed; a `number` must be a safe
// integer.

const TAG_BYTES = 0x01;
const TAG_STRING = 0x02;
const TAG_INT = 0x03;
const DOMAIN = [0x72, 0x33, 0x6d, 0x65, 0x73, 0x2e, 0x76, 0x31]; // "r3mes.v1"

let scratch = new Uint8Array(512);
let scratchView = new DataView(scratch.buffer);

function ensure(capacity: number): void {
  if (scratch.length >= capacity) return;
  let size = scratch.length * 2;
  while (size < capacity) size *= 2;
  const next = new Uint8Array(size);
  next.set(scratch);
  scratch = next;
  scratchView = new DataView(next.buffer);
}

/** UTF-8 encode `s` into the scratch buffer at `at`; returns the end offset. */
function writeUtf8(s: string, at: number): number {
  const buf = scratch;
  let p = at;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      buf[p++] = c;
    } else if (c < 0x800) {
      buf[p++] = 0xc0 | (c >> 6);
      buf[p++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c > 0xdbff || d < 0xdc00 || d > 0xdfff) {
        throw new RangeError("hashParts: string contains a lone surrogate");
      }
      i++;
      const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      buf[p++] = 0xf0 | (cp >> 18);
      buf[p++] = 0x80 | ((cp >> 12) & 0x3f);
      buf[p++] = 0x80 | ((cp >> 6) & 0x3f);
      buf[p++] = 0x80 | (cp & 0x3f);
    } else {
      buf[p++] = 0xe0 | (c >> 12);
      buf[p++] = 0x80 | ((c >> 6) & 0x3f);
      buf[p++] = 0x80 | (c & 0x3f);
    }
  }
  return p;
}

/** Write a non-negative safe integer's minimal big-endian bytes; returns end. */
function writeMagnitude(m: number, at: number): number {
  let len = 0;
  for (let t = m; t > 0; t = (t - (t % 256)) / 256) len++;
  let t = m;
  for (let i = at + len - 1; i >= at; i--) {
    scratch[i] = t % 256;
    t = (t - (t % 256)) / 256;
  }
  return at + len;
}

const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);

function writePart(part: HashPart, at: number): number {
  if (part instanceof Uint8Array) {
    const len = part.length;
    ensure(at + 5 + len);
    scratch[at] = TAG_BYTES;
    scratchView.setUint32(at + 1, len);
    // A loop for the usual 32-byte hashes and salts: cheaper than a `set` call for so few bytes.
    if (len <= 64) for (let i = 0; i < len; i++) scratch[at + 5 + i] = part[i]!;
    else scratch.set(part, at + 5);
    return at + 5 + len;
  }
  if (typeof part === "string") {
    ensure(at + 5 + 3 * part.length); // ≤ 3 UTF-8 bytes per UTF-16 unit
    scratch[at] = TAG_STRING;
    const end = writeUtf8(part, at + 5);
    scratchView.setUint32(at + 1, end - at - 5);
    return end;
  }
  if (typeof part === "number") {
    if (!Number.isSafeInteger(part)) {
      throw new RangeError(`hashParts: number part must be a safe integer, got ${part}`);
    }
    ensure(at + 14);
    scratch[at] = TAG_INT;
    if (part >= 0 && part <= 0x7fffffff) {
      // The usual small non-negative integer with 32-bit operations: length, sign 0, minimal magnitude.
      const len = part === 0 ? 0 : part < 0x100 ? 1 : part < 0x10000 ? 2 : part < 0x1000000 ? 3 : 4;
      scratchView.setUint32(at + 1, len + 1);
      scratch[at + 5] = 0;
      for (let i = 0, shift = 8 * (len - 1); i < len; i++, shift -= 8)
        scratch[at + 6 + i] = part >>> shift;
      return at + 6 + len;
    }
    scratch[at + 5] = part < 0 ? 1 : 0;
    const end = writeMagnitude(part < 0 ? -part : part, at + 6);
    scratchView.setUint32(at + 1, end - at - 5);
    return end;
  }
  if (typeof part === "bigint") {
    const neg = part < 0n;
    const mag = neg ? -part : part;
    if (mag <= MAX_SAFE_BIG) return writePart(neg ? -Number(mag) : Number(mag), at);
    let hex = mag.toString(16);
    if (hex.length % 2 === 1) hex = "0" + hex;
    const len = hex.length / 2;
    ensure(at + 6 + len);
    scratch[at] = TAG_INT;
    scratchView.setUint32(at + 1, len + 1);
    scratch[at + 5] = neg ? 1 : 0;
    for (let i = 0; i < len; i++) scratch[at + 6 + i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    return at + 6 + len;
  }
  throw new TypeError(`hashParts: unsupported part type ${typeof part}`);
}

/**
 * Domain-separated SHA-256 of a label and parts (encoding documented above).
 * Returns a fresh 32-byte array.
 */
export function hashParts(label: string, ...parts: readonly HashPart[]): Uint8Array {
  ensure(64);
  for (let i = 0; i < DOMAIN.length; i++) scratch[i] = DOMAIN[i]!;
  let pos = writePart(label, DOMAIN.length);
  for (let i = 0; i < parts.length; i++) pos = writePart(parts[i]!, pos);
  const out = new Uint8Array(32);
  hashInto(scratch, pos, out);
  return out;
}

/**
 * A sub-seed for one purpose: `hashParts(label, seed, ...parts)` (the seed is
 * encoded as a bytes part). Use a distinct label per subsystem.
 */
export function deriveSeed(seed: Seed, label: string, ...parts: readonly HashPart[]): Uint8Array {
  return hashParts(label, seed, ...parts);
}

// ---------------------------------------------------------------------------
// The PRNG.

const TWO_32 = 4294967296;
const TWO_32_BIG = 4294967296n;

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/**
 * Counter-mode SHA-256 generator: block i is `sha256(seed ‖ u64be(i))`, i from
 * 0, consumed as consecutive big-endian 32-bit words. Every draw is defined in
 * terms of that word stream, so the sequence is a pure function of the seed:
 *
 * - `nextU32()`: the next word.
 * - `nextU64()`: `(next word << 32) | next word`.
 * - `below(n)`: for n ≤ 2^32, draw words until `x < 2^32 − (2^32 mod n)` and
 *   return `x mod n` (rejection keeps it exactly uniform); larger n via
 *   `belowBig`. `below(1)` returns 0 without consuming.
 * - `belowBig(n)`: n ≤ 2^32 as `below`; otherwise with b = bitLength(n − 1),
 *   draw ceil(b/32) words, concatenate big-endian, keep the top b bits, and
 *   retry while ≥ n (acceptance > 1/2).
 */
export class Prng {
  /** The seed this generator was built from (a private copy). */
  readonly seed: Uint8Array;
  readonly #input: Uint8Array;
  readonly #inputView: DataView;
  readonly #block = new Uint8Array(32);
  readonly #view = new DataView(this.#block.buffer);
  #pos = 32; // byte offset of the next unread word; 32 = block exhausted
  // The 64-bit block counter as two u32 halves: pure integer arithmetic, no
  // float division to split it.
  #ctrLo = 0;
  #ctrHi = 0;

  constructor(seed: Seed) {
    if (!(seed instanceof Uint8Array)) throw new TypeError("Prng: seed must be a Uint8Array");
    this.seed = seed.slice();
    this.#input = new Uint8Array(seed.length + 8);
    this.#input.set(seed);
    this.#inputView = new DataView(this.#input.buffer);
  }

  #refill(): void {
    const off = this.seed.length;
    this.#inputView.setUint32(off, this.#ctrHi);
    this.#inputView.setUint32(off + 4, this.#ctrLo);
    hashInto(this.#input, this.#input.length, this.#block);
    this.#ctrLo = (this.#ctrLo + 1) >>> 0;
    if (this.#ctrLo === 0) this.#ctrHi = (this.#ctrHi + 1) >>> 0;
    this.#pos = 0;
  }

  /** Uniform integer in [0, 2^32). */
  nextU32(): number {
    if (this.#pos === 32) this.#refill();
    const v = this.#view.getUint32(this.#pos);
    this.#pos += 4;
    return v;
  }

  /** Uniform bigint in [0, 2^64). */
  nextU64(): bigint {
    // Two consecutive big-endian words are one big-endian u64: read it in one
    // go when both lie in the current block.
    if (this.#pos <= 24) {
      const v = this.#view.getBigUint64(this.#pos);
      this.#pos += 8;
      return v;
    }
    const hi = this.nextU32();
    const lo = this.nextU32();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** Uniform integer in [0, n), n a positive safe integer. Unbiased. */
  below(n: number): number {
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new RangeError(`Prng.below: n must be a positive safe integer, got ${n}`);
    }
    if (n === 1) return 0;
    if (n > TWO_32) {
      // belowBig's draw, in exact safe-integer arithmetic (no bigint per draw): n − 1 has
      // b ∈ 33..53 bits, so two words, concatenated, keep their top b bits.
      const bits = 64 - Math.clz32(Math.floor((n - 1) / TWO_32));
      const drop = 64 - bits;
      const scale = 2 ** (32 - drop);
      for (;;) {
        const hi = this.nextU32();
        const acc = hi * scale + (this.nextU32() >>> drop);
        if (acc < n) return acc;
      }
    }
    const limit = TWO_32 - (TWO_32 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }

  /** Uniform bigint in [0, n), n ≥ 1. Unbiased. */
  belowBig(n: bigint): bigint {
    if (n < 1n) throw new RangeError(`Prng.belowBig: n must be ≥ 1, got ${n}`);
    if (n <= TWO_32_BIG) return BigInt(this.below(Number(n)));
    const bits = bitLength(n - 1n);
    const words = (bits + 31) >>> 5; // ceil(bits / 32)
    const drop = BigInt(words * 32 - bits);
    for (;;) {
      let acc = 0n;
      for (let i = 0; i < words; i++) acc = (acc << 32n) | BigInt(this.nextU32());
      acc >>= drop;
      if (acc < n) return acc;
    }
  }

  /**
   * True with probability numerator/denominator (integers, denominator ≥ 1;
   * numerator ≤ 0 is never, ≥ denominator always). Consumes exactly what
   * `below(denominator)` consumes, whatever the ratio.
   */
  chance(numerator: number, denominator: number): boolean {
    if (!Number.isSafeInteger(numerator)) {
      throw new RangeError(`Prng.chance: numerator must be a safe integer, got ${numerator}`);
    }
    return this.below(denominator) < numerator;
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(arr: readonly T[]): T {
    if (arr.length === 0) throw new RangeError("Prng.pick: empty array");
    return arr[this.below(arr.length)]!;
  }

  /** Fisher–Yates shuffle in place (i from the end, j = below(i + 1)); returns arr. */
  shuffle<T>(arr: T[]): T[] {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const t = arr[i]!;
      arr[i] = arr[j]!;
      arr[j] = t;
    }
    return arr;
  }

  /**
   * An independent generator for a subsystem:
   * `new Prng(deriveSeed(this.seed, "prng.fork", label, ...parts))`.
   * It depends only on this generator's seed and the label, not on how much
   * has been drawn, so one subsystem drawing more never shifts another's
   * stream. Forking the same label twice yields the same stream.
   */
  fork(label: string, ...parts: readonly HashPart[]): Prng {
    return new Prng(deriveSeed(this.seed, "prng.fork", label, ...parts));
  }
}

// ---------------------------------------------------------------------------
// Sortition.

/** A sortition candidate: an id and a non-negative weight (stake, base units). */
export interface WeightedCandidate {
  readonly id: string;
  readonly weight: bigint;
}

/**
 * Stake-weighted selection of up to `count` distinct ids without replacement.
 *
 * Algorithm (the definition; the Fenwick tree is only how it is computed):
 * drop weight-0 candidates, sort the rest by id (UTF-16 code-unit order, so
 * input order never matters), then `min(count, pool)` times: draw
 * `r = belowBig(totalRemainingWeight)`, pick the first remaining candidate (in
 * id order) whose cumulative weight exceeds r, and remove it. Each pick is
 * thus exactly proportional to weight among those not yet picked. Returned in
 * pick order (the first is the "winner" where order matters).
 *
 * A Fenwick tree of bigint weights makes each draw O(log n); a picked
 * candidate's weight becomes 0, which gives it an empty interval, identical to
 * removing it from the sorted list.
 *
 * `seed` is either a Seed (a generator is built from it as is, so pass a
 * purpose-specific `deriveSeed` output) or a `Prng` (which is advanced).
 * Throws on a negative weight or a duplicate id (caller bugs).
 */
/**
 * `sortition` when the total weight is a safe integer: the same tree and the
 * same draws (`below(total)` draws exactly what `belowBig` does) on exact
 * integers in doubles, without a bigint per tree update. Panels are drawn
 * per dispute, and the bigint tree was most of their garbage.
 */
function sortitionSafe(pool: readonly WeightedCandidate[], picks: number, prng: Prng): string[] {
  const n = pool.length;
  const weights = new Float64Array(n);
  const tree = new Float64Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const w = Number(pool[i]!.weight);
    weights[i] = w;
    total += w;
    tree[i + 1]! += w;
  }
  for (let i = 1; i <= n; i++) {
    const j = i + (i & -i);
    if (j <= n) tree[j]! += tree[i]!;
  }
  let topStep = 1;
  while (topStep * 2 <= n) topStep *= 2;
  const out: string[] = [];
  for (let t = 0; t < picks; t++) {
    let rem = prng.below(total);
    let pos = 0;
    for (let step = topStep; step > 0; step >>= 1) {
      const next = pos + step;
      if (next <= n && tree[next]! <= rem) {
        pos = next;
        rem -= tree[next]!;
      }
    }
    const w = weights[pos]!;
    out.push(pool[pos]!.id);
    weights[pos] = 0;
    total -= w;
    for (let i = pos + 1; i <= n; i += i & -i) tree[i]! -= w;
  }
  return out;
}

export function sortition(
  candidates: readonly WeightedCandidate[],
  count: number,
  seed: Seed | Prng,
): string[] {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`sortition: count must be a non-negative safe integer, got ${count}`);
  }
  const pool: WeightedCandidate[] = [];
  for (const c of candidates) {
    if (c.weight < 0n) throw new RangeError(`sortition: negative weight for ${c.id}`);
    if (c.weight > 0n) pool.push(c);
  }
  // Callers mostly pass candidates already in id order (activeRolesSorted): one pass
  // confirms strictly increasing ids (sorted, no duplicate) and skips the sort.
  let ordered = true;
  for (let i = 1; i < pool.length; i++)
    if (!(pool[i - 1]!.id < pool[i]!.id)) {
      ordered = false;
      break;
    }
  if (!ordered) {
    pool.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (let i = 1; i < pool.length; i++) {
      if (pool[i]!.id === pool[i - 1]!.id)
        throw new RangeError(`sortition: duplicate id ${pool[i]!.id}`);
    }
  }
  const n = pool.length;
  const picks = Math.min(count, n);
  if (picks === 0) return [];
  const prng = seed instanceof Prng ? seed : new Prng(seed);
  // Summed in doubles: a total within the safe range means no partial sum was rounded (they only grow).
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Number(pool[i]!.weight);
  if (sum <= Number.MAX_SAFE_INTEGER) return sortitionSafe(pool, picks, prng);

  // Fenwick tree, 1-based: tree[i] = sum of weights in (i − lowbit(i), i].
  const weights: bigint[] = new Array<bigint>(n);
  const tree: bigint[] = new Array<bigint>(n + 1).fill(0n);
  let total = 0n;
  for (let i = 0; i < n; i++) {
    const w = pool[i]!.weight;
    weights[i] = w;
    total += w;
    tree[i + 1]! += w;
  }
  for (let i = 1; i <= n; i++) {
    const j = i + (i & -i);
    if (j <= n) tree[j]! += tree[i]!;
  }
  let topStep = 1;
  while (topStep * 2 <= n) topStep *= 2;

  const out: string[] = [];
  for (let t = 0; t < picks; t++) {
    let rem = prng.belowBig(total);
    // Binary lifting: largest pos with prefix(pos) ≤ r; the pick is pos + 1.
    let pos = 0;
    for (let step = topStep; step > 0; step >>= 1) {
      const next = pos + step;
      if (next <= n && tree[next]! <= rem) {
        pos = next;
        rem -= tree[next]!;
      }
    }
    const w = weights[pos]!;
    out.push(pool[pos]!.id);
    weights[pos] = 0n;
    total -= w;
    for (let i = pos + 1; i <= n; i += i & -i) tree[i]! -= w;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Hash to integer.

/** The bytes as an unsigned big-endian integer (empty → 0n). */
export function hashToBigInt(bytes: Uint8Array): bigint {
  let acc = 0n;
  const n = bytes.length;
  let i = 0;
  const head = n % 4;
  for (; i < head; i++) acc = (acc << 8n) | BigInt(bytes[i]!);
  for (; i < n; i += 4) {
    const w =
      ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
    acc = (acc << 32n) | BigInt(w);
  }
  return acc;
}

/**
 * `u64be(hashParts(label, ...parts)[0..8]) mod modulus`, for assignments like
 * `hashMod("shard", [address, blockHash, roundId], totalShards)`.
 * Not exactly uniform (the bias is below modulus / 2^64, negligible for any
 * realistic modulus) and it needs no rejection loop, so it costs one hash.
 */
export function hashMod(label: string, parts: readonly HashPart[], modulus: number): number {
  if (!Number.isSafeInteger(modulus) || modulus < 1) {
    throw new RangeError(`hashMod: modulus must be a positive safe integer, got ${modulus}`);
  }
  const h = hashParts(label, ...parts);
  const v = new DataView(h.buffer, h.byteOffset, 8).getBigUint64(0);
  return Number(v % BigInt(modulus));
}

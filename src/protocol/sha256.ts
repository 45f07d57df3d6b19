/**
 * One-shot SHA-256 (FIPS 180-4) of a byte range into a caller's buffer, for
 * the protocol's small hashes: Merkle leaves and nodes, `hashParts`, the PRNG
 * blocks. The same digests as @noble/hashes (a property test compares them),
 * without its per-call costs (a streaming hasher cloned, a DataView built
 * and buffers filled per call): the simulator hashes tens of millions of
 * inputs of 40 to 200 bytes, where those costs were most of the hashing.
 *
 * Plain JavaScript (no node:crypto, whose per-call overhead is higher than
 * the work for inputs this small), synchronous, with module-level scratch
 * state that no call leaves half-used.
 */

// prettier-ignore
const K = Int32Array.of(
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
);
// prettier-ignore
const IV = Int32Array.of(0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19);

const W = new Int32Array(64);
const H = new Int32Array(8);
const TAIL = new Uint8Array(128);

/** One compression of the 64-byte block at `b[off..]` into H. */
function compress(b: Uint8Array, off: number): void {
  const w = W;
  for (let i = 0; i < 16; i++, off += 4)
    w[i] = (b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!;
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!;
    const y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  const h = H;
  let a = h[0]!,
    bb = h[1]!,
    c = h[2]!,
    d = h[3]!,
    e = h[4]!,
    f = h[5]!,
    g = h[6]!,
    hh = h[7]!;
  // Eight rounds per iteration, the working variables renamed instead of
  // shifted (e and a are the only ones a round computes), with the
  // three-operation Ch and Maj: ~13% less time than a round per iteration.
  let t1 = 0;
  for (let i = 0; i < 64; i += 8) {
    t1 =
      (hh +
        (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) +
        (g ^ (e & (f ^ g))) +
        K[i + 0]! +
        w[i + 0]!) |
      0;
    d = (d + t1) | 0;
    hh =
      (t1 +
        (((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) +
        ((a & bb) | (c & (a | bb)))) |
      0;
    t1 =
      (g +
        (((d >>> 6) | (d << 26)) ^ ((d >>> 11) | (d << 21)) ^ ((d >>> 25) | (d << 7))) +
        (f ^ (d & (e ^ f))) +
        K[i + 1]! +
        w[i + 1]!) |
      0;
    c = (c + t1) | 0;
    g =
      (t1 +
        (((hh >>> 2) | (hh << 30)) ^ ((hh >>> 13) | (hh << 19)) ^ ((hh >>> 22) | (hh << 10))) +
        ((hh & a) | (bb & (hh | a)))) |
      0;
    t1 =
      (f +
        (((c >>> 6) | (c << 26)) ^ ((c >>> 11) | (c << 21)) ^ ((c >>> 25) | (c << 7))) +
        (e ^ (c & (d ^ e))) +
        K[i + 2]! +
        w[i + 2]!) |
      0;
    bb = (bb + t1) | 0;
    f =
      (t1 +
        (((g >>> 2) | (g << 30)) ^ ((g >>> 13) | (g << 19)) ^ ((g >>> 22) | (g << 10))) +
        ((g & hh) | (a & (g | hh)))) |
      0;
    t1 =
      (e +
        (((bb >>> 6) | (bb << 26)) ^ ((bb >>> 11) | (bb << 21)) ^ ((bb >>> 25) | (bb << 7))) +
        (d ^ (bb & (c ^ d))) +
        K[i + 3]! +
        w[i + 3]!) |
      0;
    a = (a + t1) | 0;
    e =
      (t1 +
        (((f >>> 2) | (f << 30)) ^ ((f >>> 13) | (f << 19)) ^ ((f >>> 22) | (f << 10))) +
        ((f & g) | (hh & (f | g)))) |
      0;
    t1 =
      (d +
        (((a >>> 6) | (a << 26)) ^ ((a >>> 11) | (a << 21)) ^ ((a >>> 25) | (a << 7))) +
        (c ^ (a & (bb ^ c))) +
        K[i + 4]! +
        w[i + 4]!) |
      0;
    hh = (hh + t1) | 0;
    d =
      (t1 +
        (((e >>> 2) | (e << 30)) ^ ((e >>> 13) | (e << 19)) ^ ((e >>> 22) | (e << 10))) +
        ((e & f) | (g & (e | f)))) |
      0;
    t1 =
      (c +
        (((hh >>> 6) | (hh << 26)) ^ ((hh >>> 11) | (hh << 21)) ^ ((hh >>> 25) | (hh << 7))) +
        (bb ^ (hh & (a ^ bb))) +
        K[i + 5]! +
        w[i + 5]!) |
      0;
    g = (g + t1) | 0;
    c =
      (t1 +
        (((d >>> 2) | (d << 30)) ^ ((d >>> 13) | (d << 19)) ^ ((d >>> 22) | (d << 10))) +
        ((d & e) | (f & (d | e)))) |
      0;
    t1 =
      (bb +
        (((g >>> 6) | (g << 26)) ^ ((g >>> 11) | (g << 21)) ^ ((g >>> 25) | (g << 7))) +
        (a ^ (g & (hh ^ a))) +
        K[i + 6]! +
        w[i + 6]!) |
      0;
    f = (f + t1) | 0;
    bb =
      (t1 +
        (((c >>> 2) | (c << 30)) ^ ((c >>> 13) | (c << 19)) ^ ((c >>> 22) | (c << 10))) +
        ((c & d) | (e & (c | d)))) |
      0;
    t1 =
      (a +
        (((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7))) +
        (hh ^ (f & (g ^ hh))) +
        K[i + 7]! +
        w[i + 7]!) |
      0;
    e = (e + t1) | 0;
    a =
      (t1 +
        (((bb >>> 2) | (bb << 30)) ^ ((bb >>> 13) | (bb << 19)) ^ ((bb >>> 22) | (bb << 10))) +
        ((bb & c) | (d & (bb | c)))) |
      0;
  }
  h[0] = (h[0]! + a) | 0;
  h[1] = (h[1]! + bb) | 0;
  h[2] = (h[2]! + c) | 0;
  h[3] = (h[3]! + d) | 0;
  h[4] = (h[4]! + e) | 0;
  h[5] = (h[5]! + f) | 0;
  h[6] = (h[6]! + g) | 0;
  h[7] = (h[7]! + hh) | 0;
}

/**
 * out[outOff..+32] = SHA-256(data[0..len]). `out` may be `data` (the input
 * is consumed before the digest is written). len < 2^32 bytes.
 */
export function sha256Into(data: Uint8Array, len: number, out: Uint8Array, outOff: number): void {
  H.set(IV);
  let off = 0;
  for (; off + 64 <= len; off += 64) compress(data, off);
  const rest = len - off;
  const tail = TAIL;
  for (let i = 0; i < rest; i++) tail[i] = data[off + i]!;
  tail[rest] = 0x80;
  const end = rest < 56 ? 64 : 128;
  tail.fill(0, rest + 1, end - 4);
  // Length in bits, big-endian 64-bit: the high word is len >>> 29 (< 8 for len < 2^32).
  const bitsHi = (len / 0x20000000) >>> 0;
  const bitsLo = (len << 3) >>> 0;
  tail[end - 8] = 0;
  tail[end - 7] = 0;
  tail[end - 6] = 0;
  tail[end - 5] = bitsHi;
  tail[end - 4] = bitsLo >>> 24;
  tail[end - 3] = bitsLo >>> 16;
  tail[end - 2] = bitsLo >>> 8;
  tail[end - 1] = bitsLo;
  compress(tail, 0);
  if (end === 128) compress(tail, 64);
  for (let i = 0; i < 8; i++) {
    const v = H[i]!;
    out[outOff++] = v >>> 24;
    out[outOff++] = v >>> 16;
    out[outOff++] = v >>> 8;
    out[outOff++] = v;
  }
}

/** SHA-256 of `data` as fresh bytes. */
export function sha256(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  sha256Into(data, data.length, out, 0);
  return out;
}

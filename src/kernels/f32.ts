/**
 * Canonical float32 arithmetic: the rules every kernel in src/kernels follows
 * so that any two machines (or a CPU and a GPU that follow the same order)
 * produce identical bytes.
 *
 * 1. Every value outside the integer matmul is an IEEE-754 binary32 number,
 *    rounded to nearest-even after EVERY operation (`fr` = Math.fround). JS
 *    computes `a op b` in binary64 and rounds it once more to binary32; for
 *    + − × ÷ and sqrt of binary32 inputs that double rounding is provably
 *    identical to one binary32 rounding (53 ≥ 2·24 + 2), so `fr(a * b)` IS
 *    the binary32 product a C `float` program computes.
 * 2. No fused multiply-add: a·b + c is `fr(fr(a * b) + c)` — two roundings.
 *    (CUDA: compile with `--fmad=false`; C: `-ffp-contract=off`.)
 * 3. Reductions use one fixed tree, `sum8`: term i goes to lane i mod 8, each
 *    lane accumulates left to right from +0, and the lanes combine as
 *    ((l0+l1)+(l2+l3)) + ((l4+l5)+(l6+l7)). A GPU warp or a SIMD unit can
 *    follow exactly this order; a left-to-right loop could not be vectorized.
 * 4. exp and log are the polynomial kernels below (+ − × ÷ and exact bit
 *    manipulation only); Math.exp / Math.log / Math.pow are never used,
 *    because libm results differ between platforms.
 * 5. Rounding to an integer is round-half-to-even (`rne`), as torch.round.
 * 6. max / min / abs / clamp / comparisons are exact and need no order.
 * 7. Ternary × int8 products accumulate in integers (exact in any order).
 */

export const fr = Math.fround;

/** Round half to even, for binary32 inputs (|x| < 2^31). */
export const rne = (x: number): number => {
  const f = Math.floor(x);
  const d = x - f; // exact for binary32 x
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
};

/** Canonical sum8 of a[off + i·stride], i < n. */
export function sum8(a: Float32Array, off: number, stride: number, n: number): number {
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0,
    s4 = 0,
    s5 = 0,
    s6 = 0,
    s7 = 0;
  let i = 0;
  let p = off;
  for (; i + 8 <= n; i += 8) {
    s0 = fr(s0 + a[p]!);
    p += stride;
    s1 = fr(s1 + a[p]!);
    p += stride;
    s2 = fr(s2 + a[p]!);
    p += stride;
    s3 = fr(s3 + a[p]!);
    p += stride;
    s4 = fr(s4 + a[p]!);
    p += stride;
    s5 = fr(s5 + a[p]!);
    p += stride;
    s6 = fr(s6 + a[p]!);
    p += stride;
    s7 = fr(s7 + a[p]!);
    p += stride;
  }
  const r = n - i;
  if (r > 0) {
    s0 = fr(s0 + a[p]!);
    p += stride;
  }
  if (r > 1) {
    s1 = fr(s1 + a[p]!);
    p += stride;
  }
  if (r > 2) {
    s2 = fr(s2 + a[p]!);
    p += stride;
  }
  if (r > 3) {
    s3 = fr(s3 + a[p]!);
    p += stride;
  }
  if (r > 4) {
    s4 = fr(s4 + a[p]!);
    p += stride;
  }
  if (r > 5) {
    s5 = fr(s5 + a[p]!);
    p += stride;
  }
  if (r > 6) {
    s6 = fr(s6 + a[p]!);
  }
  return fr(fr(fr(s0 + s1) + fr(s2 + s3)) + fr(fr(s4 + s5) + fr(s6 + s7)));
}

/** Canonical sum8 of the products fr(a[ao + i·as] · b[bo + i·bs]), i < n. */
export function dot8(
  a: Float32Array,
  ao: number,
  as: number,
  b: Float32Array,
  bo: number,
  bs: number,
  n: number,
): number {
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0,
    s4 = 0,
    s5 = 0,
    s6 = 0,
    s7 = 0;
  let i = 0;
  let pa = ao;
  let pb = bo;
  for (; i + 8 <= n; i += 8) {
    s0 = fr(s0 + fr(a[pa]! * b[pb]!));
    pa += as;
    pb += bs;
    s1 = fr(s1 + fr(a[pa]! * b[pb]!));
    pa += as;
    pb += bs;
    s2 = fr(s2 + fr(a[pa]! * b[pb]!));
    pa += as;
    pb += bs;
    s3 = fr(s3 + fr(a[pa]! * b[pb]!));
    pa += as;
    pb += bs;
    s4 = fr(s4 + fr(a[pa]! * b[pb]!));
    pa += as;
    pb += bs;
    s5 = fr(s5 + fr(a[pa]! * b[pb]!));
    pa += as;
    pb += bs;
    s6 = fr(s6 + fr(a[pa]! * b[pb]!));
    pa += as;
    pb += bs;
    s7 = fr(s7 + fr(a[pa]! * b[pb]!));
    pa += as;
    pb += bs;
  }
  const r = n - i;
  if (r > 0) {
    s0 = fr(s0 + fr(a[pa]! * b[pb]!));
    pa += as;
    pb += bs;
  }
  if (r > 1) {
    s1 = fr(s1 + fr(a[pa]! * b[pb]!));
    pa += as;
    pb += bs;
  }
  if (r > 2) {
    s2 = fr(s2 + fr(a[pa]! * b[pb]!));
    pa += as;
    pb += bs;
  }
  if (r > 3) {
    s3 = fr(s3 + fr(a[pa]! * b[pb]!));
    pa += as;
    pb += bs;
  }
  if (r > 4) {
    s4 = fr(s4 + fr(a[pa]! * b[pb]!));
    pa += as;
    pb += bs;
  }
  if (r > 5) {
    s5 = fr(s5 + fr(a[pa]! * b[pb]!));
    pa += as;
    pb += bs;
  }
  if (r > 6) {
    s6 = fr(s6 + fr(a[pa]! * b[pb]!));
  }
  return fr(fr(fr(s0 + s1) + fr(s2 + s3)) + fr(fr(s4 + s5) + fr(s6 + s7)));
}

/**
 * sum8 of a[ao + i] · w[wo + i] with w ternary (−1, 0, +1): every product is
 * exact (±a or 0), so this equals dot8 with w as floats, only faster.
 */
export function dotTernary8(
  a: Float32Array,
  ao: number,
  w: Int8Array,
  wo: number,
  n: number,
): number {
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0,
    s4 = 0,
    s5 = 0,
    s6 = 0,
    s7 = 0;
  let i = 0;
  let pa = ao;
  let pw = wo;
  for (; i + 8 <= n; i += 8, pa += 8, pw += 8) {
    s0 = fr(s0 + a[pa]! * w[pw]!);
    s1 = fr(s1 + a[pa + 1]! * w[pw + 1]!);
    s2 = fr(s2 + a[pa + 2]! * w[pw + 2]!);
    s3 = fr(s3 + a[pa + 3]! * w[pw + 3]!);
    s4 = fr(s4 + a[pa + 4]! * w[pw + 4]!);
    s5 = fr(s5 + a[pa + 5]! * w[pw + 5]!);
    s6 = fr(s6 + a[pa + 6]! * w[pw + 6]!);
    s7 = fr(s7 + a[pa + 7]! * w[pw + 7]!);
  }
  const r = n - i;
  if (r > 0) s0 = fr(s0 + a[pa]! * w[pw]!);
  if (r > 1) s1 = fr(s1 + a[pa + 1]! * w[pw + 1]!);
  if (r > 2) s2 = fr(s2 + a[pa + 2]! * w[pw + 2]!);
  if (r > 3) s3 = fr(s3 + a[pa + 3]! * w[pw + 3]!);
  if (r > 4) s4 = fr(s4 + a[pa + 4]! * w[pw + 4]!);
  if (r > 5) s5 = fr(s5 + a[pa + 5]! * w[pw + 5]!);
  if (r > 6) s6 = fr(s6 + a[pa + 6]! * w[pw + 6]!);
  return fr(fr(fr(s0 + s1) + fr(s2 + s3)) + fr(fr(s4 + s5) + fr(s6 + s7)));
}

// Bit views for exp/log (exact reinterpretation of binary32 bits).
const F = new Float32Array(1);
const I = new Int32Array(F.buffer);

/** 2^n as binary32 for −126 ≤ n ≤ 127 (exact). */
const pow2 = (n: number): number => {
  I[0] = (n + 127) << 23;
  return F[0]!;
};

const LOG2E = fr(1.4426950408889634);
// ln 2 split so that n·LN2_HI is exact for |n| < 2^8 (LN2_HI has 16 bits).
const LN2_HI = fr(0.693145751953125);
const LN2_LO = fr(1.428606765330187e-6);
// Taylor coefficients 1/k! for k = 2..7 (|r| ≤ ln2/2: error < 2e-8 relative).
const E2 = fr(1 / 2),
  E3 = fr(1 / 6),
  E4 = fr(1 / 24),
  E5 = fr(1 / 120),
  E6 = fr(1 / 720),
  E7 = fr(1 / 5040);

/**
 * Canonical binary32 exp: n = rne(x·log2e), r = (x − n·LN2_HI) − n·LN2_LO,
 * p = 1 + r·(1 + r·(E2 + r·(E3 + r·(E4 + r·(E5 + r·(E6 + r·E7)))))) (Horner,
 * each step rounded), result p·2^n. Within ~2 ulp of the true value.
 */
export function expf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x > 88.72283) return Infinity;
  if (x < -103.97208) return 0;
  const n = rne(fr(x * LOG2E));
  const r = fr(fr(x - fr(n * LN2_HI)) - fr(n * LN2_LO));
  let p = fr(fr(r * E7) + E6);
  p = fr(fr(r * p) + E5);
  p = fr(fr(r * p) + E4);
  p = fr(fr(r * p) + E3);
  p = fr(fr(r * p) + E2);
  p = fr(fr(r * p) + 1);
  p = fr(fr(r * p) + 1);
  if (n > 127) return fr(fr(p * pow2(127)) * pow2(n - 127));
  if (n < -126) return fr(fr(p * pow2(n + 64)) * pow2(-64));
  return fr(p * pow2(n));
}

const SQRT2 = fr(Math.SQRT2);
const L3 = fr(1 / 3),
  L5 = fr(1 / 5),
  L7 = fr(1 / 7),
  L9 = fr(1 / 9),
  L11 = fr(1 / 11);

/**
 * Canonical binary32 natural log: x = m·2^e with m in [√2/2, √2) (exact bit
 * manipulation), s = (m − 1)/(m + 1), log m = 2s + 2s·z·(1/3 + z·(1/5 + z·(1/7
 * + z·(1/9 + z/11)))) with z = s², result e·LN2_HI + (log m + e·LN2_LO).
 */
export function logf(x: number): number {
  if (Number.isNaN(x) || x < 0) return NaN;
  if (x === 0) return -Infinity;
  if (x === Infinity) return Infinity;
  F[0] = x;
  let e = 0;
  if (I[0]! >> 23 === 0) {
    F[0] = fr(x * pow2(24));
    e = -24;
  } // subnormal
  const bits = I[0]!;
  e += (bits >> 23) - 127;
  I[0] = (bits & 0x007fffff) | 0x3f800000;
  let m = F[0]!;
  if (m > SQRT2) {
    m = fr(m * 0.5);
    e += 1;
  }
  const s = fr(fr(m - 1) / fr(m + 1));
  const z = fr(s * s);
  let q = fr(fr(z * L11) + L9);
  q = fr(fr(z * q) + L7);
  q = fr(fr(z * q) + L5);
  q = fr(fr(z * q) + L3);
  q = fr(z * q);
  const s2 = fr(2 * s);
  const lm = fr(s2 + fr(s2 * q));
  return fr(fr(e * LN2_HI) + fr(lm + fr(e * LN2_LO)));
}

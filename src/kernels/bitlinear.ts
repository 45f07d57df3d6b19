/**
 * BitLinear as in BitNet b1.58, in canonical float32 (see f32.ts for the
 * rules). For one token row x of n features and a frozen m×n weight matrix:
 *
 *   u   = RMSNorm(x)            r = 1/sqrt(fr(sum8(x·x)/n) + EPS), u_i = x_i·r
 *   γ   = max|u|, s = 127/γ     per-token absmax
 *   q_i = clamp(rne(u_i·s), −128, 127)              int8 activations
 *   β   = sum8|W| / (m·n)       per-tensor absmean
 *   w̃   = clamp(rne(W·(1/β)), −1, 1)                ternary weights
 *   acc_j = Σ_i q_i·w̃_ji        in integers: exact in any order
 *   y_j = acc_j · fr(β/s)
 *
 * Backward is the straight-through estimator: the quantizers count as the
 * identity, so y ≈ u·(β·w̃)ᵀ and du_i = β·sum8_j(dy_j·w̃_ji) (each product
 * exact), then the RMSNorm backward dx = r·(du − u·fr(sum8(du·u)/n)).
 */
import { dot8, dotTernary8, fr, rne, sum8 } from "./f32.ts";
import { bitLinearForwardSimd, ternaryMatmulSimd } from "./simd/kernels.ts";

export const RMS_EPS = fr(1e-6);

/** A frozen ternary weight matrix: w[j·n + i] and its transpose, and β. */
export interface TernaryWeights {
  readonly out: number;
  readonly in: number;
  readonly w: Int8Array;
  readonly wT: Int8Array;
  readonly beta: number;
}

export function ternaryFrom(w: Int8Array, out: number, inn: number, beta: number): TernaryWeights {
  if (w.length !== out * inn)
    throw new RangeError(
      `ternary weights: expected ${out}×${inn} = ${out * inn} values, got ${w.length}`,
    );
  const wT = new Int8Array(out * inn);
  for (let j = 0; j < out; j++) {
    for (let i = 0; i < inn; i++) {
      const v = w[j * inn + i]!;
      if (v < -1 || v > 1)
        throw new RangeError(`ternary weights: value ${v} at (${j}, ${i}) is not in {−1, 0, 1}`);
      wT[i * out + j] = v;
    }
  }
  return { out, in: inn, w, wT, beta: fr(beta) };
}

/** Per-tensor absmean ternary quantization of a float32 matrix [out][in]. */
export function quantizeWeights(W: Float32Array, out: number, inn: number): TernaryWeights {
  const abs = new Float32Array(W.length);
  for (let k = 0; k < W.length; k++) abs[k] = Math.abs(W[k]!);
  const beta = fr(sum8(abs, 0, 1, abs.length) / abs.length);
  const w = new Int8Array(W.length);
  if (beta > 0) {
    const inv = fr(1 / beta);
    for (let k = 0; k < W.length; k++) w[k] = Math.max(-1, Math.min(1, rne(fr(W[k]! * inv))));
  }
  return ternaryFrom(w, out, inn, beta);
}

/** RMSNorm of T rows of n features into u; returns r per row (1/rms). */
export function rmsNorm(
  x: Float32Array,
  T: number,
  n: number,
  u: Float32Array,
  r: Float32Array,
): void {
  for (let t = 0; t < T; t++) {
    const o = t * n;
    const ms = fr(dot8(x, o, 1, x, o, 1, n) / n);
    const inv = fr(1 / fr(Math.sqrt(fr(ms + RMS_EPS))));
    r[t] = inv;
    for (let i = 0; i < n; i++) u[o + i] = fr(x[o + i]! * inv);
  }
}

/** dx = r·(du − u·fr(sum8(du·u)/n)) per row; writes dx (may not alias du). */
export function rmsNormBackward(
  du: Float32Array,
  u: Float32Array,
  r: Float32Array,
  T: number,
  n: number,
  dx: Float32Array,
): void {
  for (let t = 0; t < T; t++) {
    const o = t * n;
    const c = fr(dot8(du, o, 1, u, o, 1, n) / n);
    const inv = r[t]!;
    for (let i = 0; i < n; i++) dx[o + i] = fr(inv * fr(du[o + i]! - fr(u[o + i]! * c)));
  }
}

/** Per-token absmax int8 quantization; returns s = 127/γ per row (0 for a zero row). */
export function quantizeActivations(
  u: Float32Array,
  T: number,
  n: number,
  q: Int8Array,
  s: Float32Array,
): void {
  for (let t = 0; t < T; t++) {
    const o = t * n;
    let g = 0;
    for (let i = 0; i < n; i++) g = Math.max(g, Math.abs(u[o + i]!));
    if (g === 0) {
      s[t] = 0;
      q.fill(0, o, o + n);
      continue;
    }
    const sc = fr(127 / g);
    s[t] = sc;
    for (let i = 0; i < n; i++) q[o + i] = Math.max(-128, Math.min(127, rne(fr(u[o + i]! * sc))));
  }
}

/**
 * acc[t·m + j] = Σ_i q[t·n + i]·w[j·n + i]: the integer matmul, on the
 * WebAssembly SIMD kernel where the engine has it (simd/), else the scalar
 * loop below. Integer sums are exact in any order, so both give the same
 * bits (tested).
 */
export function ternaryMatmul(q: Int8Array, T: number, W: TernaryWeights, acc: Int32Array): void {
  if (!ternaryMatmulSimd(q, T, W.w, W.out, W.in, acc, W)) ternaryMatmulScalar(q, T, W, acc);
}

/** The scalar integer matmul; four tokens share each weight load. */
export function ternaryMatmulScalar(
  q: Int8Array,
  T: number,
  W: TernaryWeights,
  acc: Int32Array,
): void {
  const n = W.in;
  const m = W.out;
  const w = W.w;
  let t = 0;
  for (; t + 4 <= T; t += 4) {
    const q0 = t * n,
      q1 = q0 + n,
      q2 = q1 + n,
      q3 = q2 + n;
    for (let j = 0; j < m; j++) {
      const wo = j * n;
      let a0 = 0,
        a1 = 0,
        a2 = 0,
        a3 = 0;
      for (let i = 0; i < n; i++) {
        const wv = w[wo + i]!;
        a0 += q[q0 + i]! * wv;
        a1 += q[q1 + i]! * wv;
        a2 += q[q2 + i]! * wv;
        a3 += q[q3 + i]! * wv;
      }
      acc[t * m + j] = a0;
      acc[(t + 1) * m + j] = a1;
      acc[(t + 2) * m + j] = a2;
      acc[(t + 3) * m + j] = a3;
    }
  }
  for (; t < T; t++) {
    const qo = t * n;
    for (let j = 0; j < m; j++) {
      const wo = j * n;
      let a = 0;
      for (let i = 0; i < n; i++) a += q[qo + i]! * w[wo + i]!;
      acc[t * m + j] = a;
    }
  }
}

/** What the backward pass needs from a BitLinear forward. */
export interface BitLinearCache {
  readonly T: number;
  readonly u: Float32Array;
  readonly r: Float32Array;
  readonly q: Int8Array;
  readonly s: Float32Array;
}

export function bitLinearCache(T: number, n: number): BitLinearCache {
  return {
    T,
    u: new Float32Array(T * n),
    r: new Float32Array(T),
    q: new Int8Array(T * n),
    s: new Float32Array(T),
  };
}

/** y[T×m] = BitLinear(x[T×n]); fills the cache. */
export function bitLinearForward(
  x: Float32Array,
  T: number,
  W: TernaryWeights,
  y: Float32Array,
  c: BitLinearCache,
  acc?: Int32Array<ArrayBuffer>,
): void {
  if (bitLinearForwardSimd(x, T, W.w, W.out, W.in, W.beta, RMS_EPS, y, c, W)) return;
  bitLinearForwardScalar(x, T, W, y, c, acc);
}

/** The scalar forward: the reference the SIMD path is tested against. */
export function bitLinearForwardScalar(
  x: Float32Array,
  T: number,
  W: TernaryWeights,
  y: Float32Array,
  c: BitLinearCache,
  acc = new Int32Array(T * W.out),
): void {
  const n = W.in;
  const m = W.out;
  rmsNorm(x, T, n, c.u, c.r);
  quantizeActivations(c.u, T, n, c.q, c.s);
  ternaryMatmulScalar(c.q, T, W, acc);
  for (let t = 0; t < T; t++) {
    const sc = c.s[t]!;
    const deq = sc === 0 ? 0 : fr(W.beta / sc);
    for (let j = 0; j < m; j++) y[t * m + j] = fr(acc[t * m + j]! * deq);
  }
}

/** STE backward to the input: dx[T×n] from dy[T×m]. `du` is scratch of T×n. */
export function bitLinearBackward(
  dy: Float32Array,
  W: TernaryWeights,
  c: BitLinearCache,
  dx: Float32Array,
  du = new Float32Array(c.T * W.in),
): void {
  const n = W.in;
  const m = W.out;
  for (let t = 0; t < c.T; t++) {
    for (let i = 0; i < n; i++) du[t * n + i] = fr(W.beta * dotTernary8(dy, t * m, W.wT, i * m, m));
  }
  rmsNormBackward(du, c.u, c.r, c.T, n, dx);
}

/**
 * STE gradient for the latent float weights (for training a backbone; the
 * LoRA miners keep it frozen): dW[j][i] = sum8_t(dy[t][j] · q[t][i]/s[t]).
 */
export function bitLinearWeightGrad(
  dy: Float32Array,
  W: TernaryWeights,
  c: BitLinearCache,
  dW: Float32Array,
): void {
  const n = W.in;
  const m = W.out;
  const xh = new Float32Array(c.T * n);
  for (let t = 0; t < c.T; t++) {
    const sc = c.s[t]!;
    for (let i = 0; i < n; i++) xh[t * n + i] = sc === 0 ? 0 : fr(c.q[t * n + i]! / sc);
  }
  for (let j = 0; j < m; j++)
    for (let i = 0; i < n; i++) dW[j * n + i] = dot8(dy, j, m, xh, i, n, c.T);
}

/**
 * LoRA adapters on a frozen BitLinear: y = backbone(x) + (alpha/rank)·x·Aᵀ·Bᵀ
 * with A (rank×in) and B (out×rank), in canonical float32 (f32.ts):
 *
 *   h_k = sum8_i(x_i·A_ki)
 *   y_j = fr(backbone_j + fr(σ·sum8_k(h_k·B_jk)))        σ = fr(alpha/rank)
 *
 * Backward (for A, B and the input; the backbone gets none):
 *   dB_jk = fr(σ·sum8_t(dy_tj·h_tk))     dh_tk = fr(σ·sum8_j(dy_tj·B_jk))
 *   dA_ki = sum8_t(dh_tk·x_ti)           dx_ti += sum8_k(dh_tk·A_ki)
 *
 * A starts uniform in ±1/sqrt(in) from the seed, B at zero, so an adapter
 * starts as the identity change, as in the LoRA paper.
 */
import { dot8, fr } from "./f32.ts";

export interface LoraAdapter {
  readonly rank: number;
  readonly in: number;
  readonly out: number;
  readonly alpha: number;
  readonly A: Float32Array;
  readonly B: Float32Array;
}

export const loraScale = (a: Pick<LoraAdapter, "alpha" | "rank">): number => fr(a.alpha / a.rank);

export const MIN_RANK = 1;
export const MAX_RANK = 64;

export function checkRank(rank: number): void {
  if (!Number.isInteger(rank) || rank < MIN_RANK || rank > MAX_RANK) {
    throw new RangeError(`LoRA rank must be an integer in [${MIN_RANK}, ${MAX_RANK}], got ${rank}`);
  }
}

/** h[T×r] = x·Aᵀ and y[T×m] += σ·h·Bᵀ. */
export function loraForward(
  x: Float32Array,
  T: number,
  ad: LoraAdapter,
  y: Float32Array,
  h: Float32Array,
): void {
  const { rank: r, in: n, out: m, A, B } = ad;
  const sc = loraScale(ad);
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < r; k++) h[t * r + k] = dot8(x, t * n, 1, A, k * n, 1, n);
    for (let j = 0; j < m; j++)
      y[t * m + j] = fr(y[t * m + j]! + fr(sc * dot8(h, t * r, 1, B, j * r, 1, r)));
  }
}

/** Gradients into dA, dB (overwritten); adds the input gradient to dx when given. */
export function loraBackward(
  dy: Float32Array,
  x: Float32Array,
  h: Float32Array,
  T: number,
  ad: LoraAdapter,
  dA: Float32Array,
  dB: Float32Array,
  dx: Float32Array | undefined,
  dh = new Float32Array(T * ad.rank),
): void {
  const { rank: r, in: n, out: m, A, B } = ad;
  const sc = loraScale(ad);
  for (let j = 0; j < m; j++)
    for (let k = 0; k < r; k++) dB[j * r + k] = fr(sc * dot8(dy, j, m, h, k, r, T));
  for (let t = 0; t < T; t++)
    for (let k = 0; k < r; k++) dh[t * r + k] = fr(sc * dot8(dy, t * m, 1, B, k, r, m));
  for (let k = 0; k < r; k++)
    for (let i = 0; i < n; i++) dA[k * n + i] = dot8(dh, k, r, x, i, n, T);
  if (dx) {
    for (let t = 0; t < T; t++)
      for (let i = 0; i < n; i++)
        dx[t * n + i] = fr(dx[t * n + i]! + dot8(dh, t * r, 1, A, i, n, r));
  }
}

/**
 * Softmax cross-entropy in canonical float32, per row of V logits z and
 * target y:
 *
 *   μ = max z        e_v = expf(fr(z_v − μ))        S = sum8(e)
 *   loss = fr(logf(S) − fr(z_y − μ))
 *   dz_v = fr(fr(fr(e_v / S) − [v = y]) · fr(1/T))   (gradient of the mean)
 *
 * The batch loss is fr(sum8(loss_t) / T).
 */
import { expf, fr, logf, sum8 } from "./f32.ts";

/** Mean loss over T rows; writes dz (the gradient of the mean) when given. */
export function crossEntropy(
  z: Float32Array,
  T: number,
  V: number,
  targets: ArrayLike<number>,
  dz?: Float32Array,
): number {
  const e = new Float32Array(V);
  const losses = new Float32Array(T);
  const invT = fr(1 / T);
  for (let t = 0; t < T; t++) {
    const o = t * V;
    let mu = -Infinity;
    for (let v = 0; v < V; v++) mu = Math.max(mu, z[o + v]!);
    for (let v = 0; v < V; v++) e[v] = expf(fr(z[o + v]! - mu));
    const S = sum8(e, 0, 1, V);
    const y = targets[t]!;
    if (!(y >= 0 && y < V))
      throw new RangeError(`cross-entropy: target ${y} outside the vocabulary of ${V}`);
    losses[t] = fr(logf(S) - fr(z[o + y]! - mu));
    if (dz) {
      for (let v = 0; v < V; v++) dz[o + v] = fr(fr(fr(e[v]! / S) - (v === y ? 1 : 0)) * invT);
    }
  }
  return fr(sum8(losses, 0, 1, T) / T);
}

/**
 * AdamW over the adapter tensors only (the backbone has no optimizer state),
 * in canonical float32. Per element, in this order:
 *
 *   m = fr(fr(β1·m) + fr((1−β1)·g))        v = fr(fr(β2·v) + fr((1−β2)·fr(g·g)))
 *   m̂ = fr(m / c1)  v̂ = fr(v / c2)         c1 = fr(1 − β1^t), c2 = fr(1 − β2^t)
 *   p = fr(p − fr(lr·fr(fr(m̂ / fr(sqrt(v̂) + ε)) + fr(wd·p))))
 *
 * β^t is a running product fr(β^(t−1)·β), never Math.pow.
 */
import { fr } from "./f32.ts";

export interface AdamWConfig {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
}

export const defaultAdamW: AdamWConfig = {
  lr: 1e-2,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0,
};

export interface AdamWState {
  step: number;
  b1t: number;
  b2t: number;
  readonly m: Float32Array[];
  readonly v: Float32Array[];
}

export const adamWState = (params: readonly Float32Array[]): AdamWState => ({
  step: 0,
  b1t: 1,
  b2t: 1,
  m: params.map((p) => new Float32Array(p.length)),
  v: params.map((p) => new Float32Array(p.length)),
});

/** One AdamW step over params[k] with grads[k]; updates params and state in place. */
export function adamWStep(
  cfg: AdamWConfig,
  st: AdamWState,
  params: readonly Float32Array[],
  grads: readonly Float32Array[],
): void {
  const b1 = fr(cfg.beta1),
    b2 = fr(cfg.beta2),
    ob1 = fr(1 - b1),
    ob2 = fr(1 - b2);
  const lr = fr(cfg.lr),
    eps = fr(cfg.eps),
    wd = fr(cfg.weightDecay);
  st.step++;
  st.b1t = fr(st.b1t * b1);
  st.b2t = fr(st.b2t * b2);
  const c1 = fr(1 - st.b1t);
  const c2 = fr(1 - st.b2t);
  for (let k = 0; k < params.length; k++) {
    const p = params[k]!,
      g = grads[k]!,
      m = st.m[k]!,
      v = st.v[k]!;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]!;
      const mi = fr(fr(b1 * m[i]!) + fr(ob1 * gi));
      const vi = fr(fr(b2 * v[i]!) + fr(ob2 * fr(gi * gi)));
      m[i] = mi;
      v[i] = vi;
      const upd = fr(fr(mi / c1) / fr(fr(Math.sqrt(fr(vi / c2))) + eps));
      p[i] = fr(p[i]! - fr(lr * fr(upd + fr(wd * p[i]!))));
    }
  }
}

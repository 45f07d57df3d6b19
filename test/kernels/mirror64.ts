/**
 * Float64 mirrors of the kernels for finite-difference gradient checks: the
 * same math as src/kernels without float32 rounding, and (for the STE
 * surrogate) without the quantizers, whose true derivative is zero almost
 * everywhere.
 */
export const rms64 = (x: number[], eps = 1e-6): number[] => {
  const ms = x.reduce((s, v) => s + v * v, 0) / x.length;
  const r = 1 / Math.sqrt(ms + eps);
  return x.map((v) => v * r);
};

/** y = RMSNorm(x)·(β·w̃)ᵀ: the straight-through surrogate of BitLinear. */
export const bitLinearSurrogate64 = (
  x: number[],
  w: Int8Array,
  beta: number,
  out: number,
): number[] => {
  const u = rms64(x);
  const n = x.length;
  return Array.from({ length: out }, (_, j) =>
    u.reduce((s, v, i) => s + v * beta * w[j * n + i]!, 0),
  );
};

/** BitLinear with its quantizers, in float64 (round half to even). */
export const bitLinear64 = (x: number[], w: Int8Array, beta: number, out: number): number[] => {
  const u = rms64(x);
  const n = x.length;
  const g = Math.max(...u.map(Math.abs));
  const s = 127 / g;
  const rne = (v: number) => {
    const f = Math.floor(v);
    const d = v - f;
    return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
  };
  const q = u.map((v) => Math.max(-128, Math.min(127, rne(v * s))));
  return Array.from(
    { length: out },
    (_, j) => q.reduce((acc, v, i) => acc + v * w[j * n + i]!, 0) * (beta / s),
  );
};

export const lora64 = (
  x: number[],
  A: number[],
  B: number[],
  rank: number,
  out: number,
  scale: number,
): number[] => {
  const n = x.length;
  const h = Array.from({ length: rank }, (_, k) => x.reduce((s, v, i) => s + v * A[k * n + i]!, 0));
  return Array.from(
    { length: out },
    (_, j) => scale * h.reduce((s, v, k) => s + v * B[j * rank + k]!, 0),
  );
};

export const crossEntropy64 = (z: number[], y: number): number => {
  const mu = Math.max(...z);
  const S = z.reduce((s, v) => s + Math.exp(v - mu), 0);
  return Math.log(S) - (z[y]! - mu);
};

/** Central differences of f at x, coordinate by coordinate. */
export const fd = (f: (x: number[]) => number, x: number[], h = 1e-5): number[] =>
  x.map((_, i) => {
    const p = x.slice();
    p[i] = x[i]! + h;
    const m = x.slice();
    m[i] = x[i]! - h;
    return (f(p) - f(m)) / (2 * h);
  });

/** max |a − b| relative to max |b|. */
export const relErr = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0,
    s = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return d / (s || 1);
};

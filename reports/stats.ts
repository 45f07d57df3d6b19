/**
 * The small statistics the profit report needs: Student-t quantiles (from
 * the regularized incomplete beta function, inverted by bisection: exact
 * to the digits a report prints, no table to go stale), the t interval of
 * a mean, and Welch's interval of a difference of two means. Floats:
 * reports only.
 */

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9). */
export const lnGamma = (x: number): number => {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61503916999185, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
};

/** Continued fraction of the incomplete beta function (modified Lentz). */
const betaCf = (a: number, b: number, x: number): number => {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
};

/** The regularized incomplete beta function I_x(a, b). */
export const incompleteBeta = (x: number, a: number, b: number): number => {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(
    lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x),
  );
  return x < (a + 1) / (a + b + 2)
    ? (front * betaCf(a, b, x)) / a
    : 1 - (front * betaCf(b, a, 1 - x)) / b;
};

/** P(T ≤ t) for Student's t with `df` degrees of freedom (df may be fractional, as Welch's is). */
export const tCdf = (t: number, df: number): number => {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
};

/** The p-quantile of Student's t (0 < p < 1). */
export const tQuantile = (p: number, df: number): number => {
  if (!(p > 0 && p < 1) || !(df > 0))
    throw new RangeError(`tQuantile(${p}, ${df}): needs 0 < p < 1 and df > 0`);
  if (p < 0.5) return -tQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (tCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
};

/** A sample's size, mean and unbiased variance. */
export interface Sample {
  readonly n: number;
  readonly mean: number;
  /** Sample variance (n − 1 in the denominator); 0 when n < 2. */
  readonly variance: number;
}

export const sampleOf = (xs: readonly number[]): Sample => {
  const n = xs.length;
  const mean = n === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / n;
  const variance = n < 2 ? 0 : xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
  return { n, mean, variance };
};

/** A point estimate with its interval; `lo`/`hi` absent when the data give none. */
export interface Estimate {
  readonly mean: number;
  readonly lo?: number;
  readonly hi?: number;
  readonly df?: number;
  /** Samples behind it (seeds for a paired estimate, actors otherwise). */
  readonly n: number;
}

const interval = (mean: number, se: number, df: number, level: number, n: number): Estimate => {
  const q = tQuantile(1 - (1 - level) / 2, df);
  return { mean, lo: mean - q * se, hi: mean + q * se, df, n };
};

/** Student-t interval of a mean (needs two samples). */
export const meanInterval = (s: Sample, level = 0.95): Estimate =>
  s.n < 2
    ? { mean: s.mean, n: s.n }
    : interval(s.mean, Math.sqrt(s.variance / s.n), s.n - 1, level, s.n);

/**
 * Welch's interval of mean(a) − mean(b), with Welch–Satterthwaite degrees
 * of freedom. A side with one sample has no variance of its own: it is
 * taken to spread like the other side (a prediction interval, df of the
 * other side); two single samples give no interval.
 */
export const welchInterval = (a: Sample, b: Sample, level = 0.95): Estimate => {
  const mean = a.mean - b.mean;
  const n = a.n + b.n;
  if (a.n < 1 || b.n < 1 || (a.n < 2 && b.n < 2)) return { mean, n };
  if (a.n < 2)
    return b.variance === 0
      ? { mean, lo: mean, hi: mean, n }
      : interval(mean, Math.sqrt(b.variance * (1 + 1 / b.n)), b.n - 1, level, n);
  if (b.n < 2)
    return a.variance === 0
      ? { mean, lo: mean, hi: mean, n }
      : interval(mean, Math.sqrt(a.variance * (1 + 1 / a.n)), a.n - 1, level, n);
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  if (va + vb === 0) return { mean, lo: mean, hi: mean, n };
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  return interval(mean, Math.sqrt(va + vb), df, level, n);
};

/**
 * Robust combination of update vectors, computed off chain by the proposer
 * (the chain only sees the CID and the Merkle root of what was included):
 * coordinate-wise mean, median (the lower middle for an even count),
 * trimmed mean (trimBps of the values dropped at each end) and Krum (one
 * whole update, the most central). Integer-only:
 * division truncates toward −∞ with exact safe-integer arithmetic.
 */
import { AggregationMethod } from "../gen/remes/v1/types_pb.ts";

/** An aggregate a proposer computed off chain, compared with the window's true update. */
export interface AggregateRecord {
  readonly window: number;
  readonly proposer: string;
  readonly method: AggregationMethod;
  /** Submissions included. */
  readonly included: number;
  readonly vector: readonly number[];
  readonly trueVector: readonly number[];
  /** L1 distance between the aggregate and the window's true update. */
  readonly errorL1: number;
}

const floorDiv = (a: number, b: number): number => {
  const r = a % b;
  return (a - r) / b - (r < 0 ? 1 : 0);
};

export const DEFAULT_TRIM_BPS = 1_000;

/** Krum's assumed share of Byzantine updates (bps): f = ⌊n × this⌋, at most ⌊(n − 3)/2⌋. */
export const DEFAULT_KRUM_BYZANTINE_BPS = 3_000;

/**
 * Krum: the update whose summed squared distance to its n − f − 2 nearest
 * others is smallest (ties: the earliest). Exact integer distances (bigint).
 */
export const krum = (
  updates: readonly Int32Array[],
  byzantineBps = DEFAULT_KRUM_BYZANTINE_BPS,
): Int32Array => {
  const n = updates.length;
  if (n <= 2) return Int32Array.from(updates[0] ?? []);
  const f = Math.max(0, Math.min(floorDiv(n * byzantineBps, 10_000), floorDiv(n - 3, 2)));
  const k = Math.max(1, n - f - 2);
  const d: bigint[][] = updates.map(() => new Array<bigint>(n).fill(0n));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0n;
      const a = updates[i]!;
      const b = updates[j]!;
      for (let c = 0; c < a.length; c++) {
        const x = BigInt(a[c]! - (b[c] ?? 0));
        s += x * x;
      }
      d[i]![j] = s;
      d[j]![i] = s;
    }
  }
  let best = 0;
  let bestScore: bigint | undefined;
  for (let i = 0; i < n; i++) {
    const others = d[i]!.filter((_, j) => j !== i).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    let score = 0n;
    for (let j = 0; j < k; j++) score += others[j]!;
    if (bestScore === undefined || score < bestScore) {
      best = i;
      bestScore = score;
    }
  }
  return Int32Array.from(updates[best]!);
};

export const aggregateUpdates = (
  updates: readonly Int32Array[],
  method: AggregationMethod,
  trimBps = DEFAULT_TRIM_BPS,
): Int32Array => {
  const n = updates.length;
  if (n === 0) return new Int32Array(0);
  if (method === AggregationMethod.KRUM) return krum(updates);
  const dim = updates[0]!.length;
  const out = new Int32Array(dim);
  const column = new Int32Array(n);
  const trim =
    method === AggregationMethod.TRIMMED_MEAN
      ? Math.min(floorDiv(n * trimBps, 10_000), floorDiv(n - 1, 2))
      : 0;
  for (let d = 0; d < dim; d++) {
    for (let i = 0; i < n; i++) column[i] = updates[i]![d]!;
    if (method === AggregationMethod.MEAN) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += column[i]!;
      out[d] = floorDiv(sum, n);
      continue;
    }
    column.sort();
    if (method === AggregationMethod.MEDIAN) {
      out[d] = column[floorDiv(n - 1, 2)]!;
      continue;
    }
    let sum = 0;
    for (let i = trim; i < n - trim; i++) sum += column[i]!;
    out[d] = floorDiv(sum, n - 2 * trim);
  }
  return out;
};

export const l1 = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i]! - (b[i] ?? 0));
  return d;
};

export const methodByName = {
  mean: AggregationMethod.MEAN,
  median: AggregationMethod.MEDIAN,
  trimmed_mean: AggregationMethod.TRIMMED_MEAN,
  krum: AggregationMethod.KRUM,
} as const;
export type MethodName = keyof typeof methodByName;

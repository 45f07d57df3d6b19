/**
 * Robust combination of update vectors, computed off chain by the proposer
 * (the chain only sees the CID and the Merkle root of what was included):
 * coordinate-wise mean, median (the lower middle for an even count) and
 * trimmed mean (trimBps of the values dropped at each end). Integer-only:
 * division truncates toward −∞ with exact safe-integer arithmetic.
 */
import { AggregationMethod } from "../gen/remes/v1/types_pb.ts";

const floorDiv = (a: number, b: number): number => {
  const r = a % b;
  return (a - r) / b - (r < 0 ? 1 : 0);
};

export const DEFAULT_TRIM_BPS = 1_000;

export const aggregateUpdates = (updates: readonly Int32Array[], method: AggregationMethod, trimBps = DEFAULT_TRIM_BPS): Int32Array => {
  const n = updates.length;
  if (n === 0) return new Int32Array(0);
  const dim = updates[0]!.length;
  const out = new Int32Array(dim);
  const column = new Int32Array(n);
  const trim = method === AggregationMethod.TRIMMED_MEAN ? Math.min(floorDiv(n * trimBps, 10_000), floorDiv(n - 1, 2)) : 0;
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

export const methodByName = { mean: AggregationMethod.MEAN, median: AggregationMethod.MEDIAN, trimmed_mean: AggregationMethod.TRIMMED_MEAN } as const;
export type MethodName = keyof typeof methodByName;

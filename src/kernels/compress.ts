/**
 * Update compression with error feedback (as in 1-bit SGD / EF-SGD): per
 * tensor, acc = fr(delta + residual); keep the k entries of largest |acc|
 * (ties to the lower index), optionally as int8 with one absmax scale
 * (scale = fr(max|kept| / 127), q = clamp(rne(fr(v / scale)), −127, 127),
 * value = fr(q·scale)); what was not sent, acc − sent, becomes the next
 * residual. Deterministic: same inputs, same bytes.
 *
 * Train each round from the local model base + residual (train.ts applyDelta)
 * and compress that run's delta with the same residual: what goes out is
 * then exactly local − global. Training from the global model instead makes
 * the next round relearn updates the residual still holds, and the two add
 * up (bench/kernels.ts: +6.6% held-out loss at top-20% + int8, against −0.8%).
 */
import { fr, rne } from "./f32.ts";

export interface CompressOptions {
  /** fraction of entries kept per tensor, in (0, 1] (at least one is kept) */
  readonly topK: number;
  readonly int8: boolean;
}

export interface CompressedTensor {
  /** ascending indices of the kept entries */
  readonly indices: Int32Array;
  readonly q: Int8Array | undefined;
  readonly values: Float32Array | undefined;
  readonly scale: number;
}

export function checkCompressOptions(o: CompressOptions): void {
  if (!(o.topK > 0 && o.topK <= 1))
    throw new RangeError(`top-k fraction must be in (0, 1], got ${o.topK}`);
}

/** Compresses `delta` tensors; updates `residual` (same shapes) in place. */
export function compress(
  delta: readonly Float32Array[],
  residual: Float32Array[],
  o: CompressOptions,
): CompressedTensor[] {
  checkCompressOptions(o);
  return delta.map((d, t) => {
    const res = residual[t]!;
    if (res.length !== d.length)
      throw new RangeError(`compress: residual ${t} has ${res.length} entries, delta ${d.length}`);
    const acc = new Float32Array(d.length);
    for (let i = 0; i < d.length; i++) acc[i] = fr(d[i]! + res[i]!);
    const k = Math.max(1, Math.min(d.length, Math.round(o.topK * d.length)));
    const order = Int32Array.from({ length: d.length }, (_, i) => i).sort(
      (a, b) => Math.abs(acc[b]!) - Math.abs(acc[a]!) || a - b,
    );
    const indices = order.subarray(0, k).slice().sort();
    const sent = new Float32Array(k);
    let q: Int8Array | undefined;
    let scale = 1;
    if (o.int8) {
      let mx = 0;
      for (const i of indices) mx = Math.max(mx, Math.abs(acc[i]!));
      scale = mx === 0 ? 1 : fr(mx / 127);
      q = new Int8Array(k);
      for (let j = 0; j < k; j++) {
        q[j] = Math.max(-127, Math.min(127, rne(fr(acc[indices[j]!]! / scale))));
        sent[j] = fr(q[j]! * scale);
      }
    } else {
      for (let j = 0; j < k; j++) sent[j] = acc[indices[j]!]!;
    }
    res.set(acc);
    for (let j = 0; j < k; j++) res[indices[j]!] = fr(acc[indices[j]!]! - sent[j]!);
    return { indices, q, values: o.int8 ? undefined : sent, scale };
  });
}

/** The dense tensor of `numel` entries a compressed tensor stands for. */
export function decompress(c: CompressedTensor, numel: number): Float32Array {
  const out = new Float32Array(numel);
  const n = c.indices.length;
  const vals = c.q ?? c.values;
  if (!vals || vals.length !== n)
    throw new RangeError(`compressed tensor has ${n} indices and ${vals?.length ?? 0} values`);
  let prev = -1;
  for (let j = 0; j < n; j++) {
    const i = c.indices[j]!;
    if (!(i > prev && i < numel))
      throw new RangeError(`compressed index ${i} is out of order or outside ${numel} entries`);
    prev = i;
    out[i] = c.q ? fr(c.q[j]! * c.scale) : c.values![j]!;
  }
  return out;
}

/**
 * A miner's unit of work: from the window's base adapters, `steps` AdamW
 * steps on one 2,048-token chunk; batch s is the s-th (mod count) run of
 * `batchTokens` consecutive next-byte predictions. The result is the adapter
 * delta (new − base, fr per element): what gets serialized, hashed and
 * submitted. Everything is a pure function of (backbone, base, chunk, options).
 */
import { adamWState, adamWStep, type AdamWConfig, defaultAdamW } from "./adamw.ts";
import { fr } from "./f32.ts";
import {
  adapterTensors,
  type Adapters,
  type Backbone,
  cloneAdapters,
  lossAndGrads,
  zeroGrads,
} from "./model.ts";

export interface TrainOptions {
  readonly steps: number;
  readonly batchTokens: number;
  readonly adamw: AdamWConfig;
}

export const defaultTrainOptions: TrainOptions = {
  steps: 16,
  batchTokens: 64,
  adamw: defaultAdamW,
};

/** Number of batches in a chunk of `length` tokens with `context` bytes of context. */
export const batchCount = (length: number, context: number, batchTokens: number): number =>
  Math.floor((length - context) / batchTokens);

/** Positions predicted by batch `index` (mod the batch count). */
export function batchPositions(
  length: number,
  context: number,
  batchTokens: number,
  index: number,
): Int32Array {
  const nb = batchCount(length, context, batchTokens);
  if (nb < 1)
    throw new RangeError(
      `a chunk of ${length} tokens holds no batch of ${batchTokens} positions after ${context} bytes of context`,
    );
  const start = context + (index % nb) * batchTokens;
  return Int32Array.from({ length: batchTokens }, (_, i) => start + i);
}

/** Every position of a chunk that has full context (the evaluation set). */
export const allPositions = (length: number, context: number): Int32Array =>
  Int32Array.from({ length: length - context }, (_, i) => context + i);

export interface TrainResult {
  readonly adapters: Adapters;
  readonly delta: Float32Array[];
  readonly losses: Float32Array;
}

export function train(
  bb: Backbone,
  base: Adapters,
  chunk: Uint8Array,
  opts: TrainOptions = defaultTrainOptions,
): TrainResult {
  if (!(Number.isInteger(opts.steps) && opts.steps >= 1))
    throw new RangeError(`train: steps must be a positive integer, got ${opts.steps}`);
  const ad = cloneAdapters(base);
  const params = adapterTensors(ad);
  const grads = zeroGrads(ad);
  const st = adamWState(params);
  const losses = new Float32Array(opts.steps);
  for (let s = 0; s < opts.steps; s++) {
    const pos = batchPositions(chunk.length, bb.config.context, opts.batchTokens, s);
    losses[s] = lossAndGrads(bb, ad, chunk, pos, grads);
    adamWStep(opts.adamw, st, params, grads);
  }
  const before = adapterTensors(base);
  const delta = params.map((p, k) => {
    const d = new Float32Array(p.length);
    for (let i = 0; i < p.length; i++) d[i] = fr(p[i]! - before[k]![i]!);
    return d;
  });
  return { adapters: ad, delta, losses };
}

/** base + delta, element-wise fr. */
export function applyDelta(base: Adapters, delta: readonly Float32Array[]): Adapters {
  const ad = cloneAdapters(base);
  adapterTensors(ad).forEach((p, k) => {
    const d = delta[k];
    if (!d || d.length !== p.length)
      throw new RangeError(
        `applyDelta: tensor ${k} has ${d?.length ?? 0} values, expected ${p.length}`,
      );
    for (let i = 0; i < p.length; i++) p[i] = fr(p[i]! + d[i]!);
  });
  return ad;
}

/** Mean next-byte loss over every position of a chunk (forward only). */
export const evalLoss = (bb: Backbone, ad: Adapters, chunk: Uint8Array): number =>
  lossAndGrads(bb, ad, chunk, allPositions(chunk.length, bb.config.context));

/**
 * A tiny byte-level language model built from BitLinear + LoRA, small enough
 * to train on 2 CPU cores in well under a second per step:
 *
 *   x0 = concat(E[tok_{p−k}], …, E[tok_{p−1}])       frozen float32 embedding, k·e features
 *   h  = in(x0)                                       BitLinear k·e → d, + LoRA
 *   for each block: h = fr(h + down(relu²(up(h))))    BitLinear d → f → d, + LoRA each
 *   logits = head(h)                                  BitLinear d → 256, + LoRA
 *   loss = mean cross-entropy of logits vs tok_p
 *
 * Context is a fixed window of the k previous bytes (a Bengio-style MLP
 * language model). The backbone (embedding and ternary weights) is generated
 * from a seed and never changes; only the adapters train. relu²(a) = fr(a·a)
 * for a > 0 else 0; its backward is fr(dz·fr(2·a)).
 */
import {
  type BitLinearCache,
  bitLinearBackward,
  bitLinearCache,
  bitLinearForward,
  quantizeWeights,
  type TernaryWeights,
} from "./bitlinear.ts";
import { fr } from "./f32.ts";
import { crossEntropy } from "./loss.ts";
import { checkRank, type LoraAdapter, loraBackward, loraForward } from "./lora.ts";
import { Prng } from "../protocol/randomness.ts";

export interface ModelConfig {
  readonly vocab: number;
  readonly context: number;
  readonly embDim: number;
  readonly dModel: number;
  readonly hidden: number;
  readonly blocks: number;
  readonly rank: number;
  readonly alpha: number;
}

/** The default miner model: ~120k backbone weights, rank-4 adapters. */
export const tinyConfig: ModelConfig = {
  vocab: 256,
  context: 8,
  embDim: 16,
  dModel: 64,
  hidden: 128,
  blocks: 2,
  rank: 4,
  alpha: 8,
};

export interface Backbone {
  readonly config: ModelConfig;
  /** [vocab][embDim] */
  readonly embedding: Float32Array;
  /** in, block0.up, block0.down, …, head */
  readonly layers: readonly TernaryWeights[];
}

export interface Adapters {
  readonly layers: readonly LoraAdapter[];
}

export const layerNames = (cfg: ModelConfig): string[] => [
  "in",
  ...Array.from({ length: cfg.blocks }, (_, b) => [`block${b}.up`, `block${b}.down`]).flat(),
  "head",
];

const layerShapes = (cfg: ModelConfig): [out: number, inn: number][] => [
  [cfg.dModel, cfg.context * cfg.embDim],
  ...Array.from({ length: cfg.blocks }, (): [number, number][] => [
    [cfg.hidden, cfg.dModel],
    [cfg.dModel, cfg.hidden],
  ]).flat(),
  [cfg.vocab, cfg.dModel],
];

export function checkConfig(cfg: ModelConfig): void {
  checkRank(cfg.rank);
  for (const [k, v] of Object.entries(cfg)) {
    if (!Number.isInteger(v) || v < 1)
      throw new RangeError(`model config: ${k} must be a positive integer, got ${v}`);
  }
  if (cfg.vocab > 256)
    throw new RangeError("model config: the byte tokenizer has a vocabulary of at most 256");
}

/** Uniform binary32 in [−a, a) from 24 random bits (exact). */
const uniform = (rng: Prng, a: number): number =>
  fr(fr(fr(2 * fr((rng.nextU32() >>> 8) * 2 ** -24)) - 1) * fr(a));

/** The frozen backbone, generated from a seed: latent U(±1/√n) weights quantized to ternary. */
export function initBackbone(cfg: ModelConfig, seed: Uint8Array): Backbone {
  checkConfig(cfg);
  const rng = new Prng(seed);
  const embedding = new Float32Array(cfg.vocab * cfg.embDim);
  const er = rng.fork("embedding");
  for (let i = 0; i < embedding.length; i++) embedding[i] = uniform(er, 1);
  const layers = layerShapes(cfg).map(([out, inn], l) => {
    const lr = rng.fork("layer", l);
    const W = new Float32Array(out * inn);
    const a = fr(1 / Math.sqrt(inn));
    for (let i = 0; i < W.length; i++) W[i] = uniform(lr, a);
    return quantizeWeights(W, out, inn);
  });
  return { config: cfg, embedding, layers };
}

/** Fresh adapters: A uniform in ±1/√in from the seed, B = 0. */
export function initAdapters(cfg: ModelConfig, seed: Uint8Array): Adapters {
  checkConfig(cfg);
  const rng = new Prng(seed);
  return {
    layers: layerShapes(cfg).map(([out, inn], l) => {
      const lr = rng.fork("lora", l);
      const A = new Float32Array(cfg.rank * inn);
      const a = fr(1 / Math.sqrt(inn));
      for (let i = 0; i < A.length; i++) A[i] = uniform(lr, a);
      return {
        rank: cfg.rank,
        in: inn,
        out,
        alpha: cfg.alpha,
        A,
        B: new Float32Array(out * cfg.rank),
      };
    }),
  };
}

export const cloneAdapters = (a: Adapters): Adapters => ({
  layers: a.layers.map((l) => ({ ...l, A: l.A.slice(), B: l.B.slice() })),
});

/** The trainable tensors in canonical order: A then B of each layer. */
export const adapterTensors = (a: Adapters): Float32Array[] => a.layers.flatMap((l) => [l.A, l.B]);

/** Embeds the k bytes before each position: x0[t] = concat(E[tok[p_t − k + c]]). */
export function embed(
  bb: Backbone,
  tokens: Uint8Array,
  positions: ArrayLike<number>,
): Float32Array {
  const { context: k, embDim: e } = bb.config;
  const T = positions.length;
  const x = new Float32Array(T * k * e);
  for (let t = 0; t < T; t++) {
    const p = positions[t]!;
    if (!(p >= k && p < tokens.length))
      throw new RangeError(
        `position ${p} needs ${k} bytes of context inside ${tokens.length} tokens`,
      );
    for (let c = 0; c < k; c++)
      x.set(
        bb.embedding.subarray(tokens[p - k + c]! * e, (tokens[p - k + c]! + 1) * e),
        (t * k + c) * e,
      );
  }
  return x;
}

interface LayerRun {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly h: Float32Array;
  readonly cache: BitLinearCache;
}

const runLayer = (W: TernaryWeights, ad: LoraAdapter, x: Float32Array, T: number): LayerRun => {
  const y = new Float32Array(T * W.out);
  const cache = bitLinearCache(T, W.in);
  bitLinearForward(x, T, W, y, cache);
  const h = new Float32Array(T * ad.rank);
  loraForward(x, T, ad, y, h);
  return { x, y, h, cache };
};

/** Gradients of the adapters, laid out like adapterTensors. */
export const zeroGrads = (a: Adapters): Float32Array[] =>
  adapterTensors(a).map((t) => new Float32Array(t.length));

/**
 * Mean cross-entropy of the next byte at `positions`; with `grads`, also the
 * adapter gradients (overwritten) by backpropagation.
 */
export function lossAndGrads(
  bb: Backbone,
  ad: Adapters,
  tokens: Uint8Array,
  positions: ArrayLike<number>,
  grads?: Float32Array[],
): number {
  const cfg = bb.config;
  const T = positions.length;
  const L = bb.layers;
  const A = ad.layers;
  const targets = new Uint8Array(T);
  for (let t = 0; t < T; t++) targets[t] = tokens[positions[t]!]!;
  const runs: LayerRun[] = [];
  const acts: Float32Array[] = [];
  let run = runLayer(L[0]!, A[0]!, embed(bb, tokens, positions), T);
  runs.push(run);
  let h = run.y;
  for (let b = 0; b < cfg.blocks; b++) {
    const up = runLayer(L[1 + 2 * b]!, A[1 + 2 * b]!, h, T);
    const z = new Float32Array(up.y.length);
    for (let i = 0; i < z.length; i++) {
      const a = up.y[i]!;
      z[i] = a > 0 ? fr(a * a) : 0;
    }
    const down = runLayer(L[2 + 2 * b]!, A[2 + 2 * b]!, z, T);
    const next = new Float32Array(h.length);
    for (let i = 0; i < h.length; i++) next[i] = fr(h[i]! + down.y[i]!);
    runs.push(up, down);
    acts.push(up.y);
    h = next;
  }
  run = runLayer(L[L.length - 1]!, A[A.length - 1]!, h, T);
  runs.push(run);
  if (!grads) return crossEntropy(run.y, T, cfg.vocab, targets);

  const dz = new Float32Array(run.y.length);
  const loss = crossEntropy(run.y, T, cfg.vocab, targets, dz);
  const back = (l: number, dy: Float32Array, needDx: boolean): Float32Array | undefined => {
    const r = runs[l]!;
    const W = L[l]!;
    const dx = needDx ? new Float32Array(T * W.in) : undefined;
    if (dx) bitLinearBackward(dy, W, r.cache, dx);
    loraBackward(dy, r.x, r.h, T, A[l]!, grads[2 * l]!, grads[2 * l + 1]!, dx);
    return dx;
  };
  let dh = back(L.length - 1, dz, true)!;
  for (let b = cfg.blocks - 1; b >= 0; b--) {
    const dzb = back(2 + 2 * b, dh, true)!; // residual: d(down output) = dh
    const a = acts[b]!;
    const da = new Float32Array(a.length);
    for (let i = 0; i < a.length; i++) da[i] = a[i]! > 0 ? fr(dzb[i]! * fr(2 * a[i]!)) : 0;
    const dIn = back(1 + 2 * b, da, true)!;
    const next = new Float32Array(dh.length);
    for (let i = 0; i < dh.length; i++) next[i] = fr(dh[i]! + dIn[i]!);
    dh = next;
  }
  back(0, dh, false); // the embedding is frozen: no input gradient needed
  return loss;
}

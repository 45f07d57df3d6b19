/**
 * Kernel benchmark: canonical BitNet + LoRA kernels against onnxruntime-node
 * on one CPU thread, and the bandwidth / loss cost of sending LoRA updates.
 *
 *   npx tsx bench/kernels.ts        (npm run bench:kernels)
 *
 * Prints one JSON line. Figures:
 * - bitlinear_tok_per_s: BitLinear forward (RMSNorm, int8 quantization,
 *   ternary integer matmul, rescale) tokens/s, the mean over SHAPES (batches
 *   of 256 tokens); per shape in `shapes`.
 * - ort_ratio: onnxruntime-node (CPU, 1 thread) running a float32 MatMul of
 *   the same shapes, tokens/s, divided by ours (mean of the per-shape ratios;
 *   > 1 means onnxruntime is faster).
 * - lora_train_tok_per_s: training tokens/s of the miner model (tinyConfig,
 *   forward + backward + AdamW, 64-token batches).
 * - bandwidth_reduction_lora / _compressed: 1 − (update file bytes / full
 *   float32 weights bytes) for a rank-4 adapter of BANDWIDTH_CONFIG (a real
 *   safetensors file, dense; then top-k + int8 with TOPK), vs the seed's 0.996.
 * - compressed_loss_delta: relative change in held-out loss (mean over all
 *   held-out chunks) after ROUNDS rounds of local training on the miner model
 *   when every round's update is sent compressed (top-k + int8, error
 *   feedback) instead of dense. Both arms see the same rounds, chunks, steps
 *   and optimizer (`compression` in the JSON). Error feedback trains from the
 *   miner's local model (global + residual), so the residual is not relearned
 *   on top of itself; compressed_loss_delta_plain_ef is the textbook variant
 *   (train from the global model, add the residual to the delta) for
 *   comparison. Kept indices travel as a bitmap when that is smaller.
 * - simd: whether the WebAssembly SIMD kernels ran (src/kernels/simd).
 */
import * as ort from "onnxruntime-node";
import { adamWState, adamWStep } from "../src/kernels/adamw.ts";
import { encodeCompressedUpdate, encodeUpdate } from "../src/kernels/adapter-file.ts";
import { fastTrainOptions } from "../src/kernels/backend.ts";
import { bitLinearCache, bitLinearForward, quantizeWeights } from "../src/kernels/bitlinear.ts";
import { compress, decompress } from "../src/kernels/compress.ts";
import { simdEnabled } from "../src/kernels/simd/kernels.ts";
import { corpus } from "../src/kernels/corpus.ts";
import {
  adapterTensors,
  type Adapters,
  initAdapters,
  initBackbone,
  lossAndGrads,
  type ModelConfig,
  tinyConfig,
  zeroGrads,
} from "../src/kernels/model.ts";
import { encodeModel } from "../src/kernels/onnx.ts";
import { applyDelta, batchPositions, evalLoss, train } from "../src/kernels/train.ts";

const SHAPES: [inn: number, out: number][] = [
  [256, 256],
  [512, 1024],
  [1024, 1024],
];
const T = 256;
const TOPK = 0.2;
const ROUNDS = 20;
const BANDWIDTH_CONFIG: ModelConfig = {
  vocab: 256,
  context: 16,
  embDim: 64,
  dModel: 1024,
  hidden: 4096,
  blocks: 8,
  rank: 4,
  alpha: 8,
};

/** Runs fn until ≥ minMs elapsed; returns calls per second. */
const rate = async (fn: () => unknown, minMs = 1_000): Promise<number> => {
  await fn();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    await fn();
    n++;
  }
  return (n * 1000) / (performance.now() - t0);
};

const rand = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * 12.9898 + seed) * 0.5));

async function shapes() {
  const out = [];
  for (const [inn, m] of SHAPES) {
    const W = quantizeWeights(rand(inn * m, 1), m, inn);
    const x = rand(T * inn, 2);
    const y = new Float32Array(T * m);
    const c = bitLinearCache(T, inn);
    const acc = new Int32Array(T * m);
    const ours = (await rate(() => bitLinearForward(x, T, W, y, c, acc))) * T;
    const wT = new Float32Array(inn * m);
    for (let j = 0; j < m; j++) for (let i = 0; i < inn; i++) wT[i * m + j] = W.w[j * inn + i]!;
    const model = encodeModel(
      [{ op: "MatMul", inputs: ["x", "w"], outputs: ["y"] }],
      [{ name: "w", dims: [inn, m], type: 1, raw: new Uint8Array(wT.buffer) }],
      { name: "x", type: 1, dims: [T, inn] },
      { name: "y", dims: [T, m] },
    );
    const s = await ort.InferenceSession.create(model, {
      executionProviders: ["cpu"],
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
    });
    const feeds = { x: new ort.Tensor("float32", x, [T, inn]) };
    const theirs = (await rate(() => s.run(feeds))) * T;
    await s.release();
    out.push({
      in: inn,
      out: m,
      bitlinear_tok_per_s: Math.round(ours),
      ort_matmul_tok_per_s: Math.round(theirs),
      ratio: theirs / ours,
    });
  }
  return out;
}

async function trainRate(): Promise<number> {
  const bb = initBackbone(tinyConfig, new Uint8Array(32));
  const ad = initAdapters(tinyConfig, new Uint8Array(32).fill(1));
  const chunk = corpus().train[0]!;
  const params = adapterTensors(ad);
  const grads = zeroGrads(ad);
  const st = adamWState(params);
  let b = 0;
  return (
    (await rate(() => {
      lossAndGrads(bb, ad, chunk, batchPositions(chunk.length, tinyConfig.context, 64, b++), grads);
      adamWStep(fastTrainOptions.adamw, st, params, grads);
    }, 2_000)) * 64
  );
}

function bandwidth() {
  const cfg = BANDWIDTH_CONFIG;
  const ad = initAdapters(cfg, new Uint8Array(32).fill(9));
  const tensors = adapterTensors(ad); // stands in for a trained delta: same size
  for (const t of tensors)
    for (let i = 0; i < t.length; i++) t[i] = Math.fround(Math.sin(i) * 1e-3) || t[i]!;
  const fullParams =
    cfg.vocab * cfg.embDim +
    cfg.dModel * cfg.context * cfg.embDim +
    cfg.blocks * 2 * cfg.dModel * cfg.hidden +
    cfg.vocab * cfg.dModel;
  const fullBytes = fullParams * 4;
  const dense = encodeUpdate(cfg, tensors).length;
  const comp = encodeCompressedUpdate(
    cfg,
    compress(
      tensors,
      tensors.map((t) => new Float32Array(t.length)),
      { topK: TOPK, int8: true },
    ),
  ).length;
  return { fullBytes, dense, comp };
}

const COMPRESSION = {
  rounds: ROUNDS,
  steps: 10,
  batch_tokens: 64,
  lr: fastTrainOptions.adamw.lr,
  topk: TOPK,
  int8: "per-tensor absmax",
  error_feedback: "local model (global + residual)",
  eval: "mean loss over every held-out chunk after the last round",
};

function compressionLoss() {
  const bb = initBackbone(tinyConfig, new Uint8Array(32));
  const c = corpus();
  const evalAll = (g: Adapters) =>
    c.heldout.reduce((s, h) => s + evalLoss(bb, g, h), 0) / c.heldout.length;
  const run = (mode: "dense" | "local-ef" | "plain-ef"): number => {
    let global: Adapters = initAdapters(tinyConfig, new Uint8Array(32).fill(1));
    const residual = adapterTensors(global).map((t) => new Float32Array(t.length));
    for (let r = 0; r < ROUNDS; r++) {
      const start = mode === "local-ef" ? applyDelta(global, residual) : global;
      const { delta } = train(bb, start, c.train[r]!, {
        ...fastTrainOptions,
        steps: COMPRESSION.steps,
        batchTokens: COMPRESSION.batch_tokens,
      });
      const sent =
        mode === "dense"
          ? delta
          : compress(delta, residual, { topK: TOPK, int8: true }).map((ct, k) =>
              decompress(ct, delta[k]!.length),
            );
      global = applyDelta(global, sent);
    }
    return evalAll(global);
  };
  return { dense: run("dense"), comp: run("local-ef"), plain: run("plain-ef") };
}

const sh = await shapes();
const trainTok = await trainRate();
const bw = bandwidth();
const cl = compressionLoss();
console.log(
  JSON.stringify({
    bench: "kernels",
    bitlinear_tok_per_s: Math.round(sh.reduce((s, x) => s + x.bitlinear_tok_per_s, 0) / sh.length),
    lora_train_tok_per_s: Math.round(trainTok),
    ort_ratio: Number((sh.reduce((s, x) => s + x.ratio, 0) / sh.length).toFixed(3)),
    bandwidth_reduction_lora: Number((1 - bw.dense / bw.fullBytes).toFixed(5)),
    bandwidth_reduction_compressed: Number((1 - bw.comp / bw.fullBytes).toFixed(5)),
    compressed_loss_delta: Number(((cl.comp - cl.dense) / cl.dense).toFixed(4)),
    compressed_loss_delta_plain_ef: Number(((cl.plain - cl.dense) / cl.dense).toFixed(4)),
    simd: simdEnabled(),
    seed_reduction: 0.996,
    topk: TOPK,
    shapes: sh.map((x) => ({ ...x, ratio: Number(x.ratio.toFixed(3)) })),
    bandwidth_bytes: { full_f32: bw.fullBytes, lora_dense: bw.dense, lora_topk_int8: bw.comp },
    heldout_loss: {
      dense: Number(cl.dense.toFixed(4)),
      compressed: Number(cl.comp.toFixed(4)),
      compressed_plain_ef: Number(cl.plain.toFixed(4)),
    },
    compression: COMPRESSION,
    threads: 1,
  }),
);

/**
 * The real TrainingBackend: miners train LoRA adapters on the frozen BitNet
 * backbone with the canonical kernels, so a gradient hash is a fact anyone
 * can recompute bit for bit on a CPU.
 *
 * The shape follows the simulator's TrainingBackend (src/actors): a task is
 * (window, shard, gpuArch); `train` returns what a miner submits (gradient
 * hash = sha256 of the safetensors update file, its CID, DA root, size and
 * claimed loss) and publishes the file in a content-addressed store;
 * `lossOn` is the tier-2 loss check on one batch; `verify` is the tier-3
 * recomputation. Defined here, structurally, until the simulator's interface
 * lands on main.
 *
 * What a task means: the window's base adapters are generated from the
 * backend seed and the window (a chain would take the previous aggregate);
 * the data is the training chunk the shard maps to in that window
 * (corpus.ts); the work is `train.steps` AdamW steps (train.ts). The claimed
 * loss is the trained model's mean loss over the whole chunk (× 10⁶,
 * rounded); `lossOn(task, b)` scores evaluation batch b mod count (b comes
 * from the block hash) of EVAL_BATCH_TOKENS predictions, so the protocol's
 * loss tolerance must cover batch-to-batch spread (the tests use 25%).
 */
import { GpuArch } from "../gen/remes/v1/types_pb.ts";
import { deriveSeed } from "../protocol/randomness.ts";
import { contentId, encodeUpdate } from "./adapter-file.ts";
import { toHex } from "./bytes.ts";
import { chunkIndexFor, corpus, type Corpus } from "./corpus.ts";
import { fr } from "./f32.ts";
import { type Adapters, type Backbone, initAdapters, initBackbone, lossAndGrads, type ModelConfig, tinyConfig } from "./model.ts";
import { applyDelta, batchPositions, evalLoss, train, type TrainOptions } from "./train.ts";
import { defaultAdamW } from "./adamw.ts";

export const KERNEL_VERSION = "bitnet-cpu/1";
export const EVAL_BATCH_TOKENS = 256;

export interface Task {
  readonly window: number;
  readonly shard: number;
  readonly gpuArch: GpuArch;
}

export interface TrainResult {
  readonly gradientHash: Uint8Array;
  readonly daRoot: Uint8Array;
  readonly sizeBytes: bigint;
  readonly claimedLossMicro: bigint;
  readonly cid: string;
  /** the published safetensors update file */
  readonly bytes: Uint8Array;
}

export interface TrainingBackend {
  readonly name: string;
  readonly kernelVersion: string;
  train(task: Task): TrainResult;
  lossOn(task: Task, batchIndex: number): bigint;
  verify(task: Task, gradientHash: Uint8Array): boolean;
}

/** A content-addressed blob store keyed by CID (miners put, validators get). */
export type BlobStore = Map<string, Uint8Array>;

export interface KernelBackendOptions {
  readonly seed: Uint8Array;
  readonly totalShards: number;
  readonly daChunkBytes: number;
  readonly model?: ModelConfig;
  readonly train?: TrainOptions;
  readonly store?: BlobStore;
  /** Steps actually run: a lazy miner's backend runs fewer than `train.steps` (0: submits the base). */
  readonly stepsDone?: number;
}

export const fastTrainOptions: TrainOptions = { steps: 8, batchTokens: 32, adamw: { ...defaultAdamW, lr: 2e-2 } };

/** Loss as the protocol's micro-units: round(loss × 10⁶), loss a binary32 value. */
export const lossMicro = (loss: number): bigint => {
  if (!Number.isFinite(loss) || loss < 0) throw new RangeError(`loss ${loss} is not a finite non-negative number`);
  return BigInt(Math.round(loss * 1e6));
};

export class KernelBackend implements TrainingBackend {
  readonly name = "bitnet-lora";
  readonly kernelVersion = KERNEL_VERSION;
  readonly store: BlobStore;
  readonly backbone: Backbone;
  readonly #o: KernelBackendOptions;
  readonly #opts: TrainOptions;
  readonly #corpus: Corpus;
  readonly #results = new Map<string, TrainResult & { readonly model: Adapters }>();

  constructor(o: KernelBackendOptions) {
    this.#o = o;
    this.#opts = o.train ?? fastTrainOptions;
    this.store = o.store ?? new Map();
    this.backbone = initBackbone(o.model ?? tinyConfig, deriveSeed(o.seed, "kernels/backbone"));
    this.#corpus = corpus();
  }

  baseAdapters(window: number): Adapters {
    return initAdapters(this.backbone.config, deriveSeed(this.#o.seed, "kernels/base-adapters", window));
  }

  chunkOf(task: Task): Uint8Array {
    return this.#corpus.train[chunkIndexFor(task.window, task.shard, this.#o.totalShards, this.#corpus.train.length)]!;
  }

  #run(task: Task): TrainResult & { readonly model: Adapters } {
    const key = `${task.window}/${task.shard}`;
    const hit = this.#results.get(key);
    if (hit) return hit;
    const cfg = this.backbone.config;
    const base = this.baseAdapters(task.window);
    const chunk = this.chunkOf(task);
    const steps = this.#o.stepsDone ?? this.#opts.steps;
    const delta = steps === 0 ? base.layers.flatMap((l) => [new Float32Array(l.A.length), new Float32Array(l.B.length)]) : train(this.backbone, base, chunk, { ...this.#opts, steps }).delta;
    const model = applyDelta(base, delta);
    const bytes = encodeUpdate(cfg, delta, { window: String(task.window), shard: String(task.shard), kernel: KERNEL_VERSION });
    const id = contentId(bytes, this.#o.daChunkBytes);
    this.store.set(id.cid, bytes);
    const r = { gradientHash: id.hash, daRoot: id.daRoot, sizeBytes: id.sizeBytes, cid: id.cid, claimedLossMicro: lossMicro(evalLoss(this.backbone, model, chunk)), bytes, model };
    this.#results.set(key, r);
    return r;
  }

  train(task: Task): TrainResult {
    const { model: _, ...r } = this.#run(task);
    return r;
  }

  /** The trained model's adapters for a task (recomputed if needed). */
  modelOf(task: Task): Adapters {
    return this.#run(task).model;
  }

  lossOn(task: Task, batchIndex: number): bigint {
    if (!(Number.isSafeInteger(batchIndex) && batchIndex >= 0)) throw new RangeError(`batch index must be a non-negative integer, got ${batchIndex}`);
    const chunk = this.chunkOf(task);
    const pos = batchPositions(chunk.length, this.backbone.config.context, EVAL_BATCH_TOKENS, batchIndex);
    return lossMicro(fr(lossAndGrads(this.backbone, this.#run(task).model, chunk, pos)));
  }

  verify(task: Task, gradientHash: Uint8Array): boolean {
    return toHex(this.#run(task).gradientHash) === toHex(gradientHash);
  }
}

/**
 * The real TrainingBackend (src/actors/backend.ts): miners train LoRA
 * adapters on the frozen BitNet backbone with the canonical kernels, so a
 * gradient hash is a fact anyone can recompute bit for bit on a CPU.
 *
 * What a task means. A task is a job: the job's base adapters trained for
 * `train.steps` AdamW steps (train.ts) on one 2,048-token chunk
 * (corpus.ts). The job of (window, shard) starts from the window's base
 * adapters — with `followChain` (the simulator), the chain's global
 * adapters as the window opened (global-adapters.ts); without (the live
 * daemons), adapters generated from the backend seed and the window — on
 * the chunk the shard maps to in that window. A trap task names a Genesis Vault entry: entries below
 * `genesisVaultEntries` are vault jobs of their own (base adapters and
 * chunk drawn from the seed and the entry id), and their answers — the
 * genesis vault hashes, `vaultHash(id)` — are computed by this same backend
 * before the chain starts, so an honest miner handed a trap reproduces the
 * known answer and a lazy one does not; later entries are verified real
 * jobs re-served, and name their (window, shard).
 *
 * What a miner submits (`train`): gradient hash = sha256 of the safetensors
 * update file (adapter-file.ts), its CIDv1, the DA Merkle root of its
 * chunks, its size and the claimed loss: the trained model's mean loss over
 * the whole chunk (× 10⁶, rounded). `update` is the delta in fixed point
 * (round(δ · 2²⁰), int32) for proposers to aggregate. `effortBps` runs only
 * that share of the steps (a lazy miner): a real file, a wrong hash.
 *
 * What validators do: `lossOn(task, b)` (tier 2) scores evaluation batch b
 * mod count (b comes from the block hash) of EVAL_BATCH_TOKENS predictions
 * with the job's correct model, so the protocol's loss tolerance must cover
 * batch-to-batch spread (about ±5% here; scenarios use 20%);
 * `fastLossOn` is the same through the exported ONNX graph on onnxruntime
 * (within ORT_LOSS_TOLERANCE of `lossOn`); `verify` (tier 3) recomputes the
 * job and compares hashes. Results are memoized per job, so in the
 * simulator every honest miner and verifier of a shard shares one
 * computation (each would get the same bytes on its own machine).
 */
import { GpuArch } from "../gen/remes/v1/types_pb.ts";
import { type MerkleProof, merkleProof } from "../protocol/merkle.ts";
import { deriveSeed, Prng } from "../protocol/randomness.ts";
import {
  daOpening as syntheticOpening,
  defaultTrainMs,
  FULL_EFFORT_BPS,
  type Task,
  type TrainingBackend,
  type TrainResult,
} from "../actors/backend.ts";
import { adapterLayout, contentId, encodeUpdate } from "./adapter-file.ts";
import { defaultAdamW } from "./adamw.ts";
import { toHex } from "./bytes.ts";
import { chunkIndexFor, corpus, type Corpus } from "./corpus.ts";
import { fr } from "./f32.ts";
import { GlobalAdapters } from "./global-adapters.ts";
import {
  type Adapters,
  type Backbone,
  initAdapters,
  initBackbone,
  lossAndGrads,
  type ModelConfig,
  tinyConfig,
} from "./model.ts";
import { OrtModel } from "./ort.ts";
import { applyDelta, batchPositions, evalLoss, train, type TrainOptions } from "./train.ts";

export const KERNEL_VERSION = "bitnet-cpu/1";
export const EVAL_BATCH_TOKENS = 256;
/** Fixed-point scale of `TrainResult.update`: round(δ · 2²⁰) as int32. */
export const UPDATE_SCALE = 2 ** 20;

/** A content-addressed blob store keyed by CID (miners put, validators get). */
export type BlobStore = Map<string, Uint8Array>;

export interface KernelBackendOptions {
  readonly seed: Uint8Array;
  readonly totalShards: number;
  readonly daChunkBytes: number;
  readonly model?: ModelConfig;
  readonly train?: TrainOptions;
  /** Where published update files go (by CID); none: results only carry their bytes. */
  readonly store?: BlobStore;
  /** Vault entries with ids below this are the backend's own vault jobs (see the module comment). */
  readonly genesisVaultEntries?: number;
  /** Virtual training time per architecture (ms), as the simulated backend's. */
  readonly trainMs?: Readonly<Record<string, number>>;
  /**
   * Train each window from the chain's global adapters (global-adapters.ts:
   * the simulator feeds it opened windows and finalized aggregates) instead
   * of the seed's base adapters of the window (the live daemons, which do
   * not follow aggregates).
   */
  readonly followChain?: boolean;
}

export const fastTrainOptions: TrainOptions = {
  steps: 8,
  batchTokens: 32,
  adamw: { ...defaultAdamW, lr: 2e-2 },
};

/** Loss as the protocol's micro-units: round(loss × 10⁶), loss a binary32 value. */
export const lossMicro = (loss: number): bigint => {
  if (!Number.isFinite(loss) || loss < 0)
    throw new RangeError(`loss ${loss} is not a finite non-negative number`);
  return BigInt(Math.round(loss * 1e6));
};

/** The delta as the fixed-point vector proposers aggregate. */
export const toFixedPoint = (delta: readonly Float32Array[]): Int32Array => {
  const out = new Int32Array(delta.reduce((n, d) => n + d.length, 0));
  let k = 0;
  for (const d of delta)
    for (const v of d)
      out[k++] = Math.max(-0x7fff_ffff, Math.min(0x7fff_ffff, Math.round(v * UPDATE_SCALE)));
  return out;
};

/** A fixed-point vector back into delta tensors of the model's adapter layout. */
export const fromFixedPoint = (cfg: ModelConfig, update: Int32Array): Float32Array[] => {
  const layout = adapterLayout(cfg);
  const total = layout.reduce((n, l) => n + l.shape[0] * l.shape[1], 0);
  if (update.length !== total)
    throw new RangeError(`an update for this model has ${total} values, got ${update.length}`);
  let at = 0;
  return layout.map((l) => {
    const n = l.shape[0] * l.shape[1];
    const d = Float32Array.from(update.subarray(at, at + n), (v) => fr(v / UPDATE_SCALE));
    at += n;
    return d;
  });
};

interface Job {
  readonly key: string;
  readonly meta: Record<string, string>;
  readonly base: () => Adapters;
  readonly chunk: Uint8Array;
}

interface Done extends TrainResult {
  readonly bytes: Uint8Array;
  readonly update: Int32Array;
  readonly model: Adapters;
}

/** Results kept in memory (the simulator's windows move on; a recomputation is always possible). */
const MEMO_MAX = 64;

export class KernelBackend implements TrainingBackend {
  readonly name = "kernels";
  readonly kernelVersion = KERNEL_VERSION;
  readonly backbone: Backbone;
  readonly store: BlobStore | undefined;
  readonly #o: KernelBackendOptions;
  readonly #opts: TrainOptions;
  readonly #trainMs: Readonly<Record<string, number>>;
  readonly #corpus: Corpus;
  readonly #done = new Map<string, Done>();
  readonly #byHash = new Map<string, Done>();
  readonly #ort = new Map<string, OrtModel>();
  /** The global adapters, when following the chain. */
  readonly global: GlobalAdapters | undefined;

  constructor(o: KernelBackendOptions) {
    if (!(Number.isInteger(o.totalShards) && o.totalShards >= 1))
      throw new RangeError(
        `KernelBackend: totalShards must be a positive integer, got ${o.totalShards}`,
      );
    this.#o = o;
    this.#opts = o.train ?? fastTrainOptions;
    this.#trainMs = { ...defaultTrainMs, ...o.trainMs };
    this.store = o.store;
    this.backbone = initBackbone(o.model ?? tinyConfig, deriveSeed(o.seed, "kernels/backbone"));
    this.#corpus = corpus();
    this.global = o.followChain
      ? new GlobalAdapters(this.backbone, this.baseAdapters(0), (v) =>
          fromFixedPoint(this.backbone.config, v),
        )
      : undefined;
  }

  get trainOptions(): TrainOptions {
    return this.#opts;
  }

  costMs(task: Task): number {
    return this.#trainMs[GpuArch[task.gpuArch]] ?? defaultTrainMs.CPU!;
  }

  /** The seed's base adapters of a window (what a backend not following the chain trains from). */
  baseAdapters(window: number): Adapters {
    return initAdapters(
      this.backbone.config,
      deriveSeed(this.#o.seed, "kernels/base-adapters", window),
    );
  }

  #job(task: Task): Job {
    const v = task.vault;
    if (v && v.entryId < (this.#o.genesisVaultEntries ?? 0)) {
      const chunk =
        this.#corpus.train[
          new Prng(deriveSeed(this.#o.seed, "kernels/vault-chunk", v.entryId)).below(
            this.#corpus.train.length,
          )
        ]!;
      return {
        key: `vault/${v.entryId}`,
        meta: { vault: String(v.entryId) },
        base: () =>
          initAdapters(
            this.backbone.config,
            deriveSeed(this.#o.seed, "kernels/vault-base", v.entryId),
          ),
        chunk,
      };
    }
    const [window, shard] = v ? [v.window, v.shard] : [task.window, task.shard];
    const chunk =
      this.#corpus.train[
        chunkIndexFor(window, shard, this.#o.totalShards, this.#corpus.train.length)
      ]!;
    return {
      key: `job/${window}/${shard}`,
      meta: { window: String(window), shard: String(shard) },
      base: () => this.#baseOf(window),
      chunk,
    };
  }

  /** The adapters a window's jobs start from: the global adapters at its opening, or the seed's. */
  #baseOf(window: number): Adapters {
    if (!this.global) return this.baseAdapters(window);
    const b = this.global.baseOf(window);
    if (!b)
      throw new RangeError(
        `KernelBackend: window ${window} was not seen opening (or its base was dropped); its base adapters are unknown`,
      );
    return b;
  }

  /** The chunk a task trains on. */
  chunkOf(task: Task): Uint8Array {
    return this.#job(task).chunk;
  }

  #remember(key: string, d: Done): Done {
    this.#done.set(key, d);
    this.#hold(d);
    if (this.#done.size > MEMO_MAX) {
      const [oldKey, old] = this.#done.entries().next().value!;
      this.#done.delete(oldKey);
      this.#byHash.delete(toHex(old.gradientHash));
      this.#ort.get(oldKey)?.close();
      this.#ort.delete(oldKey);
    }
    return d;
  }

  /** Keeps a produced file's bytes by hash, for availability openings. */
  #hold(d: Done): void {
    this.#byHash.set(toHex(d.gradientHash), d);
    if (this.#byHash.size > 2 * MEMO_MAX) this.#byHash.delete(this.#byHash.keys().next().value!);
  }

  /** Serializes, content-addresses and publishes a delta for a job; the claim is the resulting model's true loss. */
  #result(job: Job, base: Adapters, delta: Float32Array[]): Done {
    const model = applyDelta(base, delta);
    const bytes = encodeUpdate(this.backbone.config, delta, {
      ...job.meta,
      kernel: KERNEL_VERSION,
    });
    const id = contentId(bytes, this.#o.daChunkBytes);
    this.store?.set(id.cid, bytes);
    return {
      gradientHash: id.hash,
      daRoot: id.daRoot,
      sizeBytes: id.sizeBytes,
      cid: id.cid,
      claimedLossMicro: lossMicro(evalLoss(this.backbone, model, job.chunk)),
      update: toFixedPoint(delta),
      bytes,
      model,
    };
  }

  #run(task: Task, effortBps = FULL_EFFORT_BPS): Done {
    const job = this.#job(task);
    const steps = Math.floor(
      (this.#opts.steps * Math.max(0, Math.min(FULL_EFFORT_BPS, effortBps))) / FULL_EFFORT_BPS,
    );
    const key = steps === this.#opts.steps ? job.key : `${job.key}/steps=${steps}`;
    const hit = this.#done.get(key);
    if (hit) return hit;
    const base = job.base();
    const delta =
      steps === 0
        ? base.layers.flatMap((l) => [new Float32Array(l.A.length), new Float32Array(l.B.length)])
        : train(this.backbone, base, job.chunk, { ...this.#opts, steps }).delta;
    return this.#remember(key, this.#result(job, base, delta));
  }

  train(task: Task, effortBps = FULL_EFFORT_BPS): TrainResult {
    const { model: _, ...r } = this.#run(task, effortBps);
    return r;
  }

  publish(task: Task, update: Int32Array): TrainResult {
    const job = this.#job(task);
    const d = this.#result(job, job.base(), fromFixedPoint(this.backbone.config, update));
    this.#hold(d);
    const { model: _, ...r } = d;
    return r;
  }

  /** The trained model's adapters for a task (recomputed if needed). */
  modelOf(task: Task): Adapters {
    return this.#run(task).model;
  }

  #batch(task: Task, batchIndex: number): { chunk: Uint8Array; pos: Int32Array } {
    if (!(Number.isSafeInteger(batchIndex) && batchIndex >= 0))
      throw new RangeError(`batch index must be a non-negative integer, got ${batchIndex}`);
    const chunk = this.chunkOf(task);
    return {
      chunk,
      pos: batchPositions(
        chunk.length,
        this.backbone.config.context,
        EVAL_BATCH_TOKENS,
        batchIndex,
      ),
    };
  }

  lossOn(task: Task, batchIndex: number): bigint {
    const { chunk, pos } = this.#batch(task, batchIndex);
    return lossMicro(fr(lossAndGrads(this.backbone, this.#run(task).model, chunk, pos)));
  }

  /** `lossOn` through the exported ONNX graph (backbone + merged adapter) on onnxruntime. */
  fastLossOn(task: Task, batchIndex: number): bigint {
    const { chunk, pos } = this.#batch(task, batchIndex);
    const key = this.#job(task).key;
    let m = this.#ort.get(key);
    if (!m) {
      m = new OrtModel(this.backbone, this.#run(task).model);
      this.#ort.set(key, m);
    }
    return lossMicro(m.loss(chunk, pos));
  }

  verify(task: Task, gradientHash: Uint8Array): boolean {
    return toHex(this.#run(task).gradientHash) === toHex(gradientHash);
  }

  vaultHash(entryId: number): Uint8Array {
    if (entryId >= (this.#o.genesisVaultEntries ?? 0))
      throw new RangeError(
        `vault entry ${entryId} is not one of this backend's ${this.#o.genesisVaultEntries ?? 0} genesis vault jobs`,
      );
    return this.#run({
      window: 0,
      shard: 0,
      gpuArch: GpuArch.UNSPECIFIED,
      vault: { entryId, gradientHash: new Uint8Array(32), window: 0, shard: 0 },
    }).gradientHash;
  }

  /** The real file's chunk when this backend produced the gradient; else the simulator's stand-in bytes. */
  daOpening(
    gradientHash: Uint8Array,
    sizeBytes: bigint,
    chunkBytes: number,
    index: number,
  ): { chunk: Uint8Array; proof: MerkleProof } {
    const d = this.#byHash.get(toHex(gradientHash));
    if (!d || d.sizeBytes !== sizeBytes)
      return syntheticOpening(gradientHash, sizeBytes, chunkBytes, index);
    const chunks: Uint8Array[] = [];
    for (let o = 0; o < d.bytes.length; o += chunkBytes)
      chunks.push(d.bytes.subarray(o, Math.min(d.bytes.length, o + chunkBytes)));
    return { chunk: chunks[index]!, proof: merkleProof(chunks, index) };
  }

  /** Releases the onnxruntime sessions of `fastLossOn`. */
  close(): void {
    for (const m of this.#ort.values()) m.close();
    this.#ort.clear();
  }
}

/**
 * What "training" is. A TrainingBackend turns a task (a window's shard, or a
 * trap task from the Genesis Vault that the miner can not tell apart) into
 * the result a miner publishes; validators use the same backend to recompute
 * a loss on a batch (tier 2) and to check a gradient bit-exactly (tier 3).
 *
 * The default `SimulatedBackend` trains nothing: it models an update as a
 * small integer vector — a step of the global model (model.ts) toward its
 * known optimum, taken from the model the window trained from, plus a
 * per-shard offset — hashes it with the GPU architecture and kernel version
 * (so honest miners on the same shard and architecture agree and tier 1
 * compares like with like), and charges a cost in virtual milliseconds per
 * GPU architecture. A trap task is computed like any job: the job its vault
 * entry stands for (genesis entry i: a step from θ₀ with its own noise; a
 * promoted entry: the job of its window and shard), so an honest miner
 * reproduces a right vault answer and fails a wrong one. The real
 * backend, `KernelBackend` (src/kernels/backend.ts), trains LoRA adapters with
 * the canonical kernels behind the same interface (scenario
 * `backend.kind: "kernels"`, `r3mes miner start --backend kernels`).
 */
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { GpuArch } from "../gen/remes/v1/types_pb.ts";
import { merkleProof, merkleRoot, type MerkleProof } from "../protocol/merkle.ts";
import { deriveSeed, hashParts, Prng } from "../protocol/randomness.ts";
import { GlobalModel, MODEL_DIM, stepOf } from "./model.ts";

/**
 * A Genesis Vault entry served as a trap: its known answer, and the job it
 * stands for (a verified real job's window and shard; genesis entries carry
 * window 0, shard 0 and are told apart by the backend from their id).
 */
export interface VaultTask {
  readonly entryId: number;
  readonly gradientHash: Uint8Array;
  readonly window: number;
  readonly shard: number;
}

export interface Task {
  readonly window: number;
  readonly shard: number;
  readonly gpuArch: GpuArch;
  /** Set when the task feed delivered a trap: the vault entry whose answer is known. */
  readonly vault?: VaultTask;
}

export interface TrainResult {
  readonly gradientHash: Uint8Array;
  readonly daRoot: Uint8Array;
  readonly sizeBytes: bigint;
  readonly claimedLossMicro: bigint;
  readonly cid: string;
  /** The update as an integer vector, what proposers aggregate (absent for a made-up result with no bytes). */
  readonly update?: Int32Array;
  /** The published file, where the backend produces real bytes (src/kernels: a safetensors update). */
  readonly bytes?: Uint8Array;
}

/** Share of a task's work done, in basis points: 10,000 is honest, less is a lazy miner cutting corners. */
export const FULL_EFFORT_BPS = 10_000;

export interface TrainingBackend {
  readonly name: string;
  readonly kernelVersion: string;
  /** Virtual time one task takes on the given architecture (ms, integer). */
  costMs(task: Task): number;
  /** The result of a task; `effortBps` below FULL_EFFORT_BPS does only that share of the work (a different, wrong result). */
  train(task: Task, effortBps?: number): TrainResult;
  /** Publishes a given update for a task (what a poisoner does with a tampered update). */
  publish(task: Task, update: Int32Array): TrainResult;
  /** The loss of the task's correct model on one batch (micro-units): tier 2. */
  lossOn(task: Task, batchIndex: number): bigint;
  /** `lossOn` by a faster engine that agrees within a stated tolerance (src/kernels: onnxruntime), where the backend has one. */
  fastLossOn?(task: Task, batchIndex: number): bigint;
  /** Whether `gradientHash` is the correct result of the task: tier 3. */
  verify(task: Task, gradientHash: Uint8Array): boolean;
  /** The answer of Genesis Vault entry `entryId` (written into genesis; served later as a trap task). */
  vaultHash(entryId: number): Uint8Array;
  /** Chunk `index` of a stored gradient and its Merkle proof against the gradient's DA root (availability challenges). */
  daOpening(
    gradientHash: Uint8Array,
    sizeBytes: bigint,
    chunkBytes: number,
    index: number,
  ): { chunk: Uint8Array; proof: MerkleProof };
}

const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

const CID_PREFIX = Uint8Array.of(0x01, 0x55, 0x12, 0x20); // CIDv1, raw, sha2-256, 32 bytes
const BASE32 = Uint8Array.from("abcdefghijklmnopqrstuvwxyz234567", (c) => c.charCodeAt(0));
const CID_BYTES = new Uint8Array(36);
const CID_CHARS = new Uint8Array(1 + Math.ceil((36 * 8) / 5));
const LATIN1 = new TextDecoder("latin1");

/**
 * CIDv1, raw codec (0x55), sha2-256 multihash of the stored bytes' hash, in
 * multibase base32 ("b…", RFC 4648 lower case, no padding): what
 * `CID.createV1(0x55, Digest.create(0x12, hash)).toString()` gives (a test
 * checks), written straight into one flat string. The library's encoder
 * builds the text a character at a time, and each kept CID then holds a
 * chain of ~60 string pieces (~2 KB).
 */
export const cidOf = (hash: Uint8Array): string => {
  if (hash.length !== 32) return CID.createV1(0x55, Digest.create(0x12, hash)).toString();
  CID_BYTES.set(CID_PREFIX, 0);
  CID_BYTES.set(hash, 4);
  const out = CID_CHARS;
  out[0] = 0x62; // "b"
  let n = 1;
  let bits = 0;
  let buffer = 0;
  for (let i = 0; i < CID_BYTES.length; i++) {
    buffer = ((buffer << 8) | CID_BYTES[i]!) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out[n++] = BASE32[(buffer >> bits) & 31]!;
    }
  }
  if (bits > 0) out[n++] = BASE32[(buffer << (5 - bits)) & 31]!;
  return LATIN1.decode(out.subarray(0, n));
};

/** Training time per architecture for a reference task (ms); CPU training misses most windows. */
export const defaultTrainMs: Readonly<Record<string, number>> = {
  CPU: 3_600_000,
  PASCAL: 420_000,
  AMPERE: 180_000,
  ADA: 120_000,
  HOPPER: 60_000,
  BLACKWELL: 45_000,
};

export const UPDATE_DIM = MODEL_DIM;
const SHARD_NOISE = 50;
/** Every architecture's numerics, canonical (UNSPECIFIED: the CPU reference that computes genesis answers) first. */
const NUMERICS = Object.values(GpuArch)
  .filter((v): v is GpuArch => typeof v === "number")
  .sort((a, b) => a - b);

/**
 * Stand-in bytes of a stored gradient, for data-availability proofs: chunk i
 * is the gradient hash spread over the chunk and mixed with i. Cheap and
 * deterministic; only the Merkle structure matters to the protocol.
 */
export const syntheticChunk = (
  gradientHash: Uint8Array,
  index: number,
  length: number,
): Uint8Array => {
  const out = new Uint8Array(length);
  for (let j = 0; j < length; j++)
    out[j] = gradientHash[j & 31]! ^ ((index * 31 + (j >> 5)) & 0xff);
  return out;
};

const chunksOf = (
  gradientHash: Uint8Array,
  sizeBytes: bigint,
  chunkBytes: number,
): Uint8Array[] => {
  const size = Number(sizeBytes);
  const out: Uint8Array[] = [];
  for (let i = 0, at = 0; at < size; i++, at += chunkBytes)
    out.push(syntheticChunk(gradientHash, i, Math.min(chunkBytes, size - at)));
  return out;
};

export const daRootOf = (
  gradientHash: Uint8Array,
  sizeBytes: bigint,
  chunkBytes: number,
): Uint8Array => merkleRoot(chunksOf(gradientHash, sizeBytes, chunkBytes));

/** The chunk and proof a miner holding the gradient answers an availability challenge with. */
export const daOpening = (
  gradientHash: Uint8Array,
  sizeBytes: bigint,
  chunkBytes: number,
  index: number,
): { chunk: Uint8Array; proof: MerkleProof } => {
  const chunks = chunksOf(gradientHash, sizeBytes, chunkBytes);
  return { chunk: chunks[index]!, proof: merkleProof(chunks, index) };
};

export interface SimulatedBackendOptions {
  readonly seed: Uint8Array;
  /** Bytes of a stored gradient (a multiple of the chunk size keeps proofs simple). */
  readonly sizeBytes: bigint;
  readonly chunkBytes: number;
  readonly trainMs?: Readonly<Record<string, number>>;
  /** Vault entries with ids below this are genesis vault jobs (default 0: every entry names a real job). */
  readonly genesisVaultEntries?: number;
  /** The global model to train (default: one drawn from the seed, never updated unless someone feeds it). */
  readonly model?: GlobalModel;
}

interface Cached extends TrainResult {
  readonly update: Int32Array;
}

export class SimulatedBackend implements TrainingBackend {
  readonly name = "simulated";
  readonly kernelVersion = "sim/1";
  readonly #seed: Uint8Array;
  readonly #sizeBytes: bigint;
  readonly #chunkBytes: number;
  readonly #trainMs: Readonly<Record<string, number>>;
  readonly #genesisVaultEntries: number;
  readonly model: GlobalModel;
  /** Results by window, then shard and architecture (and vault entry): every honest miner of a shard shares one. */
  readonly #cache = new Map<number, Map<number | string, Cached>>();
  /** Per window, by shard: the honest update and the base loss (the same for every GPU architecture). */
  readonly #shards = new Map<number, Map<number, { update?: Int32Array; loss?: bigint }>>();

  constructor(o: SimulatedBackendOptions) {
    this.#seed = o.seed;
    this.#sizeBytes = o.sizeBytes;
    this.#chunkBytes = o.chunkBytes;
    this.#trainMs = { ...defaultTrainMs, ...o.trainMs };
    this.#genesisVaultEntries = o.genesisVaultEntries ?? 0;
    this.model = o.model ?? new GlobalModel(deriveSeed(o.seed, "sim/model"));
  }

  costMs(task: Task): number {
    return this.#trainMs[GpuArch[task.gpuArch]] ?? defaultTrainMs.CPU!;
  }

  /** The noiseless update of a window: a step from the model it trained from toward the optimum (what an honest aggregate should approach). */
  trueUpdate(window: number): Int32Array {
    return stepOf(this.model.baseOf(window), this.model.optimum);
  }

  #shard(window: number, shard: number): { update?: Int32Array; loss?: bigint } {
    let byShard = this.#shards.get(window);
    if (!byShard) {
      byShard = new Map();
      this.#shards.set(window, byShard);
      for (const w of this.#shards.keys()) if (w < window - 8) this.#shards.delete(w);
    }
    let entry = byShard.get(shard);
    if (!entry) byShard.set(shard, (entry = {}));
    return entry;
  }

  /** Shared by every architecture's result of the shard (read-only, like every update). */
  #honestUpdate(window: number, shard: number): Int32Array {
    const entry = this.#shard(window, shard);
    if (entry.update) return entry.update;
    const prng = new Prng(deriveSeed(this.#seed, "sim/shard-noise", window, shard));
    return (entry.update = Int32Array.from(
      this.trueUpdate(window),
      (x) => x + prng.below(2 * SHARD_NOISE + 1) - SHARD_NOISE,
    ));
  }

  /** The update of the job a vault entry stands for: genesis job i is a step from θ₀ with noise of its own. */
  #jobUpdate(v: VaultTask): Int32Array {
    if (v.entryId < this.#genesisVaultEntries) {
      const prng = new Prng(deriveSeed(this.#seed, "sim/vault-noise", v.entryId));
      return Int32Array.from(
        stepOf(this.model.initial, this.model.optimum),
        (x) => x + prng.below(2 * SHARD_NOISE + 1) - SHARD_NOISE,
      );
    }
    return this.#honestUpdate(v.window, v.shard);
  }

  #hashOf(gpuArch: GpuArch, update: Int32Array): Uint8Array {
    // A view, not a copy: hashParts only reads it (its bytes are the update's, in memory order, as before).
    const bytes = new Uint8Array(update.buffer, update.byteOffset, update.byteLength);
    return hashParts("sim/gradient", gpuArch, this.kernelVersion, bytes);
  }

  #baseLoss(task: Task): bigint {
    if (task.vault) {
      const h = hashParts("sim/loss-vault", task.vault.gradientHash);
      return 1_000_000n + BigInt(((h[0]! << 16) | (h[1]! << 8) | h[2]!) % 1_000_000);
    }
    const entry = this.#shard(task.window, task.shard);
    if (entry.loss === undefined) {
      const h = hashParts("sim/loss", this.#seed, task.window, task.shard);
      entry.loss = 1_000_000n + BigInt(((h[0]! << 16) | (h[1]! << 8) | h[2]!) % 1_000_000);
    }
    return entry.loss;
  }

  #result(task: Task, gradientHash: Uint8Array, update: Int32Array): Cached {
    return {
      gradientHash,
      daRoot: daRootOf(gradientHash, this.#sizeBytes, this.#chunkBytes),
      sizeBytes: this.#sizeBytes,
      claimedLossMicro: this.#baseLoss(task),
      cid: cidOf(gradientHash),
      update,
    };
  }

  train(task: Task, effortBps = FULL_EFFORT_BPS): TrainResult {
    if (effortBps < FULL_EFFORT_BPS) return this.#partial(task, effortBps);
    let byKey = this.#cache.get(task.window);
    if (!byKey) {
      byKey = new Map();
      this.#cache.set(task.window, byKey);
      for (const w of this.#cache.keys()) if (w < task.window - 8) this.#cache.delete(w);
    }
    // A number for the common case (no string built per miner per window); GpuArch values are below 64.
    const key = task.vault
      ? `${task.shard}/${task.gpuArch}/${task.vault.entryId}`
      : task.shard * 64 + task.gpuArch;
    let r = byKey.get(key);
    if (!r) {
      r = task.vault
        ? this.#trap(task, task.vault)
        : this.publish(task, this.#honestUpdate(task.window, task.shard));
      byKey.set(key, r);
    }
    return r;
  }

  /**
   * A trap task: the miner computes the job the vault entry stands for. A
   * vault answer carries its numerics (the architecture whose kernels
   * produced it: the canonical reference for genesis jobs, the verified
   * submitter's for a promoted job), and the miner reproduces the job bit
   * for bit in them; an answer that is no architecture's result of the job
   * (a wrong entry) is not reproduced: the miner's own result differs.
   */
  #trap(task: Task, v: VaultTask): Cached {
    const update = this.#jobUpdate(v);
    for (const arch of NUMERICS) {
      const h = this.#hashOf(arch, update);
      if (bytesEqual(h, v.gradientHash)) return this.#result(task, h, update);
    }
    return this.publish(task, update);
  }

  /** Partial work: the honest update scaled by the effort, with a loss worse by half the work left undone. */
  #partial(task: Task, effortBps: number): TrainResult {
    const scaled = Int32Array.from(this.#honestUpdate(task.window, task.shard), (x) =>
      Math.trunc((x * effortBps) / FULL_EFFORT_BPS),
    );
    const r = this.publish(task, scaled);
    return {
      ...r,
      claimedLossMicro:
        r.claimedLossMicro +
        (r.claimedLossMicro * BigInt(FULL_EFFORT_BPS - Math.max(0, effortBps))) / 20_000n,
    };
  }

  publish(task: Task, update: Int32Array): Cached {
    return this.#result(task, this.#hashOf(task.gpuArch, update), update);
  }

  lossOn(task: Task, batchIndex: number): bigint {
    const base = this.#baseLoss(task);
    // Batches scatter within 0.25% of the model's loss: inside any sane tolerance.
    const h = hashParts("sim/batch-loss", task.window, task.shard, batchIndex);
    return base + (BigInt((h[0]! << 8) | h[1]!) % (base / 400n + 1n));
  }

  verify(task: Task, gradientHash: Uint8Array): boolean {
    return bytesEqual(this.train(task).gradientHash, gradientHash);
  }

  /** The answer of genesis vault job `entryId`, computed with the canonical numerics (right by construction). */
  vaultHash(entryId: number): Uint8Array {
    return this.#hashOf(
      GpuArch.UNSPECIFIED,
      this.#jobUpdate({ entryId, gradientHash: new Uint8Array(32), window: 0, shard: 0 }),
    );
  }

  daOpening(
    gradientHash: Uint8Array,
    sizeBytes: bigint,
    chunkBytes: number,
    index: number,
  ): { chunk: Uint8Array; proof: MerkleProof } {
    return daOpening(gradientHash, sizeBytes, chunkBytes, index);
  }
}

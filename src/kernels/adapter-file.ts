/**
 * Adapter updates as content-addressed safetensors files. An update file
 * holds, per LoRA layer, `<layer>.lora_A` [rank, in] and `<layer>.lora_B`
 * [out, rank] (dense F32), or with compression `<layer>.lora_A.idx` (I32),
 * `.q` (I8) or `.val` (F32) and `.scale` (F32). Its identity is its bytes:
 * gradient hash = sha256(file), CID = CIDv1(raw, sha2-256), DA root = the
 * Merkle root (src/protocol/merkle.ts) of its da_chunk_bytes chunks. A file
 * whose hash is not the one expected is rejected before it is parsed.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { MerkleBuilder } from "../protocol/merkle.ts";
import { toHex } from "./bytes.ts";
import { type CompressedTensor, decompress } from "./compress.ts";
import { layerNames, type ModelConfig } from "./model.ts";
import {
  asF32,
  asI32,
  asI8,
  decodeSafetensors,
  encodeSafetensors,
  f32Tensor,
  i32Tensor,
  i8Tensor,
  SafetensorsError,
  type Tensor,
  u8Tensor,
  asU8,
} from "./safetensors.ts";

export const FORMAT = "r3mes-lora-update/1";

/** Tensor names and shapes in adapterTensors order (A then B per layer). */
export function adapterLayout(cfg: ModelConfig): { name: string; shape: [number, number] }[] {
  const dims: [number, number][] = [[cfg.dModel, cfg.context * cfg.embDim]];
  for (let b = 0; b < cfg.blocks; b++)
    dims.push([cfg.hidden, cfg.dModel], [cfg.dModel, cfg.hidden]);
  dims.push([cfg.vocab, cfg.dModel]);
  return layerNames(cfg).flatMap((name, l) => {
    const [out, inn] = dims[l]!;
    return [
      { name: `${name}.lora_A`, shape: [cfg.rank, inn] as [number, number] },
      { name: `${name}.lora_B`, shape: [out, cfg.rank] as [number, number] },
    ];
  });
}

const configMeta = (cfg: ModelConfig): Record<string, string> => ({
  format: FORMAT,
  model: JSON.stringify(cfg),
});

/** A dense update (or adapter) as safetensors bytes. */
export function encodeUpdate(
  cfg: ModelConfig,
  tensors: readonly Float32Array[],
  meta: Record<string, string> = {},
): Uint8Array {
  const layout = adapterLayout(cfg);
  if (tensors.length !== layout.length)
    throw new RangeError(
      `encodeUpdate: ${tensors.length} tensors for a layout of ${layout.length}`,
    );
  return encodeSafetensors(
    new Map(layout.map((l, k) => [l.name, f32Tensor(l.shape, tensors[k]!)])),
    { ...meta, ...configMeta(cfg), compression: "none" },
  );
}

/** Bit i of the mask (byte i >> 3, bit i & 7) is set for each kept index i. */
export function indicesToMask(indices: Int32Array, numel: number): Uint8Array {
  const m = new Uint8Array(Math.ceil(numel / 8));
  for (const i of indices) m[i >> 3]! |= 1 << (i & 7);
  return m;
}

/** The ascending kept indices of a mask; bits at or past numel are an error. */
export function maskToIndices(mask: Uint8Array, numel: number): Int32Array {
  if (mask.length !== Math.ceil(numel / 8))
    throw new AdapterFileError(
      `index mask has ${mask.length} bytes, expected ${Math.ceil(numel / 8)} for ${numel} entries`,
    );
  const out: number[] = [];
  for (let b = 0; b < mask.length; b++) {
    const v = mask[b]!;
    if (v === 0) continue;
    for (let k = 0; k < 8; k++) {
      if (!(v & (1 << k))) continue;
      const i = b * 8 + k;
      if (i >= numel)
        throw new AdapterFileError(`index mask sets entry ${i}, outside ${numel} entries`);
      out.push(i);
    }
  }
  return Int32Array.from(out);
}

/**
 * A compressed update (top-k indices, int8 or f32 values, one scale per
 * tensor). The kept indices are stored as whichever is smaller: a bitmap
 * over the tensor (`.mask`, numel/8 bytes) or int32 indices (`.idx`, 4 bytes
 * each); the choice depends only on (k, numel), so the bytes stay a pure
 * function of the update.
 */
export function encodeCompressedUpdate(
  cfg: ModelConfig,
  tensors: readonly CompressedTensor[],
  meta: Record<string, string> = {},
): Uint8Array {
  const layout = adapterLayout(cfg);
  const m = new Map<string, Tensor>();
  layout.forEach((l, k) => {
    const c = tensors[k]!;
    const numel = l.shape[0] * l.shape[1];
    if (Math.ceil(numel / 8) < 4 * c.indices.length)
      m.set(`${l.name}.mask`, u8Tensor([Math.ceil(numel / 8)], indicesToMask(c.indices, numel)));
    else m.set(`${l.name}.idx`, i32Tensor([c.indices.length], c.indices));
    if (c.q) m.set(`${l.name}.q`, i8Tensor([c.q.length], c.q));
    else m.set(`${l.name}.val`, f32Tensor([c.values!.length], c.values!));
    m.set(`${l.name}.scale`, f32Tensor([1], Float32Array.of(c.scale)));
  });
  return encodeSafetensors(m, {
    ...meta,
    ...configMeta(cfg),
    compression: tensors[0]?.q ? "topk+int8" : "topk",
  });
}

export class AdapterFileError extends Error {
  override readonly name = "AdapterFileError";
}

/**
 * Checks the bytes against the expected sha256, then parses them into dense
 * update tensors for `cfg`. Throws AdapterFileError saying what is wrong.
 */
export function decodeUpdate(
  cfg: ModelConfig,
  bytes: Uint8Array,
  expectedHash: Uint8Array,
): Float32Array[] {
  const got = sha256(bytes);
  if (toHex(got) !== toHex(expectedHash)) {
    throw new AdapterFileError(
      `adapter file hash ${toHex(got)} does not match the expected ${toHex(expectedHash)}: the file is corrupted or is not the submitted one; fetch it again by its CID`,
    );
  }
  let file;
  try {
    file = decodeSafetensors(bytes);
  } catch (e) {
    if (e instanceof SafetensorsError)
      throw new AdapterFileError(`adapter file is not valid safetensors: ${e.message}`);
    throw e;
  }
  if (file.metadata.format !== FORMAT)
    throw new AdapterFileError(
      `adapter file format is "${file.metadata.format}", expected "${FORMAT}"`,
    );
  if (file.metadata.model !== JSON.stringify(cfg))
    throw new AdapterFileError(
      `adapter file is for model ${file.metadata.model}, not ${JSON.stringify(cfg)}`,
    );
  const need = (name: string): Tensor => {
    const t = file.tensors.get(name);
    if (!t) throw new AdapterFileError(`adapter file lacks tensor ${name}`);
    return t;
  };
  try {
    return adapterLayout(cfg).map(({ name, shape }) => {
      const numel = shape[0] * shape[1];
      if (file.metadata.compression === "none") {
        const t = need(name);
        if (t.shape.join() !== shape.join())
          throw new AdapterFileError(
            `tensor ${name} has shape [${t.shape.join(", ")}], expected [${shape.join(", ")}]`,
          );
        return asF32(t);
      }
      const q = file.tensors.get(`${name}.q`);
      const mask = file.tensors.get(`${name}.mask`);
      if (mask && file.tensors.has(`${name}.idx`))
        throw new AdapterFileError(`tensor ${name} has both an index mask and indices`);
      const c: CompressedTensor = {
        indices: mask ? maskToIndices(asU8(mask), numel) : asI32(need(`${name}.idx`)),
        q: q ? asI8(q) : undefined,
        values: q ? undefined : asF32(need(`${name}.val`)),
        scale: asF32(need(`${name}.scale`))[0]!,
      };
      return decompress(c, numel);
    });
  } catch (e) {
    if (e instanceof SafetensorsError || e instanceof RangeError)
      throw new AdapterFileError(`adapter file: ${e.message}`);
    throw e;
  }
}

/** CIDv1, raw codec (0x55), sha2-256 multihash (0x12) of the bytes' hash. */
export const cidOf = (hash: Uint8Array): string =>
  CID.createV1(0x55, Digest.create(0x12, hash)).toString();

/** Merkle root of the bytes cut into chunkBytes pieces (the DA root). */
export function daRootOf(bytes: Uint8Array, chunkBytes: number): Uint8Array {
  if (!(Number.isInteger(chunkBytes) && chunkBytes > 0))
    throw new RangeError(`daRootOf: chunk size must be a positive integer, got ${chunkBytes}`);
  const b = new MerkleBuilder();
  for (let o = 0; o < bytes.length; o += chunkBytes)
    b.push(bytes.subarray(o, Math.min(bytes.length, o + chunkBytes)));
  return b.root();
}

export interface ContentId {
  readonly hash: Uint8Array;
  readonly cid: string;
  readonly daRoot: Uint8Array;
  readonly sizeBytes: bigint;
}

export function contentId(bytes: Uint8Array, daChunkBytes: number): ContentId {
  const hash = sha256(bytes);
  return {
    hash,
    cid: cidOf(hash),
    daRoot: daRootOf(bytes, daChunkBytes),
    sizeBytes: BigInt(bytes.length),
  };
}

/**
 * The safetensors layout (huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of JSON header {"__metadata__": {string: string},
 * name: {"dtype", "shape", "data_offsets": [begin, end]}}, then the tensor
 * bytes, little-endian. Written canonically so equal tensors give equal
 * bytes (and so equal sha256 / CID): tensors in name order, laid out
 * back to back in that order, metadata first with sorted keys, the header
 * padded with spaces to a multiple of 8 bytes. The reader checks everything
 * the spec requires (known dtypes, sizes that match the shapes, offsets that
 * tile the data exactly) and says what is wrong.
 */

export type Dtype = "F32" | "I32" | "I8" | "U8";

const DTYPE_BYTES: Record<Dtype, number> = { F32: 4, I32: 4, I8: 1, U8: 1 };

export interface Tensor {
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  /** little-endian element bytes */
  readonly data: Uint8Array;
}

export interface SafetensorsFile {
  readonly tensors: ReadonlyMap<string, Tensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

export class SafetensorsError extends Error {
  override readonly name = "SafetensorsError";
}

const MAX_HEADER_BYTES = 100 * 1024 * 1024;

const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

const LITTLE = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

export const f32Tensor = (shape: readonly number[], t: Float32Array): Tensor => {
  if (!LITTLE) throw new SafetensorsError("big-endian hosts are not supported");
  return {
    dtype: "F32",
    shape,
    data: new Uint8Array(t.buffer, t.byteOffset, t.byteLength).slice(),
  };
};
export const i32Tensor = (shape: readonly number[], t: Int32Array): Tensor => {
  if (!LITTLE) throw new SafetensorsError("big-endian hosts are not supported");
  return {
    dtype: "I32",
    shape,
    data: new Uint8Array(t.buffer, t.byteOffset, t.byteLength).slice(),
  };
};
export const i8Tensor = (shape: readonly number[], t: Int8Array): Tensor => ({
  dtype: "I8",
  shape,
  data: new Uint8Array(t.buffer, t.byteOffset, t.byteLength).slice(),
});

export const u8Tensor = (shape: readonly number[], t: Uint8Array): Tensor => ({
  dtype: "U8",
  shape,
  data: t.slice(),
});

export const asU8 = (t: Tensor): Uint8Array => {
  if (t.dtype !== "U8") throw new SafetensorsError(`expected a U8 tensor, got ${t.dtype}`);
  return t.data.slice();
};

export const asF32 = (t: Tensor): Float32Array => {
  if (t.dtype !== "F32") throw new SafetensorsError(`expected an F32 tensor, got ${t.dtype}`);
  return new Float32Array(t.data.slice().buffer);
};
export const asI32 = (t: Tensor): Int32Array => {
  if (t.dtype !== "I32") throw new SafetensorsError(`expected an I32 tensor, got ${t.dtype}`);
  return new Int32Array(t.data.slice().buffer);
};
export const asI8 = (t: Tensor): Int8Array => {
  if (t.dtype !== "I8") throw new SafetensorsError(`expected an I8 tensor, got ${t.dtype}`);
  return new Int8Array(t.data.slice().buffer);
};

export function encodeSafetensors(
  tensors: ReadonlyMap<string, Tensor>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  const meta = Object.keys(metadata).sort();
  if (meta.length > 0) header.__metadata__ = Object.fromEntries(meta.map((k) => [k, metadata[k]!]));
  let off = 0;
  for (const name of names) {
    if (name === "__metadata__")
      throw new SafetensorsError("a tensor can not be named __metadata__");
    const t = tensors.get(name)!;
    const size = numel(t.shape) * DTYPE_BYTES[t.dtype];
    if (size !== t.data.length)
      throw new SafetensorsError(
        `tensor ${name}: shape [${t.shape.join(", ")}] of ${t.dtype} needs ${size} bytes, got ${t.data.length}`,
      );
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [off, off + size] };
    off += size;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + off);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let p = 8 + json.length;
  for (const name of names) {
    const d = tensors.get(name)!.data;
    out.set(d, p);
    p += d.length;
  }
  return out;
}

const isNat = (v: unknown): v is number =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

export function decodeSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8)
    throw new SafetensorsError(
      `file of ${bytes.length} bytes is shorter than the 8-byte header length`,
    );
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n > BigInt(Math.min(MAX_HEADER_BYTES, bytes.length - 8)))
    throw new SafetensorsError(
      `header length ${n} exceeds the file (${bytes.length} bytes) or the ${MAX_HEADER_BYTES}-byte limit`,
    );
  const hl = Number(n);
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + hl)),
    );
  } catch (e) {
    throw new SafetensorsError(`header is not UTF-8 JSON: ${(e as Error).message}`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header))
    throw new SafetensorsError("header is not a JSON object");
  const data = bytes.subarray(8 + hl);
  const metadata: Record<string, string> = {};
  const entries: [string, Tensor, number, number][] = [];
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof v !== "object" || v === null || Array.isArray(v))
        throw new SafetensorsError("__metadata__ must be an object of strings");
      for (const [k, s] of Object.entries(v)) {
        if (typeof s !== "string") throw new SafetensorsError(`__metadata__.${k} must be a string`);
        metadata[k] = s;
      }
      continue;
    }
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== "object" || e === null)
      throw new SafetensorsError(`tensor ${name}: entry is not an object`);
    if (typeof e.dtype !== "string" || !(e.dtype in DTYPE_BYTES))
      throw new SafetensorsError(
        `tensor ${name}: dtype ${String(e.dtype)} is not one of ${Object.keys(DTYPE_BYTES).join(", ")}`,
      );
    if (!Array.isArray(e.shape) || !e.shape.every(isNat))
      throw new SafetensorsError(`tensor ${name}: shape must be a list of non-negative integers`);
    const off = e.data_offsets;
    if (
      !Array.isArray(off) ||
      off.length !== 2 ||
      !isNat(off[0]) ||
      !isNat(off[1]) ||
      off[1] < off[0]
    )
      throw new SafetensorsError(
        `tensor ${name}: data_offsets must be [begin, end] with begin ≤ end`,
      );
    const dtype = e.dtype as Dtype;
    const size = numel(e.shape as number[]) * DTYPE_BYTES[dtype];
    if (off[1] - off[0] !== size)
      throw new SafetensorsError(
        `tensor ${name}: offsets span ${off[1] - off[0]} bytes, shape [${(e.shape as number[]).join(", ")}] of ${dtype} needs ${size}`,
      );
    if (off[1] > data.length)
      throw new SafetensorsError(
        `tensor ${name}: data ends at ${off[1]}, past the ${data.length} data bytes (truncated file?)`,
      );
    entries.push([
      name,
      { dtype, shape: e.shape as number[], data: data.slice(off[0], off[1]) },
      off[0],
      off[1],
    ]);
  }
  entries.sort((a, b) => a[2] - b[2] || a[3] - b[3]);
  let end = 0;
  for (const [name, , b, e] of entries) {
    if (b !== end)
      throw new SafetensorsError(
        `tensor ${name}: starts at ${b}, expected ${end} (tensors must tile the data without gaps or overlap)`,
      );
    end = e;
  }
  if (end !== data.length)
    throw new SafetensorsError(`${data.length - end} trailing bytes after the last tensor`);
  return { tensors: new Map(entries.map(([name, t]) => [name, t])), metadata };
}

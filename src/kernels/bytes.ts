/**
 * Little-endian bytes of float32 tensors (the byte order of safetensors and
 * of every machine this runs on; big-endian hosts are converted) and their
 * sha256.
 */
import { sha256 } from "@noble/hashes/sha2.js";

const LITTLE = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

export function f32Bytes(t: Float32Array): Uint8Array {
  if (LITTLE) return new Uint8Array(t.buffer, t.byteOffset, t.byteLength).slice();
  const out = new Uint8Array(t.byteLength);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < t.length; i++) dv.setFloat32(i * 4, t[i]!, true);
  return out;
}

/** sha256 over the concatenated little-endian bytes of the tensors. */
export function tensorsHash(ts: readonly Float32Array[]): Uint8Array {
  const h = sha256.create();
  for (const t of ts) h.update(f32Bytes(t));
  return h.digest();
}

export const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

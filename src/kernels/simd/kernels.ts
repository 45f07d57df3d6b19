/**
 * The WebAssembly SIMD kernels (wat.ts) behind plain functions with the same
 * results as the scalar code, bit for bit. One module instance per thread;
 * its memory is scratch that each call fills, so nothing outlives a call
 * except the packed weights cached per TernaryWeights object.
 *
 * If the engine lacks (relaxed) SIMD, `simd` is undefined and callers use
 * the scalar path; `setSimd(false)` forces that path (tests, benchmarks).
 */
import { kernelsWasmBase64 } from "./kernels-wasm.ts";
import { fr } from "../f32.ts";
import { RB, TB } from "./wat.ts";

// The project's lib has no WebAssembly types (no DOM lib): the little used here.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: unknown };
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface Exports {
  readonly memory: WasmMemory;
  readonly tmatmul: (q: number, w: number, acc: number, T: number, m: number, nb: number) => void;
  readonly rmsquant: (
    x: number,
    u: number,
    q: number,
    rs: number,
    T: number,
    nb: number,
    n: number,
    eps: number,
  ) => void;
  readonly rescale: (acc: number, y: number, deq: number, T: number, mp: number, m: number) => void;
}

const bytes = Uint8Array.from(Buffer.from(kernelsWasmBase64, "base64"));
const instance: Exports | undefined = Wasm.validate(bytes)
  ? (new Wasm.Instance(new Wasm.Module(bytes)).exports as Exports)
  : undefined;

let enabled = instance !== undefined;

/** Turns the SIMD path on or off (it stays off where the engine lacks it); returns whether it is on. */
export function setSimd(on: boolean): boolean {
  enabled = on && instance !== undefined;
  return enabled;
}

export const simdAvailable = (): boolean => instance !== undefined;
export const simdEnabled = (): boolean => enabled;

const ceil = (x: number, k: number) => Math.ceil(x / k) * k;

/** Grows the scratch memory to at least `n` bytes; returns a fresh byte view. */
function scratch(ex: Exports, n: number): Uint8Array {
  const have = ex.memory.buffer.byteLength;
  if (n > have) ex.memory.grow(Math.ceil((n - have) / 65536));
  return new Uint8Array(ex.memory.buffer);
}

interface Packed {
  readonly bytes: Uint8Array;
  readonly mp: number;
  readonly nb: number;
}

/**
 * Ternary rows as w + 1 in {0, 1, 2}, each row padded to nb = ⌈n/16⌉·16
 * bytes; then at least one all-ones row (ternary 0 + 1): its dot product is
 * Σq, the correction for the +1.
 */
const packedCache = new WeakMap<object, Packed>();
function packed(w: Int8Array, m: number, n: number, key: object): Packed {
  const hit = packedCache.get(key);
  if (hit) return hit;
  const nb = ceil(n, 16);
  const mp = ceil(m + 1, RB);
  const b = new Uint8Array(mp * nb).fill(1);
  for (let j = 0; j < m; j++) for (let i = 0; i < n; i++) b[j * nb + i] = w[j * n + i]! + 1;
  const p = { bytes: b, mp, nb };
  packedCache.set(key, p);
  return p;
}

/**
 * acc[t·m + j] = Σ_i q[t·n + i]·w[j·n + i] (w ternary, row-major m×n) in
 * integers; `key` identifies w for the packed-weights cache (w must not
 * change while key lives). Returns false when SIMD is off.
 */
export function ternaryMatmulSimd(
  q: Int8Array,
  T: number,
  w: Int8Array,
  m: number,
  n: number,
  acc: Int32Array,
  key: object,
): boolean {
  const ex = instance;
  if (!enabled || !ex) return false;
  if (T === 0 || m === 0) return true;
  const p = packed(w, m, n, key);
  const { mp, nb } = p;
  const Tp = ceil(T, TB);
  const qOff = ceil(p.bytes.length, 16);
  const accOff = ceil(qOff + Tp * nb, 16);
  const mem = scratch(ex, accOff + Tp * mp * 4);
  mem.set(p.bytes, 0);
  const qm = new Int8Array(mem.buffer, qOff, Tp * nb);
  if (nb === n) {
    qm.set(q.subarray(0, T * n));
    qm.fill(0, T * n);
  } else {
    qm.fill(0);
    for (let t = 0; t < T; t++) qm.set(q.subarray(t * n, (t + 1) * n), t * nb);
  }
  ex.tmatmul(qOff, 0, accOff, Tp, mp, nb);
  const a = new Int32Array(mem.buffer, accOff, Tp * mp);
  for (let t = 0; t < T; t++) {
    const o = t * mp;
    const sq = a[o + m]!;
    for (let j = 0; j < m; j++) acc[t * m + j] = a[o + j]! - sq;
  }
  return true;
}

/** The arrays a BitLinear forward fills (bitlinear.ts BitLinearCache). */
export interface ForwardOut {
  readonly u: Float32Array;
  readonly r: Float32Array;
  readonly q: Int8Array;
  readonly s: Float32Array;
}

/** Largest input width whose integer sums convert to f32 exactly (128·n ≤ 2^24). */
export const MAX_SIMD_IN = 2 ** 17;

/**
 * The whole BitLinear forward (RMSNorm, int8 quantization, ternary matmul,
 * rescale) in one pass through the module; fills y and c exactly as the
 * scalar code does. Returns false when SIMD is off or n is too wide.
 */
export function bitLinearForwardSimd(
  x: Float32Array,
  T: number,
  w: Int8Array,
  m: number,
  n: number,
  beta: number,
  eps: number,
  y: Float32Array,
  c: ForwardOut,
  key: object,
): boolean {
  const ex = instance;
  if (!enabled || !ex || n < 1 || n > MAX_SIMD_IN) return false;
  if (T === 0) return true;
  const p = packed(w, m, n, key);
  const { mp, nb } = p;
  const Tp = ceil(T, TB);
  const xOff = ceil(p.bytes.length, 16);
  const uOff = xOff + Tp * nb * 4;
  const qOff = uOff + Tp * nb * 4;
  const rsOff = qOff + Tp * nb;
  const deqOff = rsOff + Tp * 8;
  const accOff = ceil(deqOff + Tp * 4, 16);
  const yOff = accOff + Tp * mp * 4;
  const mem = scratch(ex, yOff + T * m * 4);
  const buf = mem.buffer;
  mem.set(p.bytes, 0);
  const xm = new Float32Array(buf, xOff, Tp * nb);
  if (nb === n) {
    xm.set(x.subarray(0, T * n));
    xm.fill(0, T * n);
  } else {
    xm.fill(0);
    for (let t = 0; t < T; t++) xm.set(x.subarray(t * n, (t + 1) * n), t * nb);
  }
  ex.rmsquant(xOff, uOff, qOff, rsOff, Tp, nb, n, eps);
  ex.tmatmul(qOff, 0, accOff, Tp, mp, nb);
  const rs = new Float32Array(buf, rsOff, Tp * 2);
  const deq = new Float32Array(buf, deqOff, Tp);
  for (let t = 0; t < T; t++) {
    const sc = rs[2 * t + 1]!;
    c.r[t] = rs[2 * t]!;
    c.s[t] = sc;
    deq[t] = sc === 0 ? 0 : fr(beta / sc);
  }
  ex.rescale(accOff, yOff, deqOff, T, mp, m);
  y.set(new Float32Array(buf, yOff, T * m));
  const um = new Float32Array(buf, uOff, T * nb);
  const qm = new Int8Array(buf, qOff, T * nb);
  if (nb === n) {
    c.u.set(um);
    c.q.set(qm);
  } else {
    for (let t = 0; t < T; t++) {
      c.u.set(um.subarray(t * nb, t * nb + n), t * n);
      c.q.set(qm.subarray(t * nb, t * nb + n), t * n);
    }
  }
  return true;
}

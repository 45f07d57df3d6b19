import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assembleKernels } from "../../scripts/gen-wasm.ts";
import {
  bitLinearCache,
  bitLinearForward,
  bitLinearForwardScalar,
  ternaryFrom,
  ternaryMatmul,
  ternaryMatmulScalar,
} from "../../src/kernels/bitlinear.ts";
import { kernelsWasmBase64 } from "../../src/kernels/simd/kernels-wasm.ts";
import { setSimd, simdAvailable, simdEnabled } from "../../src/kernels/simd/kernels.ts";
import { CHUNK } from "../../src/kernels/simd/wat.ts";

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe("WebAssembly SIMD kernels", () => {
  it("run here (Node 24 has relaxed SIMD), so the suite below tests them", () => {
    expect(simdAvailable()).toBe(true);
    expect(simdEnabled()).toBe(true);
  });

  it("the committed bytes are what wat.ts assembles to (run `npm run gen:wasm` after editing it)", async () => {
    expect(Buffer.from(await assembleKernels()).toString("base64")).toBe(kernelsWasmBase64);
  });

  it("integer matmul equals the scalar loop, extremes and long rows included", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 16 * CHUNK * 2 + 37 }),
        fc.integer(),
        fc.constantFrom("random", "min", "max"),
        (T, m, n, seed, mode) => {
          let s = seed | 0;
          const next = () => (s = (Math.imul(s, 1103515245) + 12345) | 0) >>> 16;
          const w = Int8Array.from({ length: m * n }, () =>
            mode === "random" ? (next() % 3) - 1 : mode === "min" ? 1 : -1,
          );
          const q = Int8Array.from({ length: T * n }, () =>
            mode === "random" ? (next() % 256) - 128 : mode === "min" ? -128 : 127,
          );
          const W = ternaryFrom(w, m, n, 0.5);
          const a = new Int32Array(T * m),
            b = new Int32Array(T * m);
          ternaryMatmul(q, T, W, a);
          ternaryMatmulScalar(q, T, W, b);
          expect(Array.from(a)).toEqual(Array.from(b));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("the fused BitLinear forward equals the scalar one bit for bit (zero rows, tails, huge and tiny values)", () => {
    const val = fc
      .oneof(
        fc.float({ noNaN: true, noDefaultInfinity: true, min: -4, max: 4 }),
        fc.constantFrom(0, -0, 1e-30, -3e38, 2.5, 0.5, -1.5),
      )
      .map(Math.fround);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 23 }),
        fc.integer({ min: 1, max: 75 }),
        fc.integer(),
        fc.boolean(),
        (T, m, n, seed, zeroRow) => {
          let s = seed | 0;
          const next = () => (s = (Math.imul(s, 1103515245) + 12345) | 0) >>> 16;
          const W = ternaryFrom(
            Int8Array.from({ length: m * n }, () => (next() % 3) - 1),
            m,
            n,
            Math.fround(0.37),
          );
          const x = Float32Array.from(
            fc.sample(fc.array(val, { minLength: T * n, maxLength: T * n }), {
              numRuns: 1,
              seed,
            })[0]!,
          );
          if (zeroRow) x.fill(0, 0, n);
          const c1 = bitLinearCache(T, n),
            c2 = bitLinearCache(T, n);
          const y1 = new Float32Array(T * m),
            y2 = new Float32Array(T * m);
          bitLinearForward(x, T, W, y1, c1);
          bitLinearForwardScalar(x, T, W, y2, c2);
          expect(bits(y1)).toEqual(bits(y2));
          expect(bits(c1.u)).toEqual(bits(c2.u));
          expect(bits(c1.r)).toEqual(bits(c2.r));
          expect(bits(c1.s)).toEqual(bits(c2.s));
          expect(Array.from(c1.q)).toEqual(Array.from(c2.q));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("setSimd(false) selects the scalar path", () => {
    expect(setSimd(false)).toBe(false);
    expect(simdEnabled()).toBe(false);
    expect(setSimd(true)).toBe(true);
  });
});

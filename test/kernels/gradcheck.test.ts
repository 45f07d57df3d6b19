import { describe, expect, it } from "vitest";
import {
  bitLinearBackward,
  bitLinearCache,
  bitLinearForward,
  bitLinearWeightGrad,
  quantizeWeights,
  rmsNorm,
  rmsNormBackward,
} from "../../src/kernels/bitlinear.ts";
import { fr } from "../../src/kernels/f32.ts";
import { crossEntropy } from "../../src/kernels/loss.ts";
import { loraBackward, loraForward, loraScale } from "../../src/kernels/lora.ts";
import {
  adapterTensors,
  initAdapters,
  initBackbone,
  lossAndGrads,
  type ModelConfig,
  zeroGrads,
} from "../../src/kernels/model.ts";
import { Prng } from "../../src/protocol/randomness.ts";
import {
  bitLinear64,
  bitLinearSurrogate64,
  crossEntropy64,
  fd,
  lora64,
  relErr,
  rms64,
} from "./mirror64.ts";

const rng = (label: string) => new Prng(new TextEncoder().encode(label));
const randn = (r: Prng, n: number, a = 1) =>
  Float32Array.from({ length: n }, () => fr(((r.nextU32() / 2 ** 32) * 2 - 1) * a));
const dotWith = (y: number[], g: ArrayLike<number>) => y.reduce((s, v, i) => s + v * g[i]!, 0);

describe("finite-difference gradient checks (float32 kernels against float64 mirrors)", () => {
  it("RMSNorm", () => {
    const r = rng("rms");
    const n = 37;
    const x = randn(r, n, 2);
    const g = randn(r, n);
    const u = new Float32Array(n),
      inv = new Float32Array(1),
      dx = new Float32Array(n);
    rmsNorm(x, 1, n, u, inv);
    rmsNormBackward(g, u, inv, 1, n, dx);
    expect(relErr(u, rms64([...x]))).toBeLessThan(1e-6);
    expect(
      relErr(
        dx,
        fd((xs) => dotWith(rms64(xs), g), [...x]),
      ),
    ).toBeLessThan(1e-4);
  });

  it("BitLinear: forward within int8 quantization error, STE backward = gradient of RMSNorm(x)·(β·w̃)ᵀ", () => {
    const r = rng("bitlinear");
    const n = 45,
      m = 19,
      T = 3;
    const W = quantizeWeights(randn(r, m * n, 0.3), m, n);
    const x = randn(r, T * n, 3);
    const dy = randn(r, T * m);
    const y = new Float32Array(T * m),
      c = bitLinearCache(T, n),
      dx = new Float32Array(T * n);
    bitLinearForward(x, T, W, y, c);
    bitLinearBackward(dy, W, c, dx);
    for (let t = 0; t < T; t++) {
      const xt = [...x.subarray(t * n, (t + 1) * n)];
      const gt = dy.subarray(t * m, (t + 1) * m);
      expect(relErr(y.subarray(t * m, (t + 1) * m), bitLinear64(xt, W.w, W.beta, m))).toBeLessThan(
        1e-6,
      );
      expect(
        relErr(y.subarray(t * m, (t + 1) * m), bitLinearSurrogate64(xt, W.w, W.beta, m)),
      ).toBeLessThan(0.05);
      expect(
        relErr(
          dx.subarray(t * n, (t + 1) * n),
          fd((xs) => dotWith(bitLinearSurrogate64(xs, W.w, W.beta, m), gt), xt),
        ),
      ).toBeLessThan(1e-4);
    }
    // Weights: y = x̂·Wᵀ with x̂ the dequantized activations, linear in W.
    const dW = new Float32Array(m * n);
    bitLinearWeightGrad(dy, W, c, dW);
    const xh = Array.from({ length: T * n }, (_, k) => c.q[k]! / c.s[Math.floor(k / n)]!);
    const f = (ws: number[]) => {
      let s = 0;
      for (let t = 0; t < T; t++)
        for (let j = 0; j < m; j++)
          for (let i = 0; i < n; i++) s += dy[t * m + j]! * xh[t * n + i]! * ws[j * n + i]!;
      return s;
    };
    expect(
      relErr(
        dW,
        fd(
          f,
          Array.from({ length: m * n }, (_, k) => W.w[k]! * W.beta),
          1e-3,
        ),
      ),
    ).toBeLessThan(1e-4);
  });

  it("ternary weights: absmean scale, values in {−1, 0, 1}, integer accumulation exact", () => {
    const r = rng("ternary");
    const Wf = randn(r, 64 * 32, 1);
    const W = quantizeWeights(Wf, 64, 32);
    const mean = Wf.reduce((s, v) => s + Math.abs(v), 0) / Wf.length;
    expect(Math.abs(W.beta - mean) / mean).toBeLessThan(1e-5);
    expect(new Set(W.w)).toEqual(new Set([-1, 0, 1]));
    for (let k = 0; k < Wf.length; k++)
      expect(W.w[k]).toBe(Math.max(-1, Math.min(1, Math.round(Wf[k]! / W.beta))) + 0);
  });

  it("LoRA: dA, dB and dx", () => {
    const r = rng("lora");
    const n = 21,
      m = 13,
      rank = 4,
      T = 5;
    const ad = { rank, in: n, out: m, alpha: 8, A: randn(r, rank * n), B: randn(r, m * rank) };
    const x = randn(r, T * n),
      dy = randn(r, T * m);
    const y = new Float32Array(T * m),
      h = new Float32Array(T * rank);
    loraForward(x, T, ad, y, h);
    const dA = new Float32Array(rank * n),
      dB = new Float32Array(m * rank),
      dx = new Float32Array(T * n);
    loraBackward(dy, x, h, T, ad, dA, dB, dx);
    const s = loraScale(ad);
    const L = (xs: number[], As: number[], Bs: number[]) => {
      let tot = 0;
      for (let t = 0; t < T; t++)
        tot += dotWith(
          lora64(xs.slice(t * n, (t + 1) * n), As, Bs, rank, m, s),
          dy.subarray(t * m, (t + 1) * m),
        );
      return tot;
    };
    const X = [...x],
      A = [...ad.A],
      B = [...ad.B];
    expect(
      relErr(
        y,
        Array.from({ length: T }, (_, t) =>
          lora64(X.slice(t * n, (t + 1) * n), A, B, rank, m, s),
        ).flat(),
      ),
    ).toBeLessThan(1e-5);
    expect(
      relErr(
        dA,
        fd((v) => L(X, v, B), A),
      ),
    ).toBeLessThan(1e-4);
    expect(
      relErr(
        dB,
        fd((v) => L(X, A, v), B),
      ),
    ).toBeLessThan(1e-4);
    expect(
      relErr(
        dx,
        fd((v) => L(v, A, B), X),
      ),
    ).toBeLessThan(1e-4);
  });

  it("cross-entropy", () => {
    const r = rng("ce");
    const V = 50,
      T = 3;
    const z = randn(r, T * V, 4);
    const targets = [3, 17, 49];
    const dz = new Float32Array(T * V);
    const loss = crossEntropy(z, T, V, targets, dz);
    const L = (zs: number[]) =>
      targets.reduce((s, y, t) => s + crossEntropy64(zs.slice(t * V, (t + 1) * V), y), 0) / T;
    expect(Math.abs(loss - L([...z])) / L([...z])).toBeLessThan(1e-6);
    expect(relErr(dz, fd(L, [...z]))).toBeLessThan(1e-4);
  });

  it("the whole model: head adapters exactly, earlier adapters against the STE surrogate", () => {
    const cfg: ModelConfig = {
      vocab: 256,
      context: 4,
      embDim: 8,
      dModel: 16,
      hidden: 24,
      blocks: 1,
      rank: 4,
      alpha: 8,
    };
    const bb = initBackbone(cfg, new Uint8Array(32).fill(7));
    const ad = initAdapters(cfg, new Uint8Array(32).fill(8));
    const r = rng("model");
    for (const t of adapterTensors(ad)) t.set(randn(r, t.length, 0.2));
    const tokens = new TextEncoder().encode("To be, or not to be, that is the question.");
    const pos = [4, 9, 15, 22, 30, 41];
    const grads = zeroGrads(ad);
    lossAndGrads(bb, ad, tokens, pos, grads);
    const tensors = adapterTensors(ad);
    // The head's LoRA acts after the last quantizer: the model is smooth in it.
    for (const k of [tensors.length - 2, tensors.length - 1]) {
      const p = tensors[k]!;
      const f = (v: number[]) => {
        const old = p.slice();
        p.set(v);
        const l = lossAndGrads(bb, ad, tokens, pos);
        p.set(old);
        return l;
      };
      expect(relErr(grads[k]!, fd(f, [...p], 1e-2))).toBeLessThan(2e-2);
    }
    // Earlier adapters: the STE gradient is the gradient of the model with its
    // activation quantizers removed (float64 mirror), up to quantization error.
    const mirror = (ts: number[][]) => {
      const L = bb.layers;
      const lay = (l: number, x: number[]) => {
        const W = L[l]!;
        const y = bitLinearSurrogate64(x, W.w, W.beta, W.out);
        const lo = lora64(x, ts[2 * l]!, ts[2 * l + 1]!, cfg.rank, W.out, cfg.alpha / cfg.rank);
        return y.map((v, j) => v + lo[j]!);
      };
      let tot = 0;
      for (const p of pos) {
        const x0 = Array.from(tokens.subarray(p - cfg.context, p)).flatMap((b) => [
          ...bb.embedding.subarray(b * cfg.embDim, (b + 1) * cfg.embDim),
        ]);
        let h = lay(0, x0);
        const z = lay(1, h).map((a) => (a > 0 ? a * a : 0));
        h = lay(2, z).map((v, i) => v + h[i]!);
        tot += crossEntropy64(lay(3, h), tokens[p]!);
      }
      return tot / pos.length;
    };
    const all = tensors.map((t) => [...t]);
    for (let k = 0; k < tensors.length - 2; k++) {
      const g = fd((v) => mirror(all.map((t, j) => (j === k ? v : t))), all[k]!, 1e-4);
      const a = grads[k]!;
      const cos = dotWith(g, a) / Math.sqrt(dotWith(g, g) * dotWith([...a], a));
      expect(cos, `adapter tensor ${k}`).toBeGreaterThan(0.98);
    }
  });
});

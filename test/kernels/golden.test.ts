/**
 * Pinned bytes of the canonical kernels. The determinism suite checks that
 * repeated runs agree with each other; this one checks that they agree with
 * the bytes every deployed miner computes today. A change here means the
 * arithmetic changed (a consensus break), never "just an optimization".
 * Shapes are deliberately odd (not multiples of 8 or 16) to cover the tails
 * of blocked and vectorized loops.
 */
import { describe, expect, it } from "vitest";
import {
  bitLinearBackward,
  bitLinearCache,
  bitLinearForward,
  quantizeWeights,
} from "../../src/kernels/bitlinear.ts";
import { tensorsHash, toHex } from "../../src/kernels/bytes.ts";
import { corpus } from "../../src/kernels/corpus.ts";
import { fr } from "../../src/kernels/f32.ts";
import { loraBackward, loraForward } from "../../src/kernels/lora.ts";
import { initAdapters, initBackbone, tinyConfig } from "../../src/kernels/model.ts";
import { fastTrainOptions } from "../../src/kernels/backend.ts";
import { evalLoss, train } from "../../src/kernels/train.ts";
import { Prng } from "../../src/protocol/randomness.ts";
import { stepGradientHash } from "./determinism-fixture.ts";

const randn = (label: string, n: number, a = 1) => {
  const r = new Prng(new TextEncoder().encode(label));
  return Float32Array.from({ length: n }, () => fr(((r.nextU32() / 2 ** 32) * 2 - 1) * a));
};
const hash = (...ts: Float32Array[]) => toHex(tensorsHash(ts));

function bitLinearGolden(T: number, n: number, m: number): string {
  const W = quantizeWeights(randn(`w${n}x${m}`, m * n, 0.3), m, n);
  const x = randn(`x${T}x${n}`, T * n, 2);
  const dy = randn(`dy${T}x${m}`, T * m);
  const y = new Float32Array(T * m),
    c = bitLinearCache(T, n),
    dx = new Float32Array(T * n);
  bitLinearForward(x, T, W, y, c);
  bitLinearBackward(dy, W, c, dx);
  return hash(y, dx, c.u, c.r, c.s, new Float32Array(c.q));
}

function loraGolden(T: number, n: number, m: number, rank: number): string {
  const ad = { rank, in: n, out: m, alpha: 8, A: randn("A", rank * n), B: randn("B", m * rank) };
  const x = randn("lx", T * n),
    dy = randn("ldy", T * m);
  const y = randn("ly", T * m),
    h = new Float32Array(T * rank);
  loraForward(x, T, ad, y, h);
  const dA = new Float32Array(rank * n),
    dB = new Float32Array(m * rank),
    dx = randn("ldx", T * n);
  loraBackward(dy, x, h, T, ad, dA, dB, dx);
  return hash(y, h, dA, dB, dx);
}

function trainGolden(): string {
  const bb = initBackbone(tinyConfig, new Uint8Array(32).fill(4));
  const c = corpus();
  const r = train(
    bb,
    initAdapters(tinyConfig, new Uint8Array(32).fill(5)),
    c.train[2]!,
    fastTrainOptions,
  );
  return `${hash(...r.delta, r.losses)}/${evalLoss(bb, r.adapters, c.heldout[0]!)}`;
}

describe("golden bytes of the canonical kernels", () => {
  it("one training step's gradients and loss (miner model)", () => {
    expect(stepGradientHash()).toBe(
      "a719738a293f89bb6f6bc7e7088edb03df288d4b9d491350186b72654b685414/5.682573318481445",
    );
  });
  it("BitLinear forward + STE backward on odd shapes", () => {
    expect(bitLinearGolden(1, 7, 3)).toBe(
      "48e4184e3c0ceeac19cda76425f11cc06c162e0e5c5c4293ddb38ebf65fdeaf1",
    );
    expect(bitLinearGolden(7, 45, 19)).toBe(
      "6d42db46ed43a0541f91df2f88ccdea4d163315b2c31745e0e0c8779be914eb7",
    );
    expect(bitLinearGolden(37, 301, 70)).toBe(
      "f4476d40e4cb321e90a7dc6fc35801791b2c7368de0f32d4c5965026dce6812d",
    );
    expect(bitLinearGolden(64, 128, 256)).toBe(
      "b89f05398e1fb8f44e9f7397f8839bbd314ac0849aabc9946c50f7c9f49e5fb1",
    );
  });
  it("LoRA forward + backward on odd shapes", () => {
    expect(loraGolden(5, 21, 13, 4)).toBe(
      "60680300df891e41c989a3715c26c37dc515c533289743831d3afde0517cf279",
    );
    expect(loraGolden(33, 130, 67, 3)).toBe(
      "db4561d3a086fc40e4f92c6ec92b9ff36dfdeb53998e74812210188f0ad1e092",
    );
  });
  it("a whole fast training run (deltas, per-step losses, held-out loss)", () => {
    expect(trainGolden()).toBe(
      "101eb55e3af3a0f900ec46112ba422b512491f9f3ce93530d228ab069c00b9df/3.6793837547302246",
    );
  });
});

import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { f32Bytes, tensorsHash, toHex } from "../../src/kernels/bytes.ts";
import { corpus } from "../../src/kernels/corpus.ts";
import { initAdapters, initBackbone, tinyConfig } from "../../src/kernels/model.ts";
import { evalLoss, train } from "../../src/kernels/train.ts";
import { stepGradientHash } from "./determinism-fixture.ts";

// The canonical order pins these bytes on every machine: a change here means
// the arithmetic changed, and every deployed miner would disagree with it.
const GOLDEN = stepGradientHash();

describe("canonical arithmetic is deterministic", () => {
  it("100 repeated runs give the same gradient hash", () => {
    for (let i = 0; i < 100; i++) expect(stepGradientHash()).toBe(GOLDEN);
  }, 120_000);

  it("a run in a worker thread gives the same gradient hash", async () => {
    const w = new Worker(new URL("./grad-worker.ts", import.meta.url));
    const got = await new Promise<string>((resolve, reject) => {
      w.once("message", resolve);
      w.once("error", reject);
    });
    await w.terminate();
    expect(got).toBe(GOLDEN);
  });
});

describe("LoRA training on the frozen backbone", () => {
  it("never changes a byte of the backbone", () => {
    const bb = initBackbone(tinyConfig, new Uint8Array(32));
    const bytes = () =>
      toHex(
        tensorsHash([
          bb.embedding,
          ...bb.layers.flatMap((l) => [
            new Float32Array(Int8Array.from(l.w)),
            new Float32Array(Int8Array.from(l.wT)),
            Float32Array.of(l.beta),
          ]),
        ]),
      );
    const before = bytes();
    const base = initAdapters(tinyConfig, new Uint8Array(32).fill(1));
    const r = train(bb, base, corpus().train[0]!, {
      steps: 4,
      batchTokens: 32,
      adamw: { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
    });
    expect(bytes()).toBe(before);
    expect(r.delta.some((d) => d.some((v) => v !== 0))).toBe(true);
    // The base adapters are not touched either: the result is a new object.
    expect(toHex(f32Bytes(base.layers[0]!.B))).toBe(
      toHex(new Uint8Array(base.layers[0]!.B.length * 4)),
    );
  });

  it("the loss goes down over 300 steps on the real corpus", () => {
    const bb = initBackbone(tinyConfig, new Uint8Array(32));
    let ad = initAdapters(tinyConfig, new Uint8Array(32).fill(1));
    const c = corpus();
    const held = c.heldout[0]!;
    const before = evalLoss(bb, ad, held);
    const losses: number[] = [];
    for (let round = 0; round < 30; round++) {
      const r = train(bb, ad, c.train[round]!, {
        steps: 10,
        batchTokens: 32,
        adamw: { lr: 2e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
      });
      ad = r.adapters;
      losses.push(...r.losses);
    }
    const after = evalLoss(bb, ad, held);
    const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(before).toBeGreaterThan(5); // ≈ ln 256 + the random head's spread
    expect(after).toBeLessThan(4);
    expect(mean(losses.slice(-30))).toBeLessThan(mean(losses.slice(0, 10)) - 0.5);
  }, 180_000); // ~5 s alone; generous for a loaded 2-core machine
});

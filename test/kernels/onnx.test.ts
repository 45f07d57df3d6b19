import { describe, expect, it } from "vitest";
import { corpus } from "../../src/kernels/corpus.ts";
import { initAdapters, initBackbone, lossAndGrads, tinyConfig } from "../../src/kernels/model.ts";
import { OrtModel, ORT_LOSS_TOLERANCE } from "../../src/kernels/ort.ts";
import { allPositions, train } from "../../src/kernels/train.ts";
import { fastTrainOptions } from "../../src/kernels/backend.ts";

describe("ONNX export run by onnxruntime-node", () => {
  it("agrees with the canonical kernels on a trained model within the stated tolerance", () => {
    const bb = initBackbone(tinyConfig, new Uint8Array(32).fill(4));
    const c = corpus();
    const { adapters } = train(
      bb,
      initAdapters(tinyConfig, new Uint8Array(32).fill(5)),
      c.train[2]!,
      fastTrainOptions,
    );
    const m = new OrtModel(bb, adapters);
    try {
      const held = c.heldout[1]!;
      const pos = allPositions(held.length, tinyConfig.context);
      const ours = lossAndGrads(bb, adapters, held, pos);
      const theirs = m.loss(held, pos);
      expect(Math.abs(theirs - ours) / ours).toBeLessThan(ORT_LOSS_TOLERANCE);
      // The adapter matters: the base model scores differently.
      expect(
        Math.abs(
          lossAndGrads(bb, initAdapters(tinyConfig, new Uint8Array(32).fill(5)), held, pos) -
            theirs,
        ),
      ).toBeGreaterThan(0.1);
    } finally {
      m.close();
    }
  }, 120_000);
});

import { tensorsHash, toHex } from "../../src/kernels/bytes.ts";
import { corpus } from "../../src/kernels/corpus.ts";
import {
  initAdapters,
  initBackbone,
  lossAndGrads,
  tinyConfig,
  zeroGrads,
} from "../../src/kernels/model.ts";
import { batchPositions } from "../../src/kernels/train.ts";

const seed = (b: number) => new Uint8Array(32).fill(b);

/** The gradient hash of one step of the miner model on chunk 3, batch 5, from nonzero adapters. */
export function stepGradientHash(): string {
  const bb = initBackbone(tinyConfig, seed(1));
  const ad = initAdapters(tinyConfig, seed(2));
  // Nonzero B so every adapter tensor gets a gradient.
  for (const l of ad.layers)
    for (let i = 0; i < l.B.length; i++) l.B[i] = Math.fround((((i * 37) % 19) - 9) / 256);
  const chunk = corpus().train[3]!;
  const grads = zeroGrads(ad);
  const loss = lossAndGrads(
    bb,
    ad,
    chunk,
    batchPositions(chunk.length, tinyConfig.context, 64, 5),
    grads,
  );
  return `${toHex(tensorsHash(grads))}/${loss}`;
}

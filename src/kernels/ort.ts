/**
 * Inference of the exported model on onnxruntime-node's CPU provider: the
 * serving path and a fast tier-2 loss estimate. Agreement with the canonical
 * kernels is within ORT_LOSS_TOLERANCE (relative, on a batch's mean loss),
 * tested in test/kernels/onnx.test.ts; only the canonical kernels decide
 * tier 3.
 */
import * as ort from "onnxruntime-node";
import type { Adapters, Backbone } from "./model.ts";
import { contextTokens, exportOnnx, meanCrossEntropy64 } from "./onnx.ts";

export const ORT_LOSS_TOLERANCE = 1e-3;

export class OrtModel {
  private constructor(
    readonly session: ort.InferenceSession,
    readonly context: number,
    readonly vocab: number,
  ) {}

  static async create(bb: Backbone, ad: Adapters, threads = 1): Promise<OrtModel> {
    const session = await ort.InferenceSession.create(exportOnnx(bb, ad), { executionProviders: ["cpu"], intraOpNumThreads: threads, interOpNumThreads: 1 });
    return new OrtModel(session, bb.config.context, bb.config.vocab);
  }

  async logits(tokens: Uint8Array, positions: ArrayLike<number>): Promise<Float32Array> {
    const input = new ort.Tensor("int64", contextTokens(tokens, positions, this.context), [positions.length, this.context]);
    const out = await this.session.run({ tokens: input });
    return out.logits!.data as Float32Array;
  }

  async loss(tokens: Uint8Array, positions: ArrayLike<number>): Promise<number> {
    const targets = Array.from(positions, (p) => tokens[p]!);
    return meanCrossEntropy64(await this.logits(tokens, positions), this.vocab, targets);
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

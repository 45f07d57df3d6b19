/**
 * Inference of the exported model on onnxruntime-node's CPU provider: the
 * serving path and a fast tier-2 loss estimate. Agreement with the canonical
 * kernels is within ORT_LOSS_TOLERANCE (relative, on a batch's mean loss),
 * tested in test/kernels/onnx.test.ts; only the canonical kernels decide
 * tier 3.
 *
 * Sessions run synchronously: onnxruntime-node's `InferenceSession.run` is
 * its native binding's synchronous `run` deferred by a `setImmediate`
 * (dist/backend.js, 1.30); calling the binding directly lets the simulator,
 * which never waits, use onnxruntime inside a block. Feeds and results are
 * the same `Tensor` objects as the public API's.
 */
import { createRequire } from "node:module";
import * as ort from "onnxruntime-node";
import type { Adapters, Backbone } from "./model.ts";
import { contextTokens, exportOnnx, meanCrossEntropy64 } from "./onnx.ts";

export const ORT_LOSS_TOLERANCE = 1e-3;

interface NativeSession {
  loadModel(
    buffer: ArrayBufferLike,
    byteOffset: number,
    byteLength: number,
    options: ort.InferenceSession.SessionOptions,
  ): void;
  run(
    feeds: Record<string, ort.Tensor>,
    fetches: Record<string, null>,
    options: object,
  ): Record<string, { readonly data: unknown }>;
  dispose(): void;
}

let nativeSession: (new () => NativeSession) | undefined;

const NativeSessionClass = (): new () => NativeSession => {
  if (!nativeSession) {
    const b = createRequire(import.meta.url)("onnxruntime-node/dist/binding.js") as {
      initOrt(): void;
      binding: { InferenceSession: new () => NativeSession };
    };
    b.initOrt();
    nativeSession = b.binding.InferenceSession;
  }
  return nativeSession;
};

/** An ONNX model (bytes) in a synchronous onnxruntime CPU session. */
export class OrtSession {
  readonly #s: NativeSession;
  #open = true;

  constructor(model: Uint8Array, threads = 1) {
    this.#s = new (NativeSessionClass())();
    this.#s.loadModel(model.buffer, model.byteOffset, model.byteLength, {
      executionProviders: ["cpu"],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
    });
  }

  run(feeds: Record<string, ort.Tensor>, output: string): Float32Array {
    if (!this.#open) throw new Error("onnxruntime session is closed");
    const out = this.#s.run(feeds, { [output]: null }, {})[output];
    if (!out || !(out.data instanceof Float32Array))
      throw new Error(`onnxruntime returned no float32 "${output}"`);
    return out.data;
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#s.dispose();
  }
}

/** The exported LM (backbone + merged adapter) in onnxruntime: logits, loss, greedy generation. */
export class OrtModel {
  readonly #session: OrtSession;

  constructor(bb: Backbone, ad: Adapters, threads = 1) {
    this.#session = new OrtSession(exportOnnx(bb, ad), threads);
    this.context = bb.config.context;
    this.vocab = bb.config.vocab;
  }

  readonly context: number;
  readonly vocab: number;

  /** Logits [positions.length, vocab] for predicting tokens[p] from the `context` bytes before p. */
  logits(tokens: Uint8Array, positions: ArrayLike<number>): Float32Array {
    const input = new ort.Tensor("int64", contextTokens(tokens, positions, this.context), [
      positions.length,
      this.context,
    ]);
    return this.#session.run({ tokens: input }, "logits");
  }

  /** Mean next-token cross-entropy (nats) over the positions. */
  loss(tokens: Uint8Array, positions: ArrayLike<number>): number {
    const targets = Array.from(positions, (p) => tokens[p]!);
    return meanCrossEntropy64(this.logits(tokens, positions), this.vocab, targets);
  }

  /**
   * Appends `count` greedily chosen bytes (arg-max, lowest index on ties) to
   * the prompt; a prompt shorter than the context is read as if preceded by
   * spaces.
   */
  generate(prompt: Uint8Array, count: number): Uint8Array {
    if (!(Number.isInteger(count) && count >= 0 && count <= 4_096))
      throw new RangeError(`generate: count must be an integer in [0, 4096], got ${count}`);
    const pad = Math.max(0, this.context - prompt.length);
    const buf = new Uint8Array(pad + prompt.length + count).fill(0x20, 0, pad);
    buf.set(prompt, pad);
    for (let n = pad + prompt.length; n < buf.length; n++) {
      const l = this.logits(buf, [n]);
      let best = 0;
      for (let v = 1; v < this.vocab; v++) if (l[v]! > l[best]!) best = v;
      buf[n] = best;
    }
    return buf.slice(pad);
  }

  close(): void {
    this.#session.close();
  }
}

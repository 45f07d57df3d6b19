import { fastTrainOptions } from "./src/kernels/backend.ts";
import { compress, decompress } from "./src/kernels/compress.ts";
import { corpus } from "./src/kernels/corpus.ts";
import { adapterTensors, type Adapters, initAdapters, initBackbone, tinyConfig } from "./src/kernels/model.ts";
import { applyDelta, evalLoss, train } from "./src/kernels/train.ts";
const bb = initBackbone(tinyConfig, new Uint8Array(32));
const c = corpus();
const evalAll = (g: Adapters) => c.heldout.reduce((s, h) => s + evalLoss(bb, g, h), 0) / c.heldout.length;
const ROUNDS = Number(process.argv[2] ?? 20);
const lr = Number(process.argv[3] ?? 2e-2);
const run = (mode: null | { topK: number; int8: boolean }, local = false) => {
  let global: Adapters = initAdapters(tinyConfig, new Uint8Array(32).fill(1));
  const residual = adapterTensors(global).map((t) => new Float32Array(t.length));
  const tail: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = mode && local ? applyDelta(global, residual) : global;
    const { delta } = train(bb, start, c.train[r]!, { ...fastTrainOptions, adamw: { ...fastTrainOptions.adamw, lr }, steps: 10, batchTokens: 64 });
    const sent = mode ? compress(delta, residual, mode).map((ct, k) => decompress(ct, delta[k]!.length)) : delta;
    global = applyDelta(global, sent);
    if (r >= ROUNDS - 5) tail.push(evalAll(global));
  }
  return { final: tail.at(-1)!, mean5: tail.reduce((a, b) => a + b) / tail.length, traj: tail.map((v) => v.toFixed(3)).join(" ") };
};
const d = run(null);
console.log("rounds", ROUNDS, "lr", lr, "dense", d.final.toFixed(4), d.mean5.toFixed(4), d.traj);
for (const local of [true]) for (const topK of (process.argv[4] ?? "0.1,0.2").split(",").map(Number)) for (const int8 of [true]) {
  const x = run({ topK, int8 }, local);
  console.log(local ? "local" : "ef   ", topK, int8, "final", ((x.final - d.final) / d.final).toFixed(4), "mean5", ((x.mean5 - d.mean5) / d.mean5).toFixed(4), x.traj);
}

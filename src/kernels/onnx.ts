/**
 * ONNX export of the trained model (frozen backbone + merged adapter), built
 * in TypeScript: the ModelProto (onnx.proto, opset 17, IR version 8) is
 * hand-encoded with @bufbuild/protobuf's BinaryWriter, field numbers as in
 * onnx/onnx.proto. Each BitLinear + LoRA layer becomes
 *
 *   u = x · 1/sqrt(ReduceMean(x·x) + eps)
 *   s = 127 / ReduceMax(|u|),  q = Clip(Round(u·s), −128, 127)   (Round is half-to-even)
 *   y = MatMul(q, w̃ᵀ) · (β / s)  +  MatMul(x, Mᵀ),   M = σ·B·A (the merged adapter)
 *
 * with relu² = Relu(a)·Relu(a) and residual Adds between, and the embedding
 * as a Gather. Input "tokens" int64 [T, context], output "logits" [T, 256].
 * onnxruntime sums in its own order (and may fuse), so its logits agree with
 * the canonical kernels within float32 tolerance, not bit for bit: it serves
 * inference and a fast tier-2 loss estimate; tier 3 always uses the
 * canonical kernels.
 */
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { fr } from "./f32.ts";
import { type Adapters, type Backbone, layerNames } from "./model.ts";
import { loraScale } from "./lora.ts";

const LEN = WireType.LengthDelimited;
const FLOAT = 1;
const INT64 = 7;

type Attr = { name: string; i?: number; f?: number; ints?: number[] };

interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Attr[];
}

interface Init {
  name: string;
  dims: number[];
  type: number;
  raw: Uint8Array;
}

const writeAttr = (w: BinaryWriter, a: Attr): void => {
  w.tag(5, LEN).fork();
  w.tag(1, LEN).string(a.name);
  if (a.i !== undefined) w.tag(3, WireType.Varint).int64(a.i).tag(20, WireType.Varint).int32(2);
  else if (a.f !== undefined) w.tag(2, WireType.Bit32).float(a.f).tag(20, WireType.Varint).int32(1);
  else if (a.ints) {
    for (const v of a.ints) w.tag(8, WireType.Varint).int64(v);
    w.tag(20, WireType.Varint).int32(7);
  }
  w.join();
};

const writeValueInfo = (
  w: BinaryWriter,
  field: number,
  name: string,
  elemType: number,
  dims: (number | string)[],
): void => {
  w.tag(field, LEN).fork().tag(1, LEN).string(name);
  w.tag(2, LEN)
    .fork()
    .tag(1, LEN)
    .fork()
    .tag(1, WireType.Varint)
    .int32(elemType)
    .tag(2, LEN)
    .fork();
  for (const d of dims) {
    w.tag(1, LEN).fork();
    if (typeof d === "number") w.tag(1, WireType.Varint).int64(d);
    else w.tag(2, LEN).string(d);
    w.join();
  }
  w.join().join().join().join();
};

export function encodeModel(
  nodes: readonly Node[],
  inits: readonly Init[],
  input: { name: string; type: number; dims: (number | string)[] },
  output: { name: string; dims: (number | string)[] },
): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, WireType.Varint).int64(8); // ir_version
  w.tag(2, LEN).string("r3mes-kernels");
  w.tag(7, LEN).fork(); // graph
  nodes.forEach((n, k) => {
    w.tag(1, LEN).fork();
    for (const i of n.inputs) w.tag(1, LEN).string(i);
    for (const o of n.outputs) w.tag(2, LEN).string(o);
    w.tag(3, LEN).string(`n${k}_${n.op}`);
    w.tag(4, LEN).string(n.op);
    for (const a of n.attrs ?? []) writeAttr(w, a);
    w.join();
  });
  w.tag(2, LEN).string("bitnet-lora");
  for (const t of inits) {
    w.tag(5, LEN).fork();
    for (const d of t.dims) w.tag(1, WireType.Varint).int64(d);
    w.tag(2, WireType.Varint).int32(t.type);
    w.tag(8, LEN).string(t.name);
    w.tag(9, LEN).bytes(t.raw);
    w.join();
  }
  writeValueInfo(w, 11, input.name, input.type, input.dims);
  writeValueInfo(w, 12, output.name, FLOAT, output.dims);
  w.join();
  w.tag(8, LEN).fork().tag(1, LEN).string("").tag(2, WireType.Varint).int64(17).join(); // opset_import
  return w.finish();
}

const f32Init = (name: string, dims: number[], data: Float32Array): Init => ({
  name,
  dims,
  type: FLOAT,
  raw: new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice(),
});

/** The merged adapter Mᵀ [in][out] = (σ·B·A)ᵀ, in float32. */
function mergedT(ad: Adapters["layers"][number]): Float32Array {
  const { rank: r, in: n, out: m, A, B } = ad;
  const s = loraScale(ad);
  const M = new Float32Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let acc = 0;
      for (let k = 0; k < r; k++) acc = fr(acc + fr(B[j * r + k]! * A[k * n + i]!));
      M[i * m + j] = fr(s * acc);
    }
  return M;
}

/** The ONNX ModelProto bytes of backbone + adapters. */
export function exportOnnx(bb: Backbone, ad: Adapters): Uint8Array {
  const cfg = bb.config;
  const nodes: Node[] = [];
  const inits: Init[] = [
    f32Init("embedding", [cfg.vocab, cfg.embDim], bb.embedding),
    f32Init("eps", [], Float32Array.of(1e-6)),
    f32Init("c127", [], Float32Array.of(127)),
    f32Init("cmin", [], Float32Array.of(-128)),
    {
      name: "flat",
      dims: [2],
      type: INT64,
      raw: new Uint8Array(BigInt64Array.of(-1n, BigInt(cfg.context * cfg.embDim)).buffer),
    },
  ];
  const names = layerNames(cfg);
  const layer = (l: number, x: string): string => {
    const W = bb.layers[l]!;
    const p = `${names[l]}.`;
    const wT = new Float32Array(W.in * W.out);
    for (let j = 0; j < W.out; j++)
      for (let i = 0; i < W.in; i++) wT[i * W.out + j] = W.w[j * W.in + i]!;
    inits.push(
      f32Init(`${p}wT`, [W.in, W.out], wT),
      f32Init(`${p}beta`, [], Float32Array.of(W.beta)),
      f32Init(`${p}mT`, [W.in, W.out], mergedT(ad.layers[l]!)),
    );
    const n = (op: string, inputs: string[], out: string, attrs?: Attr[]) => {
      nodes.push({ op, inputs, outputs: [p + out], attrs });
      return p + out;
    };
    const ms = n("ReduceMean", [n("Mul", [x, x], "sq")], "ms", [
      { name: "axes", ints: [-1] },
      { name: "keepdims", i: 1 },
    ]);
    const u = n(
      "Mul",
      [x, n("Reciprocal", [n("Sqrt", [n("Add", [ms, "eps"], "mse")], "rms")], "r")],
      "u",
    );
    const g = n("ReduceMax", [n("Abs", [u], "abs")], "g", [
      { name: "axes", ints: [-1] },
      { name: "keepdims", i: 1 },
    ]);
    const s = n("Div", ["c127", g], "s");
    const q = n("Clip", [n("Round", [n("Mul", [u, s], "us")], "rq"), "cmin", "c127"], "q");
    const y = n("Mul", [n("MatMul", [q, `${p}wT`], "acc"), n("Div", [`${p}beta`, s], "deq")], "yb");
    return n("Add", [y, n("MatMul", [x, `${p}mT`], "lora")], "y");
  };
  nodes.push({
    op: "Gather",
    inputs: ["embedding", "tokens"],
    outputs: ["emb"],
    attrs: [{ name: "axis", i: 0 }],
  });
  nodes.push({ op: "Reshape", inputs: ["emb", "flat"], outputs: ["x0"] });
  let h = layer(0, "x0");
  for (let b = 0; b < cfg.blocks; b++) {
    const a = layer(1 + 2 * b, h);
    nodes.push(
      { op: "Relu", inputs: [a], outputs: [`block${b}.relu`] },
      { op: "Mul", inputs: [`block${b}.relu`, `block${b}.relu`], outputs: [`block${b}.relu2`] },
    );
    const d = layer(2 + 2 * b, `block${b}.relu2`);
    nodes.push({ op: "Add", inputs: [h, d], outputs: [`block${b}.out`] });
    h = `block${b}.out`;
  }
  const logits = layer(bb.layers.length - 1, h);
  nodes.push({ op: "Identity", inputs: [logits], outputs: ["logits"] });
  return encodeModel(
    nodes,
    inits,
    { name: "tokens", type: INT64, dims: ["T", cfg.context] },
    { name: "logits", dims: ["T", cfg.vocab] },
  );
}

/** Context windows of `positions` as the int64 [T, context] input. */
export function contextTokens(
  tokens: Uint8Array,
  positions: ArrayLike<number>,
  context: number,
): BigInt64Array {
  const out = new BigInt64Array(positions.length * context);
  for (let t = 0; t < positions.length; t++)
    for (let c = 0; c < context; c++)
      out[t * context + c] = BigInt(tokens[positions[t]! - context + c]!);
  return out;
}

/** Mean cross-entropy of logits [T][V] (float64 log-sum-exp; for the ORT path only). */
export function meanCrossEntropy64(
  logits: Float32Array,
  V: number,
  targets: ArrayLike<number>,
): number {
  let tot = 0;
  for (let t = 0; t < targets.length; t++) {
    let mu = -Infinity;
    for (let v = 0; v < V; v++) mu = Math.max(mu, logits[t * V + v]!);
    let S = 0;
    for (let v = 0; v < V; v++) S += Math.exp(logits[t * V + v]! - mu);
    tot += Math.log(S) - (logits[t * V + targets[t]!]! - mu);
  }
  return tot / targets.length;
}

import fc from "fast-check";
import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import {
  AdapterFileError,
  contentId,
  decodeUpdate,
  encodeCompressedUpdate,
  encodeUpdate,
} from "../../src/kernels/adapter-file.ts";
import { compress, decompress } from "../../src/kernels/compress.ts";
import { adapterTensors, initAdapters, tinyConfig } from "../../src/kernels/model.ts";
import {
  decodeSafetensors,
  encodeSafetensors,
  f32Tensor,
  i8Tensor,
  SafetensorsError,
} from "../../src/kernels/safetensors.ts";
import { merkleRoot } from "../../src/protocol/merkle.ts";

const update = () => adapterTensors(initAdapters(tinyConfig, new Uint8Array(32).fill(3)));

describe("safetensors layout", () => {
  it("round-trips tensors and metadata, canonically (same tensors, same bytes)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ noNaN: true }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.integer({ min: -128, max: 127 }), { maxLength: 9 }),
        (fs, is) => {
          const a = new Map([
            ["w", f32Tensor([fs.length], Float32Array.from(fs))],
            ["b.q", i8Tensor([is.length], Int8Array.from(is))],
          ]);
          const bytes = encodeSafetensors(a, { z: "1", a: "2" });
          const back = decodeSafetensors(bytes);
          expect(back.metadata).toEqual({ a: "2", z: "1" });
          expect([...back.tensors.keys()].sort()).toEqual(["b.q", "w"]);
          expect(back.tensors.get("w")!.data).toEqual(a.get("w")!.data);
          expect(encodeSafetensors(new Map([...a].reverse()), { a: "2", z: "1" })).toEqual(bytes);
          const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
          expect(headerLen % 8).toBe(0);
        },
      ),
    );
  });

  it("rejects malformed files with a reason", () => {
    const good = encodeSafetensors(new Map([["w", f32Tensor([2], Float32Array.of(1, 2))]]));
    expect(() => decodeSafetensors(good.subarray(0, 5))).toThrow(SafetensorsError);
    expect(() => decodeSafetensors(good.subarray(0, good.length - 1))).toThrow(
      /past the|truncated/,
    );
    const extra = new Uint8Array(good.length + 4);
    extra.set(good);
    expect(() => decodeSafetensors(extra)).toThrow(/trailing/);
    const huge = good.slice();
    new DataView(huge.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => decodeSafetensors(huge)).toThrow(/exceeds/);
    const badJson = good.slice();
    badJson[8] = 0x5b;
    expect(() => decodeSafetensors(badJson)).toThrow(SafetensorsError);
  });
});

describe("adapter update files", () => {
  it("round-trip through the hash check; the CID and DA root come from the bytes", () => {
    const u = update();
    const bytes = encodeUpdate(tinyConfig, u, { window: "3", shard: "1" });
    const id = contentId(bytes, 1024);
    expect(decodeUpdate(tinyConfig, bytes, id.hash)).toEqual(u);
    expect(id.cid).toMatch(/^bafkrei[a-z2-7]+$/);
    expect(id.sizeBytes).toBe(BigInt(bytes.length));
    const chunks = [];
    for (let o = 0; o < bytes.length; o += 1024) chunks.push(bytes.subarray(o, o + 1024));
    expect(id.daRoot).toEqual(merkleRoot(chunks));
  });

  it("a corrupted file is rejected by its hash, whichever byte flips", () => {
    const bytes = encodeUpdate(tinyConfig, update());
    const hash = sha256(bytes);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: bytes.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (i, x) => {
          const bad = bytes.slice();
          bad[i] = bad[i]! ^ x;
          expect(() => decodeUpdate(tinyConfig, bad, hash)).toThrow(AdapterFileError);
          expect(() => decodeUpdate(tinyConfig, bad, hash)).toThrow(/does not match the expected/);
        },
      ),
    );
  });

  it("a file for another model is rejected even with the right hash", () => {
    const bytes = encodeUpdate(tinyConfig, update());
    expect(() => decodeUpdate({ ...tinyConfig, rank: 8 }, bytes, sha256(bytes))).toThrow(
      /is for model/,
    );
  });
});

describe("top-k + int8 compression with error feedback", () => {
  it("what is sent plus the new residual is exactly delta plus the old residual", () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.boolean(),
        (xs, k, int8) => {
          const d = Float32Array.from(xs);
          const res = [Float32Array.from(xs, (v) => Math.fround(v / 3))];
          const acc = d.map((v, i) => Math.fround(v + res[0]![i]!));
          const [c] = compress([d], res, { topK: k, int8 });
          const sent = decompress(c!, d.length);
          for (let i = 0; i < d.length; i++) expect(sent[i]! + res[0]![i]! === acc[i]).toBe(true);
          expect(c!.indices.length).toBe(Math.max(1, Math.min(d.length, Math.round(k * d.length))));
        },
      ),
    );
  });

  it("compressed files round-trip and are much smaller", () => {
    const u = update();
    const res = u.map((t) => new Float32Array(t.length));
    const c = compress(u, res, { topK: 0.01, int8: true });
    const bytes = encodeCompressedUpdate(tinyConfig, c);
    const dense = encodeUpdate(tinyConfig, u);
    expect(bytes.length * 5).toBeLessThan(dense.length);
    const back = decodeUpdate(tinyConfig, bytes, sha256(bytes));
    back.forEach((t, k) => expect(t).toEqual(decompress(c[k]!, t.length)));
  });

  it("dense top-k sets store a bitmap of indices: smaller, same round-trip, malformed masks rejected", () => {
    const u = update();
    const c = compress(
      u,
      u.map((t) => new Float32Array(t.length)),
      { topK: 0.2, int8: true },
    );
    const bytes = encodeCompressedUpdate(tinyConfig, c);
    const names = [...decodeSafetensors(bytes).tensors.keys()];
    expect(names.some((n) => n.endsWith(".mask"))).toBe(true);
    expect(names.some((n) => n.endsWith(".idx"))).toBe(false);
    const back = decodeUpdate(tinyConfig, bytes, sha256(bytes));
    back.forEach((t, k) => expect(t).toEqual(decompress(c[k]!, t.length)));
    // 5 bytes per kept entry with int32 indices; ≈ 1/8 + 1 with the mask.
    const kept = c.reduce((s, x) => s + x.indices.length, 0);
    expect(bytes.length).toBeLessThan(kept * 2 + 4096);

    const file = decodeSafetensors(bytes);
    const edit = (f: (m: Map<string, ReturnType<typeof f32Tensor>>) => void) => {
      const m = new Map(file.tensors);
      f(m);
      const b = encodeSafetensors(m, file.metadata);
      return () => decodeUpdate(tinyConfig, b, sha256(b));
    };
    const maskName = names.find((n) => n.endsWith(".mask"))!;
    const mask = file.tensors.get(maskName)!;
    expect(
      edit((m) =>
        m.set(maskName, { ...mask, shape: [mask.data.length - 1], data: mask.data.subarray(1) }),
      ),
    ).toThrow(/mask has .* bytes/);
    expect(
      edit((m) => {
        const d = mask.data.slice();
        d[0]! ^= 1;
        m.set(maskName, { ...mask, data: d });
      }),
    ).toThrow(AdapterFileError);
    expect(
      edit((m) =>
        m.set(maskName.replace(".mask", ".idx"), {
          dtype: "I32",
          shape: [1],
          data: new Uint8Array(4),
        }),
      ),
    ).toThrow(/both/);
  });
});

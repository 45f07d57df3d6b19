/**
 * Target "framing": the ABCI socket's byte stream (server.ts reads it with
 * framing.ts's FrameReader, then decodes and serves each frame). Input:
 * pieces — well-formed request frames, truncated or edited ones, absurd
 * length prefixes (huge, over-long, non-minimal), random bytes — joined and
 * cut into TCP-like chunks.
 *
 * Oracles: nothing but a FrameError escapes the reader (the server closes
 * that connection); what it buffers stays below its frame limit; it yields
 * the frames a one-shot parse of the same bytes yields, however the stream
 * is chunked (all of them, unless it closed the stream); every frame gets a decodable response with one method
 * set, and a well-formed request of a read-only method no exception.
 */
import { Request, Response } from "cosmjs-types/tendermint/abci/types";
import fc from "fast-check";
import { FrameError, FrameReader, frame, MAX_FRAME_BYTES } from "../../node/framing.ts";
import { decodeRequest, type RequestCase, serveRequest } from "../../node/server.ts";
import { finding, type Finding } from "../finding.ts";
import { varint } from "../protowire.ts";
import type { FuzzTarget } from "../runner.ts";
import { fuzzApp } from "../world.ts";

const seedRequests = (): Uint8Array[] =>
  (
    [
      { echo: { message: "hi" } },
      { flush: {} },
      { info: { version: "", blockVersion: 0n, p2pVersion: 0n, abciVersion: "" } },
      { checkTx: { tx: new Uint8Array(10), type: 0 } },
      {
        query: {
          path: "/cosmos.bank.v1beta1.Query/Balance",
          data: new Uint8Array(4),
          height: 0n,
          prove: false,
        },
      },
      {
        query: {
          path: "/remes.remes.v1.Query/Params",
          data: new Uint8Array(0),
          height: 0n,
          prove: false,
        },
      },
      { listSnapshots: {} },
      { loadSnapshotChunk: { height: 0n, format: 1, chunk: 0 } },
      {
        prepareProposal: {
          maxTxBytes: 1_000_000n,
          txs: [new Uint8Array(3)],
          localLastCommit: { round: 0, votes: [] },
          misbehavior: [],
          height: 1n,
          time: { seconds: 2n, nanos: 0 },
          nextValidatorsHash: new Uint8Array(0),
          proposerAddress: new Uint8Array(20),
        },
      },
      {
        processProposal: {
          txs: [new Uint8Array(3)],
          proposedLastCommit: { round: 0, votes: [] },
          misbehavior: [],
          hash: new Uint8Array(32),
          height: 1n,
          time: { seconds: 2n, nanos: 0 },
          nextValidatorsHash: new Uint8Array(0),
          proposerAddress: new Uint8Array(20),
        },
      },
      {
        verifyVoteExtension: {
          hash: new Uint8Array(32),
          validatorAddress: new Uint8Array(20),
          height: 1n,
          voteExtension: new Uint8Array(1),
        },
      },
    ] as Request[]
  ).map((r) => Request.encode(Request.fromPartial(r)).finish());

/** Methods that leave the committed state alone (the others would make inputs depend on each other). */
const READ_ONLY = new Set<RequestCase>([
  "echo",
  "flush",
  "info",
  "query",
  "checkTx",
  "prepareProposal",
  "processProposal",
  "listSnapshots",
  "loadSnapshotChunk",
  "extendVote",
  "verifyVoteExtension",
]);

export type Piece =
  | {
      readonly kind: "frame";
      readonly seed: number;
      readonly edits: readonly (readonly [number, number])[];
      readonly cut: number;
    }
  | { readonly kind: "prefix"; readonly length: bigint; readonly stretch: number }
  | { readonly kind: "overlong"; readonly n: number }
  | { readonly kind: "bytes"; readonly bytes: Uint8Array };

export interface FramingInput {
  readonly pieces: readonly Piece[];
  /** Chunk sizes the joined bytes are cut into (cycled). */
  readonly chunks: readonly number[];
}

export const framingArb = (): fc.Arbitrary<FramingInput> => {
  const piece: fc.Arbitrary<Piece> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant("frame" as const),
        seed: fc.nat(64),
        edits: fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 3 }),
        cut: fc.oneof(fc.constant(0), fc.nat(8)),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("prefix" as const),
        length: fc.constantFrom(
          0n,
          1n,
          BigInt(MAX_FRAME_BYTES),
          BigInt(MAX_FRAME_BYTES) + 1n,
          2n ** 32n,
          2n ** 53n,
          2n ** 64n - 1n,
        ),
        stretch: fc.nat(4),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("overlong" as const),
        n: fc.integer({ min: 9, max: 16 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("bytes" as const),
        bytes: fc.uint8Array({ maxLength: 64 }),
      }),
    },
  );
  return fc.record({
    pieces: fc.array(piece, { minLength: 1, maxLength: 6 }),
    chunks: fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 4 }),
  });
};

let seeds: Uint8Array[] | undefined;

const bytesOf = (p: Piece): Uint8Array => {
  switch (p.kind) {
    case "frame": {
      seeds ??= seedRequests();
      const f = frame(seeds[p.seed % seeds.length]!);
      for (const [at, v] of p.edits) f[at % f.length] = v;
      return f.subarray(0, f.length - (p.cut % f.length));
    }
    case "prefix":
      return varint(p.length, p.stretch);
    case "overlong":
      return new Uint8Array(p.n).fill(0x80);
    case "bytes":
      return p.bytes;
  }
};

/** An independent one-shot parse: the frames of `b` and whether the stream turned malformed. */
const referenceFrames = (b: Uint8Array): { frames: Uint8Array[]; malformed: boolean } => {
  const frames: Uint8Array[] = [];
  let at = 0;
  for (;;) {
    let len = 0n;
    let i = 0;
    for (; i < 10 && at + i < b.length; i++) {
      len |= BigInt(b[at + i]! & 0x7f) << BigInt(7 * i);
      if (len > BigInt(MAX_FRAME_BYTES)) return { frames, malformed: true };
      if ((b[at + i]! & 0x80) === 0) break;
    }
    if (i === 10) return { frames, malformed: true };
    if (at + i >= b.length) return { frames, malformed: false };
    const start = at + i + 1;
    if (start + Number(len) > b.length) return { frames, malformed: false };
    frames.push(b.subarray(start, start + Number(len)));
    at = start + Number(len);
  }
};

const same = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

export const checkFraming = async (input: FramingInput): Promise<Finding | undefined> => {
  const parts = input.pieces.map(bytesOf);
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (all.set(p, at), at + p.length), 0);
  const reader = new FrameReader();
  const got: Uint8Array[] = [];
  let closed = false;
  for (let at = 0, k = 0; at < all.length; k++) {
    const size = input.chunks[k % input.chunks.length]!;
    try {
      got.push(...reader.push(all.slice(at, at + size)));
    } catch (e) {
      if (!(e instanceof FrameError))
        return finding("framing.throw", `the reader threw ${String(e)}`);
      closed = true;
      break;
    }
    at += size;
    if (reader.pending > MAX_FRAME_BYTES + 10)
      return finding(
        "framing.unbounded",
        `the reader buffers ${reader.pending} bytes, above its ${MAX_FRAME_BYTES}-byte frame limit`,
      );
  }
  const ref = referenceFrames(all);
  if (closed !== ref.malformed)
    return finding(
      "framing.split",
      `the chunked reader ${closed ? "closed the stream" : "kept the stream open"}, a one-shot parse ${ref.malformed ? "finds it malformed" : "does not"}`,
    );
  // A closed stream may drop the frames of the chunk that broke it (the connection goes); an open one yields them all.
  const count = closed ? got.length <= ref.frames.length : got.length === ref.frames.length;
  if (!count || got.some((f, i) => !same(f, ref.frames[i]!)))
    return finding(
      "framing.split",
      `the chunked reader yields ${got.length} frames, a one-shot parse ${ref.frames.length}`,
    );
  const app = fuzzApp();
  let touched = false;
  try {
    for (const f of got) {
      const d = decodeRequest(f);
      if ("error" in d) continue;
      if (!READ_ONLY.has(d.kind)) continue;
      touched = true;
      const res = Response.decode(await serveRequest(d.req, d.kind, app.handle));
      const set = Object.values(res).filter((v) => v !== undefined).length;
      if (set !== 1)
        return finding(
          "framing.response",
          `a ${d.kind} request got a response with ${set} fields set`,
        );
      if (res.exception)
        return finding(
          "framing.exception",
          `a well-formed ${d.kind} request got an exception: ${res.exception.error.slice(0, 200)}`,
        );
    }
  } finally {
    if (touched) app.load();
  }
  return undefined;
};

export const framingTarget: FuzzTarget<FramingInput> = {
  name: "framing",
  description:
    "ABCI length-prefixed frames: random, truncated, absurd prefixes, any chunking; the reader's limit and the served responses",
  ciRuns: 30_000,
  arbitrary: framingArb,
  check: checkFraming,
};

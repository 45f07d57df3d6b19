/**
 * command-fast.ts reads gradient commitments and submissions in place; it
 * must answer either nothing (toCommand then decodes as before) or exactly
 * what toCommand's decoder path gives — same case, same message ($typeName,
 * field types, defaults), small bytes as own on-heap copies — on random
 * messages of both types, on byte flips, truncations, extensions and
 * structural edits of them (fields dropped, repeated, swapped, varints
 * stretched, unknown fields), and on random bytes.
 */
import { create, type DescMessage } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { messageArb } from "../../src/fuzz/commands.ts";
import { mutate, type Mutation, varint } from "../../src/fuzz/protowire.ts";
import { ACTORS } from "../../src/fuzz/world.ts";
import { MsgCommitGradientSchema, MsgSubmitGradientSchema } from "../../src/gen/remes/v1/tx_pb.ts";
import { encode } from "../../src/protocol/encoding.ts";
import {
  COMMIT_GRADIENT_TYPE_URL,
  fastCommand,
  SUBMIT_GRADIENT_TYPE_URL,
} from "../../src/node/command-fast.ts";
import { toCommand, TxError } from "../../src/node/tx.ts";

const kinds = [
  { url: COMMIT_GRADIENT_TYPE_URL, schema: MsgCommitGradientSchema },
  { url: SUBMIT_GRADIENT_TYPE_URL, schema: MsgSubmitGradientSchema },
] as const;

const encodeMsg = (schema: DescMessage, init: Record<string, unknown>): Uint8Array =>
  encode(schema, create(schema, init));

/** `bytes` as a view into a larger buffer (as a tx's Any value is), garbage around it. */
const embedded = (bytes: Uint8Array): Uint8Array => {
  const buf = new Uint8Array(bytes.length + 16).fill(0xa5);
  buf.set(bytes, 7);
  return buf.subarray(7, 7 + bytes.length);
};

/** Every bytes field of a command: a plain Uint8Array owning its whole buffer (a copy, not a view). */
const ownBytes = (cmd: unknown): void => {
  const v = (cmd as { value: Record<string, unknown> }).value;
  for (const k of Object.keys(v)) {
    const x = v[k];
    if (!(x instanceof Uint8Array)) continue;
    expect(Object.getPrototypeOf(x)).toBe(Uint8Array.prototype);
    expect(x.byteOffset).toBe(0);
    expect(x.buffer.byteLength).toBe(x.length);
  }
};

let fastHits = 0;

/** The fast path on `bytes`: undefined, or what the decoder path gives (also with the signer hint). */
const check = (url: string, raw: Uint8Array): void => {
  const value = embedded(raw);
  const slow = toCommand({ typeUrl: url, value }, 0, undefined, true);
  const viaToCommand = toCommand({ typeUrl: url, value }, 0);
  // toCommand's answer (fast or not) is the decoder path's, error messages included.
  expect(viaToCommand).toEqual(slow);
  const fast = fastCommand(url, value);
  if (fast === undefined) return;
  fastHits++;
  expect(slow).not.toBeInstanceOf(TxError);
  expect(fast).toEqual(slow);
  expect(Object.keys(fast.value)).toEqual(Object.keys((slow as typeof fast).value));
  for (const k of Object.keys(fast.value))
    expect(typeof (fast.value as unknown as Record<string, unknown>)[k]).toBe(
      typeof (slow as unknown as { value: Record<string, unknown> }).value[k],
    );
  ownBytes(fast);
  ownBytes(slow);
  const miner = (slow as { value: { miner: string } }).value.miner;
  const hinted = fastCommand(url, value, miner);
  expect(hinted).toEqual(slow);
  expect((hinted!.value as { miner: string }).miner).toBe(miner);
  // A hint that is not the field's string changes nothing.
  expect(fastCommand(url, value, `${miner}x`)).toEqual(slow);
};

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("byte" as const), at: fc.nat(), value: fc.nat(255) }),
  fc.record({ op: fc.constant("truncate" as const), keep: fc.nat() }),
  fc.record({ op: fc.constant("drop" as const), i: fc.nat() }),
  fc.record({ op: fc.constant("dup" as const), i: fc.nat() }),
  fc.record({ op: fc.constant("swap" as const), i: fc.nat(), j: fc.nat() }),
  fc.record({
    op: fc.constant("stretch" as const),
    i: fc.nat(),
    tag: fc.nat(2),
    len: fc.nat(2),
  }),
  fc.record({
    op: fc.constant("unknown" as const),
    no: fc.integer({ min: 1, max: 20 }),
    wire: fc.constantFrom(0 as const, 2 as const),
    value: fc.uint8Array({ maxLength: 4 }),
    at: fc.nat(),
  }),
);

const msgArb = fc.oneof(
  ...kinds.map(({ url, schema }) =>
    messageArb(schema, ACTORS).map((init) => ({ url, bytes: encodeMsg(schema, init) })),
  ),
);

describe("fastCommand (gradient commitments and submissions read in place)", () => {
  it("gives nothing or toCommand's decoder answer on random messages, edits of them and random bytes", () => {
    fastHits = 0;
    fc.assert(
      fc.property(
        msgArb,
        fc.array(mutationArb, { maxLength: 3 }),
        fc.uint8Array({ maxLength: 12 }),
        fc.uint8Array({ maxLength: 120 }),
        ({ url, bytes }, edits, tail, noise) => {
          check(url, bytes);
          let edited = bytes;
          for (const m of edits) {
            edited = mutate(edited, m);
            check(url, edited);
          }
          check(url, Uint8Array.of(...bytes, ...tail));
          for (const { url: u } of kinds) check(u, noise);
        },
      ),
      { numRuns: 1500, seed: 16 },
    );
    expect(fastHits).toBeGreaterThan(1000);
  });

  it("reads the flood's shapes: a commitment, a reveal, empty and default-valued fields", () => {
    const miner = ACTORS[0]!;
    const commit = {
      miner,
      window: 12n,
      shard: 3,
      commitment: new Uint8Array(32).fill(7),
    };
    const submit = {
      miner,
      window: 12n,
      shard: 3,
      gradientCid: "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
      gradientHash: new Uint8Array(32).fill(1),
      daRoot: new Uint8Array(32).fill(2),
      sizeBytes: 1_048_576n,
      claimedLossMicro: 2_345_678n,
      gpuArch: 5,
      kernelVersion: "v1.0.0",
      salt: new Uint8Array(32).fill(3),
    };
    for (const [url, schema, init] of [
      [COMMIT_GRADIENT_TYPE_URL, MsgCommitGradientSchema, commit],
      [SUBMIT_GRADIENT_TYPE_URL, MsgSubmitGradientSchema, submit],
    ] as const) {
      const bytes = encodeMsg(schema, init);
      const fast = fastCommand(url, bytes, miner);
      expect(fast).toBeDefined();
      expect(fast!.value).toEqual(create(schema, init));
      expect(fast!.value.$typeName).toBe(schema.typeName);
      check(url, bytes);
      check(url, new Uint8Array(0)); // every field absent: the defaults
    }
    // Defaults written out (canonical encoders leave them out): the same message.
    const written = Uint8Array.of(0x0a, 0x00, 0x10, 0x00, 0x18, 0x00, 0x22, 0x00);
    expect(fastCommand(COMMIT_GRADIENT_TYPE_URL, written)!.value).toEqual(
      create(MsgCommitGradientSchema),
    );
    check(COMMIT_GRADIENT_TYPE_URL, written);
    // Largest values read in place: a uint64 of 2^53 - 1, a uint32 of 2^32 - 1, an enum of 2^31 - 1.
    const big = encodeMsg(MsgSubmitGradientSchema, {
      window: 2n ** 53n - 1n,
      shard: 2 ** 32 - 1,
      gpuArch: 2 ** 31 - 1,
    });
    expect(fastCommand(SUBMIT_GRADIENT_TYPE_URL, big)).toBeDefined();
    check(SUBMIT_GRADIENT_TYPE_URL, big);
    // Other type URLs are not read here.
    expect(fastCommand("/remes.remes.v1.MsgChallengeGradient", new Uint8Array(0))).toBeUndefined();
  });

  it("leaves every unusual shape to the decoder, whose verdict toCommand keeps", () => {
    const miner = ACTORS[1]!;
    const base = encodeMsg(MsgCommitGradientSchema, {
      miner,
      window: 9n,
      shard: 2,
      commitment: new Uint8Array(32).fill(4),
    });
    const minerField = Uint8Array.of(0x0a, miner.length, ...Buffer.from(miner));
    const commitment = Uint8Array.of(0x22, 32, ...new Uint8Array(32).fill(4));
    const cases: Record<string, [string, Uint8Array]> = {
      "fields out of order (shard before window)": [
        COMMIT_GRADIENT_TYPE_URL,
        Uint8Array.of(...minerField, 0x18, 0x02, 0x10, 0x09, ...commitment),
      ],
      "a field twice": [
        COMMIT_GRADIENT_TYPE_URL,
        Uint8Array.of(...minerField, 0x10, 0x09, 0x10, 0x09, 0x18, 0x02),
      ],
      "a non-minimal varint": [
        COMMIT_GRADIENT_TYPE_URL,
        Uint8Array.of(...minerField, 0x10, 0x89, 0x00, 0x18, 0x02),
      ],
      "a non-minimal length": [
        COMMIT_GRADIENT_TYPE_URL,
        Uint8Array.of(0x0a, 0x80 | miner.length, 0x00, ...Buffer.from(miner)),
      ],
      "a uint32 of 2^32": [
        COMMIT_GRADIENT_TYPE_URL,
        Uint8Array.of(...minerField, 0x18, ...varint(2n ** 32n)),
      ],
      "a uint64 of 2^64": [
        COMMIT_GRADIENT_TYPE_URL,
        Uint8Array.of(
          ...minerField,
          0x10,
          0x80,
          0x80,
          0x80,
          0x80,
          0x80,
          0x80,
          0x80,
          0x80,
          0x80,
          0x02,
        ),
      ],
      "a uint64 of 2^64 - 1 (in range, past 2^53)": [
        COMMIT_GRADIENT_TYPE_URL,
        Uint8Array.of(...minerField, 0x10, ...varint(2n ** 64n - 1n)),
      ],
      "a uint64 of 2^53": [SUBMIT_GRADIENT_TYPE_URL, Uint8Array.of(0x10, ...varint(2n ** 53n))],
      "a negative enum": [SUBMIT_GRADIENT_TYPE_URL, Uint8Array.of(0x48, ...varint(2n ** 64n - 1n))],
      "an enum of 2^31": [SUBMIT_GRADIENT_TYPE_URL, Uint8Array.of(0x48, ...varint(2n ** 31n))],
      "a non-ASCII miner": [COMMIT_GRADIENT_TYPE_URL, Uint8Array.of(0x0a, 0x02, 0xc3, 0xa9)],
      "invalid UTF-8": [COMMIT_GRADIENT_TYPE_URL, Uint8Array.of(0x0a, 0x01, 0xff)],
      "an unknown field": [COMMIT_GRADIENT_TYPE_URL, Uint8Array.of(...base, 0x28, 0x01)],
      "an unknown field of the reveal": [
        SUBMIT_GRADIENT_TYPE_URL,
        Uint8Array.of(0x0a, 0x00, 0x60, 0x01),
      ],
      "a known field with the wrong wire type": [
        COMMIT_GRADIENT_TYPE_URL,
        Uint8Array.of(...minerField, 0x12, 0x01, 0x09),
      ],
      "a bytes field of 65 bytes": [
        COMMIT_GRADIENT_TYPE_URL,
        Uint8Array.of(0x22, 65, ...new Uint8Array(65).fill(9)),
      ],
      "a truncated field": [COMMIT_GRADIENT_TYPE_URL, base.subarray(0, base.length - 1)],
      "a length past the end": [COMMIT_GRADIENT_TYPE_URL, Uint8Array.of(0x0a, 0x05, 0x61)],
      "a two-byte tag": [COMMIT_GRADIENT_TYPE_URL, Uint8Array.of(0x88, 0x01, 0x01)],
      "field number 0": [COMMIT_GRADIENT_TYPE_URL, Uint8Array.of(0x00, 0x01)],
      "a group wire type": [COMMIT_GRADIENT_TYPE_URL, Uint8Array.of(0x0b, 0x0c)],
    };
    for (const [name, [url, bytes]] of Object.entries(cases)) {
      expect(fastCommand(url, bytes, miner), name).toBeUndefined();
      check(url, bytes);
    }
    // And the decoder's verdicts on a few of them, as toCommand gives them.
    const verdict = (url: string, bytes: Uint8Array) => {
      const r = toCommand({ typeUrl: url, value: bytes }, 0);
      return r instanceof TxError ? r.log : "ok";
    };
    expect(verdict(...cases["a uint32 of 2^32"]!)).toMatch(/shard is 4294967296, out of range/);
    expect(verdict(...cases["an unknown field"]!)).toMatch(/unknown fields/);
    expect(verdict(...cases["a field twice"]!)).toBe("ok");
  });
});

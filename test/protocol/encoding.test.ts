/**
 * The fast encoder is byte-identical to protobuf-es `toBinary` for every
 * command and event (random messages over all fields) and for the events of
 * a whole scripted run.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventSchema } from "../../src/gen/remes/v1/events_pb.ts";
import { CommandSchema } from "../../src/gen/remes/v1/tx_pb.ts";
import { encodeCommand, encodeEvent } from "../../src/protocol/codec.ts";
import { runDemoWorld } from "../../src/protocol/testing/demo-world.ts";
import { anyCommand, anyEvent } from "./arbitraries.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("the fast encoder", () => {
  it("encodes every event exactly as toBinary does", () => {
    fc.assert(
      fc.property(anyEvent, (e) => {
        expect(hex(encodeEvent(e))).toBe(
          hex(toBinary(EventSchema, create(EventSchema, { kind: e }))),
        );
      }),
      { numRuns: 2_000 },
    );
  });

  it("encodes every command exactly as toBinary does", () => {
    fc.assert(
      fc.property(anyCommand, (c) => {
        expect(hex(encodeCommand(c))).toBe(
          hex(toBinary(CommandSchema, create(CommandSchema, { msg: c }))),
        );
      }),
      { numRuns: 1_000 },
    );
  });

  it("encodes long strings and large nested messages (multi-byte lengths) exactly", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 100, maxLength: 5_000, unit: "grapheme" }),
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 600 }),
        (title, commitments) => {
          const e = {
            case: "trapCommitmentAccepted",
            value: create(EventSchema.field.trapCommitmentAccepted.message!, {
              window: 1,
              committee: [title],
              commitments,
            }),
          } as const;
          expect(hex(encodeEvent(e as never))).toBe(
            hex(toBinary(EventSchema, create(EventSchema, { kind: e as never }))),
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it("encodes a whole scripted run exactly", () => {
    for (const e of runDemoWorld(3).log.flat())
      expect(hex(encodeEvent(e))).toBe(
        hex(toBinary(EventSchema, create(EventSchema, { kind: e }))),
      );
  });
});

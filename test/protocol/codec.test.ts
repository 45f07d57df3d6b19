/**
 * Codec round-trips for every case of the Command and Event oneofs, built by
 * a reflective fast-check arbitrary over the protobuf-es descriptors, and
 * bad input (random, truncated, oversized, unknown fields) that must decode
 * to a DecodeError and never throw.
 */
import {
  create,
  type DescField,
  type DescMessage,
  equals,
  ScalarType,
  toBinary,
} from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventSchema } from "../../src/gen/remes/v1/events_pb.ts";
import { CommandSchema } from "../../src/gen/remes/v1/tx_pb.ts";
import {
  DecodeError,
  decodeCommand,
  decodeEvent,
  encodeCommand,
  encodeEvent,
  MAX_COMMAND_BYTES,
  MAX_EVENT_BYTES,
} from "../../src/protocol/codec.ts";
import type { ProtocolCommand } from "../../src/protocol/commands.ts";
import type { ProtocolEvent } from "../../src/protocol/events.ts";
import {
  anyCommand,
  anyEvent,
  commandArbFor,
  commandCases,
  eventArbFor,
  eventCases,
  messageInitArb,
} from "./arbitraries.ts";

const wrapCommand = (c: ProtocolCommand) => create(CommandSchema, { msg: c });
const wrapEvent = (e: ProtocolEvent) => create(EventSchema, { kind: e });

const bytesEq = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

const decodeCommandSafely = (bytes: Uint8Array, max?: number) => {
  let r: ReturnType<typeof decodeCommand> | undefined;
  expect(() => {
    r = decodeCommand(bytes, max);
  }).not.toThrow();
  return r!;
};
const decodeEventSafely = (bytes: Uint8Array, max?: number) => {
  let r: ReturnType<typeof decodeEvent> | undefined;
  expect(() => {
    r = decodeEvent(bytes, max);
  }).not.toThrow();
  return r!;
};

/** Protobuf varint of a non-negative integer. */
const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
};
/** An unknown varint field (number ≥ 1000, so no message of proto/ has it). */
const unknownField = (fieldNo: number, value: number) =>
  Uint8Array.from([...varint((fieldNo << 3) | 0), ...varint(value)]);
const concat = (...xs: Uint8Array[]) => Uint8Array.from(xs.flatMap((x) => [...x]));
/** Re-wraps an inner message's bytes as oneof field `fieldNo` of the outer message. */
const lengthDelimited = (fieldNo: number, body: Uint8Array) =>
  Uint8Array.from([...varint((fieldNo << 3) | 2), ...varint(body.length), ...body]);

describe("codec: round-trips", () => {
  it("covers every oneof case", () => {
    expect(commandCases.length).toBeGreaterThanOrEqual(20);
    expect(eventCases.length).toBeGreaterThanOrEqual(40);
  });

  for (const f of commandCases) {
    it(`command ${f.localName} round-trips`, () => {
      fc.assert(
        fc.property(commandArbFor(f), (c) => {
          const bytes = encodeCommand(c);
          const d = decodeCommandSafely(bytes);
          expect(d).not.toBeInstanceOf(DecodeError);
          const back = d as ProtocolCommand;
          expect(back.case).toBe(c.case);
          expect(equals(CommandSchema, wrapCommand(back), wrapCommand(c))).toBe(true);
          expect(bytesEq(toBinary(CommandSchema, wrapCommand(back)), bytes)).toBe(true);
        }),
        { numRuns: 60 },
      );
    });
  }

  for (const f of eventCases) {
    it(`event ${f.localName} round-trips`, () => {
      fc.assert(
        fc.property(eventArbFor(f), (e) => {
          const bytes = encodeEvent(e);
          const d = decodeEventSafely(bytes);
          expect(d).not.toBeInstanceOf(DecodeError);
          const back = d as ProtocolEvent;
          expect(back.case).toBe(e.case);
          expect(equals(EventSchema, wrapEvent(back), wrapEvent(e))).toBe(true);
          expect(bytesEq(toBinary(EventSchema, wrapEvent(back)), bytes)).toBe(true);
        }),
        { numRuns: 40 },
      );
    });
  }
});

describe("codec: bad input is a DecodeError, never a throw", () => {
  it("random bytes decode to a DecodeError or a well-formed message", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const c = decodeCommandSafely(bytes);
        if (!(c instanceof DecodeError)) expect(typeof c.case).toBe("string");
        const e = decodeEventSafely(bytes);
        if (!(e instanceof DecodeError)) expect(typeof e.case).toBe("string");
      }),
      { numRuns: 500 },
    );
  });

  it("the empty input holds no command or event", () => {
    expect(decodeCommandSafely(new Uint8Array())).toBeInstanceOf(DecodeError);
    expect(decodeEventSafely(new Uint8Array())).toBeInstanceOf(DecodeError);
  });

  it("truncated encodings of valid commands are DecodeErrors", () => {
    fc.assert(
      fc.property(anyCommand, fc.nat(), (c, cut) => {
        const bytes = encodeCommand(c);
        const prefix = bytes.subarray(0, cut % bytes.length);
        expect(decodeCommandSafely(prefix)).toBeInstanceOf(DecodeError);
      }),
      { numRuns: 300 },
    );
  });

  it("truncated encodings of valid events are DecodeErrors", () => {
    fc.assert(
      fc.property(anyEvent, fc.nat(), (e, cut) => {
        const bytes = encodeEvent(e);
        const prefix = bytes.subarray(0, cut % bytes.length);
        expect(decodeEventSafely(prefix)).toBeInstanceOf(DecodeError);
      }),
      { numRuns: 300 },
    );
  });

  it("oversized input is refused before parsing", () => {
    const big = new Uint8Array(MAX_COMMAND_BYTES + 1);
    expect(decodeCommandSafely(big)).toBeInstanceOf(DecodeError);
    expect(decodeEventSafely(new Uint8Array(MAX_EVENT_BYTES + 1))).toBeInstanceOf(DecodeError);
    // A valid command over a node's lower limit is refused too.
    fc.assert(
      fc.property(anyCommand, (c) => {
        const bytes = encodeCommand(c);
        expect(decodeCommandSafely(bytes, bytes.length - 1)).toBeInstanceOf(DecodeError);
        expect(decodeCommandSafely(bytes, bytes.length)).not.toBeInstanceOf(DecodeError);
      }),
      { numRuns: 100 },
    );
  });

  it("unknown fields at the top level or inside the message are DecodeErrors", () => {
    fc.assert(
      fc.property(
        anyCommand,
        anyEvent,
        fc.integer({ min: 1000, max: 100_000 }),
        fc.nat({ max: 1_000_000 }),
        (c, e, fieldNo, value) => {
          const extra = unknownField(fieldNo, value);
          expect(decodeCommandSafely(concat(encodeCommand(c), extra))).toBeInstanceOf(DecodeError);
          expect(decodeEventSafely(concat(encodeEvent(e), extra))).toBeInstanceOf(DecodeError);
          // Inside the oneof's message.
          const cf = commandCases.find((f) => f.localName === c.case)!;
          const cInner = toBinary(cf.message!, c.value as never);
          expect(
            decodeCommandSafely(lengthDelimited(cf.number, concat(cInner, extra))),
          ).toBeInstanceOf(DecodeError);
          const ef = eventCases.find((f) => f.localName === e.case)!;
          const eInner = toBinary(ef.message!, e.value as never);
          expect(
            decodeEventSafely(lengthDelimited(ef.number, concat(eInner, extra))),
          ).toBeInstanceOf(DecodeError);
          // And the inner re-wrap without the extra field is the same message.
          expect(bytesEq(lengthDelimited(cf.number, cInner), encodeCommand(c))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("a field of the wrong wire type is a DecodeError", () => {
    fc.assert(
      fc.property(anyCommand, (c) => {
        const cf = commandCases.find((f) => f.localName === c.case)!;
        // The oneof field as a varint instead of a length-delimited message.
        const bad = Uint8Array.from([...varint((cf.number << 3) | 0), 1]);
        expect(decodeCommandSafely(bad)).toBeInstanceOf(DecodeError);
      }),
      { numRuns: 50 },
    );
  });
});

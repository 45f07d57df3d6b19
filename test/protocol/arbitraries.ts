/**
 * Reflective fast-check arbitraries over the protobuf-es descriptors: any
 * command or event of the protocol, with every field type of proto/.
 */
import { create, type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import fc from "fast-check";
import { EventSchema } from "../../src/gen/remes/v1/events_pb.ts";
import { CommandSchema } from "../../src/gen/remes/v1/tx_pb.ts";
import type { ProtocolCommand } from "../../src/protocol/commands.ts";
import { ID_FIELD, MAX_ID } from "../../src/protocol/ids.ts";
import type { ProtocolEvent } from "../../src/protocol/events.ts";

const MAX_DEPTH = 4;
const U64 = 2n ** 64n - 1n;
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

const scalarArb = (t: ScalarType): fc.Arbitrary<unknown> => {
  switch (t) {
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return fc.integer({ min: 0, max: 0xffff_ffff });
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff });
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return fc.oneof(fc.bigInt({ min: 0n, max: U64 }), fc.bigInt({ min: 0n, max: 1000n }));
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return fc.bigInt({ min: I64_MIN, max: I64_MAX });
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.STRING:
      return fc.string({ maxLength: 24, unit: "grapheme" });
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 40 });
    default:
      throw new Error(`no arbitrary for scalar type ${t} (floats are not used in proto/)`);
  }
};

/**
 * Ids, heights and windows are at most 2^53 - 1 in events (they come from the state's numbers, and
 * decodeEvent refuses more); commands above it are refused by decide (test/protocol/ids64.test.ts).
 */
const idArb = fc.oneof(
  fc.bigInt({ min: 0n, max: BigInt(MAX_ID) }),
  fc.bigInt({ min: 0n, max: 1000n }),
);
const fieldScalarArb = (f: DescField): fc.Arbitrary<unknown> =>
  f.scalar === ScalarType.UINT64 && ID_FIELD.test(f.localName) ? idArb : scalarArb(f.scalar!);

const singleArb = (
  f: DescField,
  kind: "scalar" | "enum" | "message",
  depth: number,
): fc.Arbitrary<unknown> | undefined => {
  if (kind === "scalar") return fieldScalarArb(f);
  if (kind === "enum") return fc.constantFrom(...f.enum!.values.map((v) => v.number));
  if (depth >= MAX_DEPTH) return undefined;
  return messageInitArb(f.message!, depth + 1);
};

const fieldArb = (f: DescField, depth: number): fc.Arbitrary<unknown> | undefined => {
  switch (f.fieldKind) {
    case "scalar":
      return fieldScalarArb(f);
    case "enum":
      return singleArb(f, "enum", depth);
    case "message":
      return singleArb(f, "message", depth);
    case "list": {
      const item = singleArb(f, f.listKind, depth);
      return item ? fc.array(item, { maxLength: 3 }) : undefined;
    }
    default:
      throw new Error(`no arbitrary for ${f.fieldKind} fields (maps are not used in proto/)`);
  }
};

const cache = new Map<string, fc.Arbitrary<Record<string, unknown>>>();

/** A random init object for `create(desc, init)`: every field, one member of every oneof. */
export function messageInitArb(
  desc: DescMessage,
  depth = 0,
): fc.Arbitrary<Record<string, unknown>> {
  const key = `${desc.typeName}@${depth}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of desc.fields) {
    if (f.oneof) continue;
    const a = fieldArb(f, depth);
    if (a) parts[f.localName] = a;
  }
  for (const o of desc.oneofs) {
    const members = o.fields.flatMap((f) => {
      const a = fieldArb(f, depth);
      return a ? [a.map((value) => ({ case: f.localName, value }))] : [];
    });
    parts[o.localName] = fc.oneof(fc.constant({ case: undefined }), ...members);
  }
  const arb = fc.record(parts) as fc.Arbitrary<Record<string, unknown>>;
  cache.set(key, arb);
  return arb;
}

export const commandCases = CommandSchema.fields.filter((f) => f.oneof?.localName === "msg");
export const eventCases = EventSchema.fields.filter((f) => f.oneof?.localName === "kind");

export const commandArbFor = (f: DescField): fc.Arbitrary<ProtocolCommand> =>
  messageInitArb(f.message!).map(
    (init) =>
      ({ case: f.localName, value: create(f.message!, init) }) as unknown as ProtocolCommand,
  );
export const eventArbFor = (f: DescField): fc.Arbitrary<ProtocolEvent> =>
  messageInitArb(f.message!).map(
    (init) => ({ case: f.localName, value: create(f.message!, init) }) as unknown as ProtocolEvent,
  );

export const anyCommand = fc.oneof(...commandCases.map(commandArbFor));
export const anyEvent = fc.oneof(...eventCases.map(eventArbFor));

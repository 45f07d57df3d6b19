/**
 * Protocol commands as fuzz input, generated from the protobuf descriptors
 * (every case of the Command oneof, every field): signers and address fields
 * drawn mostly from the world's actors, otherwise from hostile strings;
 * numbers, ids, enums and bytes at their type's edges. An input is plain
 * data ({ case, init }), so it prints, shrinks and replays.
 */
import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import fc from "fast-check";
import { CommandSchema } from "../gen/remes/v1/tx_pb.ts";
import { command, type CommandCase, type ProtocolCommand } from "../protocol/commands.ts";
import { defaultParams } from "../protocol/params.ts";

export interface CommandSpec {
  readonly case: string;
  readonly init: Record<string, unknown>;
}

export const toCommand = (spec: CommandSpec): ProtocolCommand =>
  command(spec.case as CommandCase, spec.init as never);

/** Fields that name an account (the first field of each Msg is its signer). */
const ADDRESS_FIELDS = new Set([
  "miner",
  "validator",
  "proposer",
  "challenger",
  "voter",
  "address",
  "fromAddress",
  "toAddress",
  "operator",
]);

const U64_MAX = 2n ** 64n - 1n;
const I64_MAX = 2n ** 63n - 1n;

/** Amounts that matter to the protocol: every bigint parameter (stakes, deposits, bonds) and ±1 around it. */
const paramAmounts: bigint[] = Object.values(defaultParams() as unknown as Record<string, unknown>)
  .filter((v): v is bigint => typeof v === "bigint")
  .flatMap((v) => [v - 1n, v, v + 1n]);

const u64 = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      0n,
      1n,
      2n,
      U64_MAX,
      U64_MAX - 1n,
      I64_MAX,
      I64_MAX + 1n,
      2n ** 32n,
      ...paramAmounts,
    ),
  },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: U64_MAX }) },
);
const i64 = fc.oneof(u64, fc.constantFrom(-1n, -(2n ** 63n)));
const u32 = fc.oneof(
  { weight: 4, arbitrary: fc.nat(6) },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 100, 1000) },
);
const i32 = fc.oneof(
  u32.filter((n) => n < 2 ** 31),
  fc.constantFrom(-1, -(2 ** 31)),
);
const str = fc.constantFrom(
  "",
  "x",
  "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
  "a".repeat(300),
  "é\u0000\u202e",
  "__proto__",
  "constructor",
  "v1.0.0",
);
const bytesArb = fc.oneof(
  fc.constantFrom(
    new Uint8Array(0),
    new Uint8Array(32),
    new Uint8Array(32).fill(255),
    new Uint8Array(64),
  ),
  fc.uint8Array({ minLength: 31, maxLength: 33 }),
  fc.uint8Array({ maxLength: 80 }),
);

/** Hostile account strings: not an address, an upper-case twin, a module account, another prefix, too long. */
export const hostileAddresses = (actors: readonly string[]): string[] => [
  "",
  "hello-world",
  "module:escrow",
  "module:bonded_pool",
  "module:fee_collector",
  "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu",
  "x".repeat(129),
  actors[0]!.toUpperCase(),
  actors[1]!.slice(0, -1) + (actors[1]!.endsWith("q") ? "p" : "q"), // bad checksum
  actors[2]!.replace("remes1", "Remes1"),
];

export const addressArb = (actors: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...actors) },
    { weight: 1, arbitrary: fc.constantFrom(...hostileAddresses(actors)) },
  );

const scalarArb = (t: ScalarType): fc.Arbitrary<unknown> => {
  switch (t) {
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return u64;
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return i64;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return u32;
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return i32;
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.STRING:
      return str;
    case ScalarType.BYTES:
      return bytesArb;
    default:
      return fc.constant(0);
  }
};

const enumArb = (values: readonly number[]): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...values) },
    { weight: 1, arbitrary: fc.constantFrom(Math.max(...values) + 1, 2 ** 31 - 1, -1) },
  );

const fieldArb = (
  f: DescField,
  actors: readonly string[],
  depth: number,
): fc.Arbitrary<unknown> | undefined => {
  if (f.fieldKind === "scalar" && f.scalar === ScalarType.STRING && ADDRESS_FIELDS.has(f.localName))
    return addressArb(actors);
  switch (f.fieldKind) {
    case "scalar":
      return scalarArb(f.scalar);
    case "enum":
      return enumArb(f.enum.values.map((v) => v.number));
    case "message":
      return depth > 2 ? undefined : messageArb(f.message, actors, depth + 1);
    case "list": {
      const el =
        f.listKind === "scalar"
          ? scalarArb(f.scalar)
          : f.listKind === "enum"
            ? enumArb(f.enum.values.map((v) => v.number))
            : depth > 2
              ? undefined
              : messageArb(f.message, actors, depth + 1);
      return el && fc.array(el, { maxLength: 4 });
    }
    default:
      return undefined;
  }
};

export const messageArb = (
  desc: DescMessage,
  actors: readonly string[],
  depth = 1,
): fc.Arbitrary<Record<string, unknown>> => {
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of desc.fields) {
    if (f.oneof) continue;
    const a = fieldArb(f, actors, depth);
    if (a) shape[f.localName] = a;
  }
  // Oneofs: one case or none.
  for (const o of desc.oneofs) {
    const cases = o.fields.flatMap((f) => {
      const a = fieldArb(f, actors, depth);
      return a ? [a.map((value) => ({ case: f.localName, value }))] : [];
    });
    if (cases.length > 0) shape[o.localName] = fc.oneof(fc.constant({ case: undefined }), ...cases);
  }
  return fc.record(shape, { requiredKeys: [] });
};

/** One arbitrary per command case; the signer (first field) is an actor 7 times in 8. */
export const commandArb = (actors: readonly string[]): fc.Arbitrary<CommandSpec> => {
  const perCase = CommandSchema.fields.flatMap((f) => {
    if (f.message === undefined) return [];
    const signer = f.message.fields[0]!.localName;
    return [
      fc
        .tuple(messageArb(f.message, actors, 1), addressArb(actors))
        .map(([init, who]) => ({ case: f.localName, init: { ...init, [signer]: who } })),
    ];
  });
  return fc.oneof(...perCase);
};

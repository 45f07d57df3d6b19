/**
 * `create()` for the protocol's flat messages, compiled per message type
 * into one object literal: the same object protobuf-es `create(schema,
 * init)` returns (`$typeName`, then every field in declaration order, an
 * omitted field at its proto3 zero value, bytes given as a number array
 * converted), a property test compares them. Events and commands are built
 * millions of times in a simulated day; protobuf-es' create walks a property
 * list per call and adds the fields one by one, and its objects' shape is
 * built up field by field; a literal gives every message of a type one shape
 * from the start.
 *
 * Messages with a nested message, a map, a oneof or a list of bytes or
 * messages, and non-proto3 files, go to protobuf-es' create.
 *
 * A 64-bit integer field (an id, height or window: ids.ts) may be given as
 * a number, which the state keeps: it becomes a bigint here, exactly (a
 * number that is not an integer throws, never rounds), at every depth.
 */
import { create, type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";

type Init = Record<string, unknown> | null | undefined;
type Factory = (init: Init) => object;

const EDITION_PROTO3 = 999;
const factories = new WeakMap<DescMessage, Factory>();

const toU8Arr = (v: unknown): unknown => (Array.isArray(v) ? new Uint8Array(v) : v);

const WIDE = new Set<ScalarType>([ScalarType.UINT64, ScalarType.INT64]);
const isWide = (f: DescField): boolean =>
  (f.fieldKind === "scalar" || (f.fieldKind === "list" && f.listKind === "scalar")) &&
  WIDE.has(f.scalar!);

/** A 64-bit value given as a number, as a bigint (a non-integer throws). */
const big = (v: unknown): unknown => (typeof v === "number" ? BigInt(v) : v);
const bigList = (v: unknown): unknown =>
  Array.isArray(v) && v.some((x) => typeof x === "number") ? v.map(big) : v;

/** The init with every 64-bit number in it (nested messages and oneofs included) a bigint. */
const widen = (desc: DescMessage, init: Init): Init => {
  if (init == null || (init as { $typeName?: string }).$typeName === desc.typeName) return init;
  const out: Record<string, unknown> = { ...init };
  for (const f of desc.fields) {
    const key = f.oneof ? f.oneof.localName : f.localName;
    const v = out[key];
    if (v == null) continue;
    if (f.oneof) {
      const o = v as { case?: string; value?: unknown };
      if (o.case !== f.localName) continue;
      if (isWide(f)) out[key] = { case: o.case, value: big(o.value) };
      else if (f.fieldKind === "message")
        out[key] = { case: o.case, value: widen(f.message, o.value as Init) };
    } else if (isWide(f)) out[key] = f.fieldKind === "list" ? bigList(v) : big(v);
    else if (f.fieldKind === "message") out[key] = widen(f.message, v as Init);
    else if (f.fieldKind === "list" && f.listKind === "message")
      out[key] = (v as Init[]).map((x) => widen(f.message, x));
  }
  return out;
};

const isFlat = (desc: DescMessage): boolean =>
  desc.file.edition === EDITION_PROTO3 &&
  desc.members.every(
    (m) =>
      m.kind === "field" &&
      (m.fieldKind === "scalar" ||
        m.fieldKind === "enum" ||
        (m.fieldKind === "list" && m.listKind !== "message" && m.scalar !== ScalarType.BYTES)),
  );

const compile = (desc: DescMessage): Factory => {
  if (!isFlat(desc)) return (init) => create(desc, widen(desc, init) as never);
  // The zero message gives each field's zero value (the very constants create() uses).
  const zero = create(desc) as unknown as Record<string, unknown>;
  const fields = desc.fields.map((f) => {
    const key = JSON.stringify(f.localName);
    const value = `i[${key}]`;
    if (f.fieldKind === "list")
      return `${key}: ${value} != null ? ${isWide(f) ? `bigList(${value})` : value} : []`;
    const given =
      f.fieldKind === "scalar" && f.scalar === ScalarType.BYTES
        ? `toU8Arr(${value})`
        : isWide(f)
          ? `(typeof ${value} === "number" ? BigInt(${value}) : ${value})`
          : value;
    return `${key}: ${value} != null ? ${given} : Z[${key}]`;
  });
  const body = `return function (i) {
    if (i == null) i = {};
    else if (i.$typeName === T) return i;
    return { $typeName: T, ${fields.join(", ")} };
  };`;
  return new Function("T", "Z", "toU8Arr", "bigList", body)(
    desc.typeName,
    zero,
    toU8Arr,
    bigList,
  ) as Factory;
};

/** `create(desc, init)` of protobuf-es, faster for flat proto3 messages. */
export const createMessage = <T>(desc: DescMessage, init: Init): T => {
  let f = factories.get(desc);
  if (f === undefined) factories.set(desc, (f = compile(desc)));
  return f(init) as T;
};

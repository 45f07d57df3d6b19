/**
 * Integer ranges on the wire. protobuf-es reads a uint32 (or int32, enum,
 * bool) field from a varint of up to 10 bytes and keeps the low 32 bits, so
 * 2^32 + 100 decodes as 100: a command signed with one value would be
 * decided on another. `rangeProblem` walks the bytes by the message's
 * descriptor before decoding and names the first integer field whose varint
 * is out of its type's range (or over 64 bits), so the decoder refuses
 * instead of truncating. Everything else (truncation, wire types, unknown
 * fields) is left to the decoder and codec.ts's strictness check.
 */
import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";

const U32 = 2 ** 32;
const I32_NEG_MIN = 2n ** 64n - 2n ** 31n;

/** The largest value each varint-encoded scalar type accepts (negative int32 as its 64-bit two's complement). */
const inRange = (type: ScalarType | "enum", v: bigint | number): boolean => {
  switch (type) {
    case ScalarType.UINT32:
    case ScalarType.SINT32:
      return v < U32;
    case ScalarType.INT32:
    case "enum":
      return v < 2 ** 31 || (typeof v === "bigint" && v >= I32_NEG_MIN);
    case ScalarType.BOOL:
      return v === 0 || v === 1;
    default:
      return true; // 64-bit types: any value that fits 64 bits (checked by the reader)
  }
};

class Reader {
  pos: number;
  constructor(
    readonly b: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }
  /** The next varint: a number below 2^28, else a bigint; undefined when truncated or over 64 bits. */
  varint(): number | bigint | undefined {
    let n = 0;
    for (let i = 0; i < 4; i++) {
      if (this.pos >= this.end) return undefined;
      const byte = this.b[this.pos++]!;
      n |= (byte & 0x7f) << (7 * i);
      if (byte < 0x80) return n >>> 0;
    }
    let v = BigInt(n >>> 0);
    for (let i = 4; i < 10; i++) {
      if (this.pos >= this.end) return undefined;
      const byte = this.b[this.pos++]!;
      v |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if (byte < 0x80) return i === 9 && byte > 1 ? undefined : v;
    }
    return undefined;
  }
}

const byNumber = new WeakMap<DescMessage, Map<number, DescField>>();
const fieldsOf = (desc: DescMessage): Map<number, DescField> => {
  let m = byNumber.get(desc);
  if (!m) byNumber.set(desc, (m = new Map(desc.fields.map((f) => [f.number, f]))));
  return m;
};

const VARINT_SCALARS = new Set<ScalarType>([
  ScalarType.INT32,
  ScalarType.UINT32,
  ScalarType.SINT32,
  ScalarType.BOOL,
  ScalarType.INT64,
  ScalarType.UINT64,
  ScalarType.SINT64,
]);

/** The field's type when it is varint-encoded (an integer, bool or enum, single or repeated), else undefined. */
const varintType = (f: DescField): ScalarType | "enum" | undefined => {
  if (f.fieldKind === "enum" || (f.fieldKind === "list" && f.listKind === "enum")) return "enum";
  const scalar =
    f.fieldKind === "scalar" || (f.fieldKind === "list" && f.listKind === "scalar")
      ? f.scalar
      : undefined;
  return scalar !== undefined && VARINT_SCALARS.has(scalar) ? scalar : undefined;
};

/** A field's path for a message: built only when it is reported or descended into. */
const nameOf = (path: string, f: DescField): string =>
  path ? `${path}.${f.localName}` : f.localName;

const walk = (
  desc: DescMessage,
  b: Uint8Array,
  start: number,
  end: number,
  path: string,
  depth: number,
): string | undefined => {
  if (depth > 32) return undefined;
  const r = new Reader(b, start, end);
  const fields = fieldsOf(desc);
  while (r.pos < end) {
    const tag = r.varint();
    if (tag === undefined) return undefined;
    // A number tag is below 2^28 (Reader.varint): shifts without a BigInt per field.
    const no = typeof tag === "number" ? tag >>> 3 : Number(tag >> 3n);
    const wire = typeof tag === "number" ? tag & 7 : Number(tag & 7n);
    const f = fields.get(no);
    switch (wire) {
      case 0: {
        const v = r.varint();
        if (v === undefined)
          return f ? `${nameOf(path, f)} is not a varint of at most 64 bits` : undefined;
        const t = f && varintType(f);
        if (t !== undefined && !inRange(t, v))
          return `${nameOf(path, f!)} is ${v}, out of range for its type`;
        break;
      }
      case 1:
        r.pos += 8;
        break;
      case 5:
        r.pos += 4;
        break;
      case 2: {
        const len = r.varint();
        if (len === undefined || typeof len === "bigint" || r.pos + len > end) return undefined;
        const from = r.pos;
        r.pos += len;
        if (!f) break;
        const sub =
          f.fieldKind === "message"
            ? f.message
            : f.fieldKind === "list" && f.listKind === "message"
              ? f.message
              : undefined;
        if (sub) {
          const bad = walk(sub, b, from, from + len, nameOf(path, f), depth + 1);
          if (bad) return bad;
          break;
        }
        const t = f.fieldKind === "list" ? varintType(f) : undefined;
        if (t !== undefined) {
          // A packed repeated integer field: each element in range.
          const p = new Reader(b, from, from + len);
          for (let i = 0; p.pos < from + len; i++) {
            const v = p.varint();
            if (v === undefined)
              return `${nameOf(path, f)}[${i}] is not a varint of at most 64 bits`;
            if (!inRange(t, v))
              return `${nameOf(path, f)}[${i}] is ${v}, out of range for its type`;
          }
        }
        break;
      }
      default:
        return undefined; // groups and invalid wire types: the decoder refuses them
    }
  }
  return undefined;
};

/** The first integer field of `bytes` (a `desc` message) out of its type's range, or undefined. */
export const rangeProblem = (desc: DescMessage, bytes: Uint8Array): string | undefined =>
  walk(desc, bytes, 0, bytes.length, "", 0);

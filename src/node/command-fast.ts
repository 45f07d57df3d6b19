/**
 * The commands a miner floods the chain with — MsgCommitGradient and
 * MsgSubmitGradient (its reveal) — read straight from the Any's value bytes.
 *
 * Why: tx.ts's `toCommand` wraps each message as its field of the Command
 * oneof (a copy), then `decodeCommand` walks the bytes for ranges, decodes
 * them with protobuf-es `fromBinary` (reflective) and walks the result for
 * strictness, and the small bytes fields are copied again. A CPU profile of
 * `npm run bench:app` (waves of 1,500) showed that at ~5 µs of the app's
 * ~130 µs per tx, and a heap profile ~3 KB allocated per tx in it.
 *
 * This must agree with `decodeCommand` as toCommand uses it: for bytes in
 * the simple shape — each field at most once, in field-number order, with
 * its own wire type, one-byte tags, minimal varints, integers in their
 * type's range (uint64s below 2^53 here), ASCII strings of at most 4,096
 * bytes, bytes fields of at most 64 bytes — it returns the `{ case, value }`
 * toCommand returns: a message made by protobuf-es `create` (same
 * $typeName, same proto3 defaults for absent fields), small bytes as fresh
 * on-heap copies. For anything else it returns undefined and toCommand
 * takes its existing path, so every verdict and error message stays what
 * it was. A property test (test/node/command-fast.test.ts) compares the two
 * on random, mutated and garbage bytes.
 */
import { create, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { MsgCommitGradientSchema, MsgSubmitGradientSchema } from "../gen/remes/v1/tx_pb.ts";
import type { ProtocolCommand } from "../protocol/commands.ts";

export const COMMIT_GRADIENT_TYPE_URL = `/${MsgCommitGradientSchema.typeName}`;
export const SUBMIT_GRADIENT_TYPE_URL = `/${MsgSubmitGradientSchema.typeName}`;

/** How a field is read; its wire type follows. */
const enum Kind {
  String,
  Bytes,
  Uint64,
  Uint32,
  Enum,
}
const WIRE: Record<Kind, number> = {
  [Kind.String]: 2,
  [Kind.Bytes]: 2,
  [Kind.Uint64]: 0,
  [Kind.Uint32]: 0,
  [Kind.Enum]: 0,
};

interface Shape {
  readonly schema: DescMessage;
  readonly case: ProtocolCommand["case"];
  /** By field number (index 0 unused): the field's local name and kind. */
  readonly fields: readonly ({ readonly name: string; readonly kind: Kind } | undefined)[];
}

/** Each field's kind from its descriptor, checked against what this reader reads (a proto change fails at load). */
const shapeOf = (schema: DescMessage, kase: ProtocolCommand["case"]): Shape => {
  const fields: ({ name: string; kind: Kind } | undefined)[] = [undefined];
  for (const f of schema.fields) {
    if (f.number > 15 || f.number !== fields.length)
      throw new Error(`command-fast: ${schema.typeName} field ${f.number} out of the fast shape`);
    let kind: Kind;
    if (f.fieldKind === "enum") kind = Kind.Enum;
    else if (f.fieldKind !== "scalar")
      throw new Error(`command-fast: ${schema.typeName}.${f.name} is not a scalar`);
    else if (f.scalar === ScalarType.STRING) kind = Kind.String;
    else if (f.scalar === ScalarType.BYTES) kind = Kind.Bytes;
    else if (f.scalar === ScalarType.UINT64) kind = Kind.Uint64;
    else if (f.scalar === ScalarType.UINT32) kind = Kind.Uint32;
    else throw new Error(`command-fast: ${schema.typeName}.${f.name} has an unread scalar type`);
    if (f.fieldKind === "scalar" && f.longAsString)
      throw new Error(`command-fast: ${schema.typeName}.${f.name} is a string-typed int64`);
    fields.push({ name: f.localName, kind });
  }
  return { schema, case: kase, fields };
};

const COMMIT = shapeOf(MsgCommitGradientSchema, "commitGradient");
const SUBMIT = shapeOf(MsgSubmitGradientSchema, "submitGradient");

const MAX_STRING = 4096;
const MAX_BYTES = 64;
const U32 = 2 ** 32;
const I32 = 2 ** 31;
/** Out of the fast shape: the caller takes toCommand's existing path. */
const OUT = -1;

const EMPTY = new Uint8Array(0);
// The cursor: module state, as nothing here re-enters.
let b: Uint8Array = EMPTY;
let pos = 0;
let end = 0;

/** A minimal varint of at most 8 bytes whose value is a safe integer, or OUT. */
const varint = (): number => {
  let x = 0;
  let scale = 1;
  for (let i = 0; i < 8; i++) {
    if (pos >= end) return OUT;
    const byte = b[pos++]!;
    x += (byte & 0x7f) * scale;
    if (byte < 0x80) return (i > 0 && byte === 0) || x > Number.MAX_SAFE_INTEGER ? OUT : x;
    scale *= 128;
  }
  return OUT;
};

/** Whether the `n` bytes at `pos` spell `s` (an ASCII string). */
const spells = (s: string, n: number): boolean => {
  if (s.length !== n) return false;
  for (let i = 0; i < n; i++) if (b[pos + i] !== s.charCodeAt(i)) return false;
  return true;
};

/** A length-delimited ASCII string (at most MAX_STRING bytes), `hint` itself when its bytes spell it; undefined otherwise. */
const asciiString = (hint: string | undefined): string | undefined => {
  const n = varint();
  if (n === OUT || n > MAX_STRING || end - pos < n) return undefined;
  for (let i = pos; i < pos + n; i++) if (b[i]! >= 0x80) return undefined;
  let s: string;
  if (hint !== undefined && spells(hint, n)) s = hint;
  else if (n === 0) s = "";
  else s = String.fromCharCode.apply(null, b.subarray(pos, pos + n) as unknown as number[]);
  pos += n;
  return s;
};

/** Length-delimited bytes (at most MAX_BYTES) as a fresh on-heap copy, or undefined. */
const smallBytes = (): Uint8Array | undefined => {
  const n = varint();
  if (n === OUT || n > MAX_BYTES || end - pos < n) return undefined;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = b[pos + i]!;
  pos += n;
  return out;
};

const read = (shape: Shape, signer: string | undefined): ProtocolCommand | undefined => {
  const m = create(shape.schema) as unknown as Record<string, unknown>;
  let last = 0;
  while (pos < end) {
    const tag = b[pos++]!;
    const no = tag >>> 3;
    const f = tag < 0x80 && no > last ? shape.fields[no] : undefined;
    if (f === undefined || (tag & 7) !== WIRE[f.kind]) return undefined;
    last = no;
    let v: unknown;
    switch (f.kind) {
      case Kind.String:
        v = asciiString(no === 1 ? signer : undefined);
        break;
      case Kind.Bytes:
        v = smallBytes();
        break;
      case Kind.Uint64: {
        const x = varint();
        v = x === OUT ? undefined : BigInt(x);
        break;
      }
      case Kind.Uint32: {
        const x = varint();
        v = x === OUT || x >= U32 ? undefined : x;
        break;
      }
      case Kind.Enum: {
        const x = varint();
        v = x === OUT || x >= I32 ? undefined : x;
        break;
      }
    }
    if (v === undefined) return undefined;
    m[f.name] = v;
  }
  return { case: shape.case, value: m } as unknown as ProtocolCommand;
};

/**
 * The command in `value` when its type URL is a gradient commitment or
 * submission and its bytes are in the simple shape (see above), else
 * undefined. `signer`: the tx's signer, whose string is reused for the
 * first field when the bytes spell it (decodeTx compares the two next).
 */
export const fastCommand = (
  typeUrl: string,
  value: Uint8Array,
  signer?: string,
): ProtocolCommand | undefined => {
  const shape =
    typeUrl === COMMIT_GRADIENT_TYPE_URL
      ? COMMIT
      : typeUrl === SUBMIT_GRADIENT_TYPE_URL
        ? SUBMIT
        : undefined;
  if (shape === undefined) return undefined;
  b = value;
  pos = 0;
  end = value.length;
  const cmd = read(shape, signer);
  b = EMPTY;
  return cmd;
};

/**
 * Protobuf wire-level mutations for the tx fuzzer: a message's top-level
 * fields parsed as (tag, value) records, then dropped, duplicated, swapped,
 * re-encoded with stretched (non-minimal) varints, given a lying length,
 * repeated, or joined by unknown fields; plus raw byte edits and
 * truncation. And `unknownFields`: which field numbers of a message tree are
 * not in its schema (the check for "unknown fields").
 */
import { concat } from "../node/framing.ts";

export interface WireField {
  readonly no: number;
  readonly wire: number;
  /** The value's bytes: the varint, the fixed bytes, or a LEN field's content. */
  readonly value: Uint8Array;
}

const readVarint = (b: Uint8Array, at: number): [bigint, number] | undefined => {
  let v = 0n;
  for (let i = 0; i < 10; i++) {
    if (at + i >= b.length) return undefined;
    const x = b[at + i]!;
    v |= BigInt(x & 0x7f) << BigInt(7 * i);
    if ((x & 0x80) === 0) return [v, at + i + 1];
  }
  return undefined;
};

/** Varint bytes, `stretch` redundant continuation bytes added (a non-minimal encoding of the same number). */
export const varint = (n: bigint, stretch = 0): Uint8Array => {
  const out: number[] = [];
  let v = BigInt.asUintN(64, n);
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  for (let i = 0; i < stretch && out.length < 10; i++) {
    out[out.length - 1]! |= 0x80;
    out.push(0);
  }
  return Uint8Array.from(out);
};

/** The top-level fields, or undefined when the bytes are not a well-formed message. */
export const parseFields = (b: Uint8Array): WireField[] | undefined => {
  const out: WireField[] = [];
  let at = 0;
  while (at < b.length) {
    const tag = readVarint(b, at);
    if (!tag) return undefined;
    const no = Number(tag[0] >> 3n);
    const wire = Number(tag[0] & 7n);
    at = tag[1];
    let end: number;
    let start = at;
    if (wire === 0) {
      const v = readVarint(b, at);
      if (!v) return undefined;
      end = v[1];
    } else if (wire === 1) end = at + 8;
    else if (wire === 5) end = at + 4;
    else if (wire === 2) {
      const len = readVarint(b, at);
      if (!len) return undefined;
      start = len[1];
      end = start + Number(len[0]);
    } else return undefined;
    if (end > b.length || no === 0) return undefined;
    out.push({ no, wire, value: b.slice(start, end) });
    at = end;
  }
  return out;
};

export interface EncodeOpts {
  readonly tagStretch?: number;
  readonly lenStretch?: number;
  /** Added to a LEN field's true length. */
  readonly lenDelta?: number;
}

export const encodeField = (f: WireField, o: EncodeOpts = {}): Uint8Array => {
  const tag = varint(BigInt(f.no) * 8n + BigInt(f.wire), o.tagStretch ?? 0);
  if (f.wire !== 2) return concat([tag, f.value]);
  return concat([
    tag,
    varint(BigInt(Math.max(0, f.value.length + (o.lenDelta ?? 0))), o.lenStretch ?? 0),
    f.value,
  ]);
};

export const encodeFields = (fs: readonly WireField[]): Uint8Array =>
  concat(fs.map((f) => encodeField(f)));

export type Mutation =
  | { readonly op: "drop"; readonly i: number }
  | { readonly op: "dup"; readonly i: number }
  | { readonly op: "swap"; readonly i: number; readonly j: number }
  | { readonly op: "stretch"; readonly i: number; readonly tag: number; readonly len: number }
  | { readonly op: "lie"; readonly i: number; readonly delta: number }
  | { readonly op: "repeat"; readonly i: number; readonly times: number }
  | {
      readonly op: "unknown";
      readonly no: number;
      readonly wire: 0 | 2;
      readonly value: Uint8Array;
      readonly at: number;
    }
  | { readonly op: "byte"; readonly at: number; readonly value: number }
  | { readonly op: "truncate"; readonly keep: number };

/** One mutation of a message's bytes (indices wrap around; a message that does not parse gets only byte edits). */
export const mutate = (bytes: Uint8Array, m: Mutation): Uint8Array => {
  if (m.op === "byte") {
    if (bytes.length === 0) return bytes;
    const b = bytes.slice();
    b[m.at % b.length] = m.value;
    return b;
  }
  if (m.op === "truncate") return bytes.slice(0, bytes.length === 0 ? 0 : m.keep % bytes.length);
  const fs = parseFields(bytes);
  if (!fs) return bytes;
  if (m.op === "unknown") {
    const f: WireField = {
      no: m.no,
      wire: m.wire,
      value: m.wire === 0 ? varint(BigInt(m.value.length)) : m.value,
    };
    const at = fs.length === 0 ? 0 : m.at % (fs.length + 1);
    return encodeFields([...fs.slice(0, at), f, ...fs.slice(at)]);
  }
  if (fs.length === 0) return bytes;
  const i = m.i % fs.length;
  switch (m.op) {
    case "drop":
      return encodeFields(fs.filter((_, k) => k !== i));
    case "dup":
      return encodeFields([...fs.slice(0, i + 1), fs[i]!, ...fs.slice(i + 1)]);
    case "swap": {
      const j = m.j % fs.length;
      const out = fs.slice();
      [out[i], out[j]] = [out[j]!, out[i]!];
      return encodeFields(out);
    }
    case "repeat":
      return encodeFields([...fs, ...Array.from({ length: m.times }, () => fs[i]!)]);
    case "stretch":
      return concat(
        fs.map((f, k) => encodeField(f, k === i ? { tagStretch: m.tag, lenStretch: m.len } : {})),
      );
    case "lie":
      return concat(fs.map((f, k) => encodeField(f, k === i ? { lenDelta: m.delta } : {})));
  }
};

/** A message schema for the unknown-field check: field number → the schema of a nested message (or null for a scalar). */
export interface WireSchema {
  readonly [no: number]: WireSchema | null;
}

/** Field numbers (as "path.no") the schema does not know, at any depth it describes; bytes that do not parse count as "malformed". */
export const unknownFields = (bytes: Uint8Array, schema: WireSchema, path = ""): string[] => {
  const fs = parseFields(bytes);
  if (!fs) return [`${path || "."}malformed`];
  const out: string[] = [];
  for (const f of fs) {
    if (!(f.no in schema)) out.push(`${path}${f.no}`);
    else {
      const nested = schema[f.no];
      if (nested && f.wire === 2) out.push(...unknownFields(f.value, nested, `${path}${f.no}.`));
    }
  }
  return out;
};

const ANY: WireSchema = { 1: null, 2: null };
const COIN: WireSchema = { 1: null, 2: null };
/** cosmos.tx.v1beta1 TxBody (Any values not descended: a message's own decoder is strict). */
export const TX_BODY: WireSchema = {
  1: { 1: null, 2: null },
  2: null,
  3: null,
  4: null,
  5: null,
  1023: ANY,
  2047: ANY,
};
export const AUTH_INFO: WireSchema = {
  1: { 1: ANY, 2: { 1: { 1: null }, 2: null }, 3: null },
  2: { 1: COIN, 2: null, 3: null, 4: null },
  3: { 1: COIN, 2: null },
};

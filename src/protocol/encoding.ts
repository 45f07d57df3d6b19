/**
 * A fast protobuf encoder for the protocol's messages, byte-identical to
 * protobuf-es `toBinary` (a property test checks every command and event).
 *
 * Why not `toBinary` itself: it allocates a BinaryWriter (with fork/join
 * chunks for nested messages) per call, which caps it near 300-400k small
 * events/s — the app hash encodes every event of every block, so that was the
 * hot path's limit. Here one growable buffer is reused across calls, the
 * field plan of each message is compiled once from its descriptor, and a
 * nested message or string reserves one length byte and shifts the bytes in
 * the rare case its length needs more.
 *
 * Scope: the field kinds proto/remes/v1 uses — proto3 implicit presence,
 * scalars (32/64-bit varint ints, bool, string, bytes), enums, singular and
 * repeated messages, packed repeated scalars, oneofs. Anything else (maps,
 * fixed/zigzag ints, floats, explicit presence) fails at compile time, so a
 * new kind of field can not be encoded wrongly in silence.
 */
import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";

type AnyMessage = Record<string, unknown>;
type FieldWriter = (w: Writer, m: AnyMessage) => void;

/** Wire types (the tag's low three bits). */
export const LEN = 2;
export const VARINT = 0;

export class Writer {
  buf = new Uint8Array(1 << 16);
  pos = 0;

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /** Unsigned varint of a non-negative safe integer (or a negative int32, as 10 bytes). */
  uint(v: number): void {
    if (v < 0) return this.big(BigInt.asUintN(64, BigInt(v)));
    this.ensure(10);
    const b = this.buf;
    let p = this.pos;
    while (v > 0x7f) {
      b[p++] = (v & 0x7f) | 0x80;
      v = (v - (v & 0x7f)) / 128;
    }
    b[p++] = v;
    this.pos = p;
  }

  big(v: bigint): void {
    if (v <= 0xffffffffn) return this.uint(Number(v));
    this.ensure(10);
    while (v > 0x7fn) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  tag(no: number, wire: number): void {
    this.uint(no * 8 + wire);
  }

  /**
   * Starts a length-prefixed region: reserves one length byte and returns
   * where; `end(at)` writes the length once the body is written. (A pair of
   * calls rather than a callback: a closure per nested message was a third
   * of the simulator's allocations.)
   */
  begin(): number {
    this.ensure(1);
    return this.pos++;
  }

  end(at: number): void {
    const len = this.pos - at - 1;
    if (len < 0x80) {
      this.buf[at] = len;
      return;
    }
    // The length needs more than one byte: shift the body right.
    let size = 1;
    for (let l = len; l > 0x7f; l = (l - (l & 0x7f)) / 128) size++;
    this.ensure(size - 1);
    this.buf.copyWithin(at + size, at + 1, this.pos);
    this.pos = at;
    this.uint(len);
    this.pos += len;
  }

  bytes(v: Uint8Array): void {
    this.uint(v.length);
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  string(v: string): void {
    let ascii = true;
    for (let i = 0; i < v.length; i++) {
      if (v.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (!ascii) return this.bytes(utf8.encode(v));
    this.uint(v.length);
    this.ensure(v.length);
    const b = this.buf;
    for (let i = 0; i < v.length; i++) b[this.pos + i] = v.charCodeAt(i);
    this.pos += v.length;
  }
}

const utf8 = new TextEncoder();
const plans = new WeakMap<DescMessage, FieldWriter[]>();

const unsupported = (f: DescField): never => {
  throw new Error(
    `encoding.ts does not encode ${f.toString()}; extend it (and its equivalence test)`,
  );
};

/** Writer of one value (no tag) and whether it is the proto3 zero value. */
const scalarOps = (
  f: DescField,
  t: ScalarType,
): { write: (w: Writer, v: unknown) => void; zero: (v: unknown) => boolean; packable: boolean } => {
  switch (t) {
    case ScalarType.UINT32:
    case ScalarType.INT32:
      return { write: (w, v) => w.uint(v as number), zero: (v) => v === 0, packable: true };
    case ScalarType.UINT64:
    case ScalarType.INT64:
      // Ids and amounts below 2^32 (nearly all) take the number path.
      return {
        write: (w, v) =>
          typeof v === "bigint" && v >= 0n && v <= 0xffffffffn
            ? w.uint(Number(v))
            : w.big(BigInt.asUintN(64, BigInt(v as bigint))),
        zero: (v) => v === 0n || v === 0,
        packable: true,
      };
    case ScalarType.BOOL:
      return { write: (w, v) => w.uint(v ? 1 : 0), zero: (v) => v === false, packable: true };
    case ScalarType.STRING:
      return { write: (w, v) => w.string(v as string), zero: (v) => v === "", packable: false };
    case ScalarType.BYTES:
      return {
        write: (w, v) => w.bytes(v as Uint8Array),
        zero: (v) => (v as Uint8Array).length === 0,
        packable: false,
      };
    default:
      return unsupported(f);
  }
};

const compileField = (f: DescField): FieldWriter => {
  const name = f.localName;
  const no = f.number;
  const read: (m: AnyMessage) => unknown = f.oneof
    ? ((oneof) => (m: AnyMessage) => {
        const o = m[oneof] as { case?: string; value?: unknown };
        return o.case === name ? o.value : undefined;
      })(f.oneof.localName)
    : (m) => m[name];
  switch (f.fieldKind) {
    case "message": {
      const desc = f.message;
      return (w, m) => {
        const v = read(m);
        if (v === undefined) return;
        w.tag(no, LEN);
        const at = w.begin();
        writeMessage(w, desc, v as AnyMessage);
        w.end(at);
      };
    }
    case "enum":
      return (w, m) => {
        const v = read(m);
        if (v === undefined || (v === 0 && !f.oneof)) return;
        w.tag(no, VARINT);
        w.uint(v as number);
      };
    case "scalar": {
      const op = scalarOps(f, f.scalar);
      const wire = op.packable ? VARINT : LEN;
      return (w, m) => {
        const v = read(m);
        if (v === undefined || (!f.oneof && op.zero(v))) return;
        w.tag(no, wire);
        op.write(w, v);
      };
    }
    case "list": {
      if (f.listKind === "message") {
        const desc = f.message;
        return (w, m) => {
          for (const v of m[name] as AnyMessage[]) {
            w.tag(no, LEN);
            const at = w.begin();
            writeMessage(w, desc, v);
            w.end(at);
          }
        };
      }
      const op = f.listKind === "enum" ? scalarOps(f, ScalarType.INT32) : scalarOps(f, f.scalar);
      if (!op.packable || !f.packed) {
        if (op.packable) return unsupported(f);
        return (w, m) => {
          for (const v of m[name] as unknown[]) {
            w.tag(no, LEN);
            op.write(w, v);
          }
        };
      }
      return (w, m) => {
        const list = m[name] as unknown[];
        if (list.length === 0) return;
        w.tag(no, LEN);
        const at = w.begin();
        for (let k = 0; k < list.length; k++) op.write(w, list[k]);
        w.end(at);
      };
    }
    default:
      return unsupported(f);
  }
};

const planOf = (desc: DescMessage): FieldWriter[] => {
  let plan = plans.get(desc);
  if (plan === undefined) {
    plan = [];
    plans.set(desc, plan); // before compiling fields: recursive types resolve here
    const fields = [...desc.fields].sort((a, b) => a.number - b.number);
    for (const f of fields)
      if (f.presence !== 2 && !f.oneof && f.fieldKind !== "message" && f.fieldKind !== "list")
        unsupported(f);
    const oneof = fields[0]?.oneof;
    if (oneof !== undefined && fields.every((f) => f.oneof === oneof)) {
      // A message that is one oneof (Event, Command): write the set case's
      // field only, rather than asking each of the ~40 cases whether it is set.
      const byCase = new Map(fields.map((f) => [f.localName, compileField(f)] as const));
      const name = oneof.localName;
      plan.push((w, m) => byCase.get((m[name] as { case?: string }).case ?? "")?.(w, m));
    } else {
      for (const f of fields) plan.push(compileField(f));
    }
  }
  return plan;
};

const writeMessage = (w: Writer, desc: DescMessage, m: AnyMessage): void => {
  const plan = planOf(desc);
  for (let i = 0; i < plan.length; i++) plan[i]!(w, m);
  // Unknown fields are written back as toBinary does (strict decoding rejects them).
  const unknown = m.$unknown as { no: number; wireType: number; data: Uint8Array }[] | undefined;
  if (unknown) {
    for (const u of unknown) {
      w.tag(u.no, u.wireType);
      w.ensure(u.data.length);
      w.buf.set(u.data, w.pos);
      w.pos += u.data.length;
    }
  }
};

const shared = new Writer();

/**
 * Appends `varint(length) ‖ encoding` of a message to `w` (a length-delimited
 * record, as apphash.ts `blockEventsHash` frames each event), with no copy
 * of the bytes but the rare shift of a body whose length needs more than
 * one varint byte.
 */
export const writeDelimited = (w: Writer, desc: DescMessage, message: object): void => {
  const at = w.begin();
  writeMessage(w, desc, message as AnyMessage);
  w.end(at);
};

/**
 * Encodes a message; the returned bytes are a view into a shared buffer,
 * valid until the next call — copy them to keep them.
 */
export const encodeView = (desc: DescMessage, message: object): Uint8Array => {
  shared.pos = 0;
  writeMessage(shared, desc, message as AnyMessage);
  return shared.buf.subarray(0, shared.pos);
};

/** Encodes a message into fresh bytes. */
export const encode = (desc: DescMessage, message: object): Uint8Array =>
  encodeView(desc, message).slice();

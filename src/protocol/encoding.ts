/**
 * A fast protobuf encoder for the protocol's messages, byte-identical to
 * protobuf-es `toBinary` (a property test checks every command and event).
 *
 * Why not `toBinary` itself: it allocates a BinaryWriter (with fork/join
 * chunks for nested messages) per call, which caps it near 300-400k small
 * events/s — the app hash encodes every event of every block, so that was the
 * hot path's limit. Here one growable buffer is reused across calls, each
 * message type's writer is compiled once from its descriptor into
 * straight-line code (`new Function`, as create.ts does for constructors),
 * and a nested message or string reserves one length byte and shifts the
 * bytes in the rare case its length needs more.
 *
 * Scope: the field kinds proto/remes/v1 uses — proto3 implicit presence,
 * scalars (32/64-bit varint ints, bool, string, bytes), enums, singular and
 * repeated messages, packed repeated scalars, oneofs. Anything else (maps,
 * fixed/zigzag ints, floats, explicit presence) fails at compile time, so a
 * new kind of field can not be encoded wrongly in silence.
 */
import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";

type AnyMessage = Record<string, unknown>;

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
    if (v <= 0x1fffffffffffffn) return this.uint(Number(v));
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
    const n = v.length;
    this.uint(n);
    this.ensure(n);
    const b = this.buf;
    const p = this.pos;
    // A loop for the usual hashes and salts (a `set` call costs more than copying so few bytes).
    if (n <= 64) for (let i = 0; i < n; i++) b[p + i] = v[i]!;
    else b.set(v, p);
    this.pos = p + n;
  }

  string(v: string): void {
    const n = v.length;
    if (n >= 0x80) return this.#stringSlow(v);
    // One pass for the usual short ASCII string (length < 128: one length byte, as many bytes as characters).
    this.ensure(n + 1);
    const b = this.buf;
    const start = this.pos;
    b[start] = n;
    for (let i = 0; i < n; i++) {
      const c = v.charCodeAt(i);
      if (c > 0x7f) return this.#stringSlow(v);
      b[start + 1 + i] = c;
    }
    this.pos = start + 1 + n;
  }

  #stringSlow(v: string): void {
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

const unsupported = (f: DescField): never => {
  throw new Error(
    `encoding.ts does not encode ${f.toString()}; extend it (and its equivalence test)`,
  );
};

/** A 64-bit integer field's value: ids and amounts that are safe integers (nearly all) take the number path. */
const u64 = (w: Writer, v: unknown): void =>
  typeof v === "bigint" && v >= 0n && v <= 0x1fffffffffffffn
    ? w.uint(Number(v))
    : w.big(BigInt.asUintN(64, BigInt(v as bigint)));

/**
 * The statements writing one value `v` of a scalar type (no tag), the test
 * that it is the proto3 zero value (`v` bound), and whether it packs.
 */
const scalarCode = (
  f: DescField,
  t: ScalarType,
): { write: string; zero: string; packable: boolean } => {
  switch (t) {
    case ScalarType.UINT32:
    case ScalarType.INT32:
      return { write: "w.uint(v);", zero: "v === 0", packable: true };
    case ScalarType.UINT64:
    case ScalarType.INT64:
      return { write: "u64(w, v);", zero: "v === 0n || v === 0", packable: true };
    case ScalarType.BOOL:
      return { write: "w.uint(v ? 1 : 0);", zero: "v === false", packable: true };
    case ScalarType.STRING:
      return { write: "w.string(v);", zero: 'v === ""', packable: false };
    case ScalarType.BYTES:
      return { write: "w.bytes(v);", zero: "v.length === 0", packable: false };
    default:
      return unsupported(f);
  }
};

type MessageWriter = (w: Writer, m: AnyMessage) => void;
const writers = new WeakMap<DescMessage, MessageWriter>();

/**
 * The writer of a message type, compiled once from its descriptor into
 * straight-line code (a field plan of one closure per field, each reading
 * its field through another, was most of the encoder's time): fields in
 * number order, proto3 zero values skipped (but a oneof's set case always
 * written), nested messages length-delimited in place.
 */
const writerOf = (desc: DescMessage): MessageWriter => {
  let writer = writers.get(desc);
  if (writer !== undefined) return writer;
  const subs: MessageWriter[] = [];
  /** A call of a nested message's writer, bound on first use (types may be recursive). */
  const sub = (d: DescMessage): string => {
    const i = subs.length;
    subs.push((w, m) => (subs[i] = writerOf(d))(w, m));
    return `S[${i}]`;
  };
  const fields = [...desc.fields].sort((a, b) => a.number - b.number);
  for (const f of fields)
    if (f.presence !== 2 && !f.oneof && f.fieldKind !== "message" && f.fieldKind !== "list")
      unsupported(f);
  /** Statements writing the value `v` of field f with its tag; `always`: no zero-value skip (a oneof's set case). */
  const valueCode = (f: DescField, always: boolean): string => {
    const no = f.number;
    switch (f.fieldKind) {
      case "message":
        return `if (v !== undefined) { w.uint(${no * 8 + LEN}); const at = w.begin(); ${sub(f.message)}(w, v); w.end(at); }`;
      case "enum":
        return `if (v !== undefined${always ? "" : " && v !== 0"}) { w.uint(${no * 8 + VARINT}); w.uint(v); }`;
      case "scalar": {
        const op = scalarCode(f, f.scalar);
        const wire = op.packable ? VARINT : LEN;
        return `if (v !== undefined${always ? "" : ` && !(${op.zero})`}) { w.uint(${no * 8 + wire}); ${op.write} }`;
      }
      case "list": {
        if (f.listKind === "message")
          return `for (const x of v) { w.uint(${no * 8 + LEN}); const at = w.begin(); ${sub(f.message)}(w, x); w.end(at); }`;
        const op =
          f.listKind === "enum" ? scalarCode(f, ScalarType.INT32) : scalarCode(f, f.scalar);
        if (!op.packable || !f.packed) {
          if (op.packable) return unsupported(f);
          return `for (const x of v) { w.uint(${no * 8 + LEN}); { const v = x; ${op.write} } }`;
        }
        return `if (v.length !== 0) { w.uint(${no * 8 + LEN}); const at = w.begin(); for (let k = 0; k < v.length; k++) { const x = v[k]; { const v = x; ${op.write} } } w.end(at); }`;
      }
      default:
        return unsupported(f);
    }
  };
  const body: string[] = [];
  const oneofs = new Set<string>();
  for (const f of fields) {
    if (f.oneof) {
      // Each oneof once, at its first field: a switch over its cases (in field order within the oneof's span).
      const name = f.oneof.localName;
      if (oneofs.has(name)) continue;
      oneofs.add(name);
      const cases = fields
        .filter((g) => g.oneof === f.oneof)
        .map(
          (g) =>
            `case ${JSON.stringify(g.localName)}: { const v = o.value; ${valueCode(g, true)} break; }`,
        );
      body.push(`{ const o = m[${JSON.stringify(name)}]; switch (o.case) { ${cases.join(" ")} } }`);
      continue;
    }
    body.push(`{ const v = m[${JSON.stringify(f.localName)}]; ${valueCode(f, false)} }`);
  }
  // Unknown fields are written back as toBinary does (strict decoding rejects them).
  body.push(
    "const unknown = m.$unknown; if (unknown) for (const u of unknown) { w.tag(u.no, u.wireType); w.ensure(u.data.length); w.buf.set(u.data, w.pos); w.pos += u.data.length; }",
  );
  writer = new Function("S", "u64", `return (w, m) => { ${body.join("\n")} };`)(
    subs,
    u64,
  ) as MessageWriter;
  writers.set(desc, writer);
  return writer;
};

const writeMessage = (w: Writer, desc: DescMessage, m: AnyMessage): void => writerOf(desc)(w, m);

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

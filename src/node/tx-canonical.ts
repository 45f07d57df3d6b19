/**
 * Whether a decoded TxRaw / TxBody / AuthInfo re-encodes to exactly its
 * bytes (tx.ts, malleability), without cosmjs-types' BinaryWriter: that
 * writer allocates an op object per field and a fork per nested message,
 * and the three re-encodings were ~8% of the app's CPU per signed
 * submission plus their garbage. Here the protocol encoder's Writer (one
 * reused buffer) writes the bytes cosmjs-types `encode` writes, field for
 * field (same order, same proto3 defaults left out), and they are compared
 * in place.
 *
 * Only for the shape every stock client writes: ASCII strings, uint64s
 * below 2^31, single-signer mode info, no tip, no timeout timestamp, no
 * unordered flag. Anything else answers `undefined` and tx.ts re-encodes it
 * with cosmjs-types as before — with its quirks, which are consensus now:
 * cosmjs-types 0.10 writes a uint64 in [2^31, 2^32) wrong, so a tx holding
 * one is refused as non-canonical, and a node that accepted it would fork.
 * A property test checks both paths give the same verdict on fuzzed txs.
 */
import type { Any } from "cosmjs-types/google/protobuf/any";
import type { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { LEN, VARINT, Writer } from "../protocol/encoding.ts";

const w = new Writer();
/** cosmjs-types 0.10 writes uint64s from 2^31 up through a path that gets [2^31, 2^32) wrong: those take the slow path. */
const SMALL = 2n ** 31n;
const ASCII = /^[\x00-\x7f]*$/;

const same = (bytes: Uint8Array): boolean => {
  if (w.pos !== bytes.length) return false;
  const b = w.buf;
  for (let i = 0; i < bytes.length; i++) if (b[i] !== bytes[i]) return false;
  return true;
};

const str = (no: number, v: string): void => {
  if (v === "") return;
  w.tag(no, LEN);
  w.string(v);
};

const u64 = (no: number, v: bigint): void => {
  if (v === 0n) return;
  w.tag(no, VARINT);
  w.uint(Number(v));
};

const any = (no: number, a: Any): void => {
  w.tag(no, LEN);
  const at = w.begin();
  str(1, a.typeUrl);
  if (a.value.length !== 0) {
    w.tag(2, LEN);
    w.bytes(a.value);
  }
  w.end(at);
};

const coin = (c: { readonly denom: string; readonly amount: string }): void => {
  w.tag(1, LEN);
  const at = w.begin();
  str(1, c.denom);
  str(2, c.amount);
  w.end(at);
};

/** The envelope: bytes fields only, so always the fast path. */
export const rawIsCanonical = (bytes: Uint8Array, raw: TxRaw): boolean => {
  w.pos = 0;
  if (raw.bodyBytes.length !== 0) {
    w.tag(1, LEN);
    w.bytes(raw.bodyBytes);
  }
  if (raw.authInfoBytes.length !== 0) {
    w.tag(2, LEN);
    w.bytes(raw.authInfoBytes);
  }
  for (const s of raw.signatures) {
    w.tag(3, LEN);
    w.bytes(s);
  }
  return same(bytes);
};

const anyFast = (a: Any): boolean => ASCII.test(a.typeUrl);

/** Whether `bytes` is exactly the TxBody's encoding; undefined outside the fast path's shape. */
export const bodyIsCanonical = (bytes: Uint8Array, body: TxBody): boolean | undefined => {
  if (
    body.unordered ||
    body.timeoutTimestamp !== undefined ||
    body.timeoutHeight >= SMALL ||
    !ASCII.test(body.memo)
  )
    return undefined;
  if (
    !body.messages.every(anyFast) ||
    !body.extensionOptions.every(anyFast) ||
    !body.nonCriticalExtensionOptions.every(anyFast)
  )
    return undefined;
  w.pos = 0;
  for (const m of body.messages) any(1, m);
  str(2, body.memo);
  u64(3, body.timeoutHeight);
  for (const m of body.extensionOptions) any(1023, m);
  for (const m of body.nonCriticalExtensionOptions) any(2047, m);
  return same(bytes);
};

/** Whether `bytes` is exactly the AuthInfo's encoding; undefined outside the fast path's shape. */
export const authIsCanonical = (bytes: Uint8Array, auth: AuthInfo): boolean | undefined => {
  if (auth.tip !== undefined) return undefined;
  for (const s of auth.signerInfos) {
    if (s.sequence >= SMALL || (s.publicKey !== undefined && !anyFast(s.publicKey)))
      return undefined;
    const m = s.modeInfo;
    if (
      m !== undefined &&
      (m.multi !== undefined ||
        (m.single !== undefined && (m.single.mode < 0 || !Number.isInteger(m.single.mode))))
    )
      return undefined;
  }
  const fee = auth.fee;
  if (
    fee !== undefined &&
    (fee.gasLimit >= SMALL ||
      !ASCII.test(fee.payer) ||
      !ASCII.test(fee.granter) ||
      !fee.amount.every((c) => ASCII.test(c.denom) && ASCII.test(c.amount)))
  )
    return undefined;
  w.pos = 0;
  for (const s of auth.signerInfos) {
    w.tag(1, LEN);
    const at = w.begin();
    if (s.publicKey !== undefined) any(1, s.publicKey);
    if (s.modeInfo !== undefined) {
      w.tag(2, LEN);
      const mi = w.begin();
      if (s.modeInfo.single !== undefined) {
        w.tag(1, LEN);
        const si = w.begin();
        if (s.modeInfo.single.mode !== 0) {
          w.tag(1, VARINT);
          w.uint(s.modeInfo.single.mode);
        }
        w.end(si);
      }
      w.end(mi);
    }
    u64(3, s.sequence);
    w.end(at);
  }
  if (fee !== undefined) {
    w.tag(2, LEN);
    const at = w.begin();
    for (const c of fee.amount) coin(c);
    u64(2, fee.gasLimit);
    str(3, fee.payer);
    str(4, fee.granter);
    w.end(at);
  }
  return same(bytes);
};

/**
 * The SIGN_MODE_DIRECT SignDoc's bytes as cosmjs-types `SignDoc.encode`
 * writes them (what a tx's signature covers), for an ASCII chain id and an
 * account number below 2^31; undefined otherwise (tx.ts then encodes with
 * cosmjs-types, quirks included). A view of the shared buffer: hash it
 * before the next call.
 */
export const signDocView = (
  bodyBytes: Uint8Array,
  authInfoBytes: Uint8Array,
  chainId: string,
  accountNumber: bigint,
): Uint8Array | undefined => {
  if (accountNumber >= SMALL || !ASCII.test(chainId)) return undefined;
  w.pos = 0;
  if (bodyBytes.length !== 0) {
    w.tag(1, LEN);
    w.bytes(bodyBytes);
  }
  if (authInfoBytes.length !== 0) {
    w.tag(2, LEN);
    w.bytes(authInfoBytes);
  }
  str(3, chainId);
  u64(4, accountNumber);
  return w.buf.subarray(0, w.pos);
};

/**
 * The parts of a TxRaw, its TxBody and its AuthInfo that tx.ts reads, in
 * the shapes cosmjs-types decodes them to (bytes as views of the tx).
 */
export interface TxParts {
  readonly bodyBytes: Uint8Array;
  readonly authInfoBytes: Uint8Array;
  readonly signatures: readonly Uint8Array[];
  readonly messages: readonly Any[];
  readonly memo: string;
  /** TxBody.timeout_height: 0 for none (tx.ts refuses the tx in blocks above it). */
  readonly timeoutHeight: bigint;
  /**
   * The body's fields this chain refuses, as present or not (tx.ts): critical
   * extension options, unordered, a timeout timestamp. The fast path holds
   * none (it hands such txs to the cosmjs-types path).
   */
  readonly refused: {
    readonly extensionOptions: number;
    readonly unordered: boolean;
    readonly timeoutTimestamp: boolean;
  };
  readonly signerInfos: readonly {
    readonly publicKey: Any | undefined;
    /** ModeInfo.single.mode, undefined without a single mode info. */
    readonly mode: number | undefined;
    readonly sequence: bigint;
  }[];
  /** AuthInfo.fee, undefined when the tx has none. */
  readonly fee:
    | { readonly amount: readonly { denom: string; amount: string }[]; readonly gasLimit: bigint }
    | undefined;
}

/**
 * The bytes being parsed and the position in them: one position moving
 * forward, each nested message bounded by its end (a number), not a cursor
 * object per field (ten per tx). parseCanonicalTx runs to its end without
 * calling out, so nothing else parses meanwhile.
 */
let b: Uint8Array = new Uint8Array(0);
let pos = 0;

/** Parsing stops: the bytes are outside the fast shape or not canonical (the caller takes cosmjs-types' path). */
const OUT = -1;

/** A minimal varint below 2^31 before `end`, or OUT. */
const varint = (end: number): number => {
  let x = 0;
  let scale = 1;
  for (let i = 0; i < 5; i++) {
    if (pos >= end) return OUT;
    const byte = b[pos++]!;
    x += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return (i > 0 && byte === 0) || x >= 2 ** 31 ? OUT : x;
    scale *= 128;
  }
  return OUT;
};

/** The end of the next length-delimited field (after its tag; `pos` is then at its first byte), or OUT. */
const sub = (end: number): number => {
  const n = varint(end);
  return n === OUT || end - pos < n ? OUT : pos + n;
};

const peek = (end: number): number => (pos < end ? b[pos]! : OUT);

/**
 * Type URLs and denoms seen in txs, by length: every tx repeats a few, and
 * returning the same string saves building it (a string built per
 * character was ~2 KB of garbage per tx). Bounded; once full, new strings
 * are built and not kept.
 */
const seen = new Map<number, string[]>();
let seenCount = 0;
const SEEN_MAX = 256;

const matches = (from: number, s: string): boolean => {
  for (let i = 0; i < s.length; i++) if (b[from + i] !== s.charCodeAt(i)) return false;
  return true;
};

/** A non-empty ASCII string field's value (after its tag), or undefined (empty strings are left out by canonical encoders). */
const ascii = (end: number, keep = false): string | undefined => {
  const to = sub(end);
  if (to === OUT) return undefined;
  const from = pos;
  pos = to;
  const n = to - from;
  if (n === 0 || n > 4096) return undefined;
  for (let i = from; i < to; i++) if (b[i]! >= 0x80) return undefined;
  const same = seen.get(n);
  if (keep && same !== undefined)
    for (let i = 0; i < same.length; i++) if (matches(from, same[i]!)) return same[i]!;
  const out = String.fromCharCode.apply(null, b.subarray(from, to) as unknown as number[]);
  if (keep && seenCount < SEEN_MAX && n <= 128) {
    seenCount++;
    if (same === undefined) seen.set(n, [out]);
    else same.push(out);
  }
  return out;
};

/** google.protobuf.Any with an ASCII type URL, from `pos` to `end`. */
const parseAny = (end: number): Any | undefined => {
  const start = pos;
  let typeUrl = "";
  let value: Uint8Array | undefined;
  if (peek(end) === 0x0a) {
    pos++;
    const t = ascii(end, true);
    if (t === undefined) return undefined;
    typeUrl = t;
  }
  if (peek(end) === 0x12) {
    pos++;
    const to = sub(end);
    if (to === OUT || to === pos) return undefined;
    value = b.subarray(pos, to);
    pos = to;
  }
  // An absent value is an empty view (made only then: a view is ~100 bytes, two Anys per tx).
  return pos === end ? { typeUrl, value: value ?? b.subarray(start, start) } : undefined;
};

/** A non-zero varint field's value below 2^31 (after its tag), as bigint, or undefined. */
const nonZero = (end: number): bigint | undefined => {
  const n = varint(end);
  return n === OUT || n === 0 ? undefined : BigInt(n);
};

/**
 * A tx's parts read straight from its bytes, for the shape every stock
 * client writes — exactly the bytes `rawIsCanonical`, `bodyIsCanonical` and
 * `authIsCanonical` accept (fields in order, minimal varints, no default
 * values written, no unknown fields) with ASCII strings, uint64s below 2^31,
 * single-signer mode info and none of the body's extension options,
 * timeout timestamp or unordered flag, nor AuthInfo's tip or fee payer and
 * granter. Undefined for anything else, canonical or not: tx.ts then decodes
 * with cosmjs-types and checks the re-encoding as before, so the verdict on
 * every tx is the one that path gives (what it accepts decodes to the same
 * values; a property test compares the two on fuzzed txs). No cosmjs-types
 * reader, no re-encoding, and bytes fields are views of `bytes`.
 */
const NOTHING_REFUSED = { extensionOptions: 0, unordered: false, timeoutTimestamp: false } as const;

export const parseCanonicalTx = (bytes: Uint8Array): TxParts | undefined => {
  b = bytes;
  pos = 0;
  const parts = parseParts(bytes);
  b = EMPTY;
  return parts;
};

const EMPTY = new Uint8Array(0);

const parseParts = (bytes: Uint8Array): TxParts | undefined => {
  const rawEnd = bytes.length;
  let bodyFrom = 0;
  let bodyEnd = 0;
  let authFrom = 0;
  let authEnd = 0;
  if (peek(rawEnd) === 0x0a) {
    pos++;
    bodyEnd = sub(rawEnd);
    if (bodyEnd === OUT || bodyEnd === pos) return undefined;
    bodyFrom = pos;
    pos = bodyEnd;
  }
  if (peek(rawEnd) === 0x12) {
    pos++;
    authEnd = sub(rawEnd);
    if (authEnd === OUT || authEnd === pos) return undefined;
    authFrom = pos;
    pos = authEnd;
  }
  const signatures: Uint8Array[] = [];
  while (peek(rawEnd) === 0x1a) {
    pos++;
    const to = sub(rawEnd);
    if (to === OUT) return undefined;
    signatures.push(bytes.subarray(pos, to));
    pos = to;
  }
  if (pos !== rawEnd) return undefined;
  const bodyBytes = bytes.subarray(bodyFrom, bodyEnd);
  const authInfoBytes = bytes.subarray(authFrom, authEnd);

  // TxBody: messages (1), memo (2), timeout height (3).
  pos = bodyFrom;
  const messages: Any[] = [];
  while (peek(bodyEnd) === 0x0a) {
    pos++;
    const to = sub(bodyEnd);
    const a = to === OUT ? undefined : parseAny(to);
    if (a === undefined) return undefined;
    messages.push(a);
  }
  let memo = "";
  if (peek(bodyEnd) === 0x12) {
    pos++;
    const m = ascii(bodyEnd);
    if (m === undefined) return undefined;
    memo = m;
  }
  let timeoutHeight = 0n;
  if (peek(bodyEnd) === 0x18) {
    pos++;
    const t = nonZero(bodyEnd);
    if (t === undefined) return undefined;
    timeoutHeight = t;
  }
  if (pos !== bodyEnd) return undefined;

  // AuthInfo: signer infos (1), fee (2).
  pos = authFrom;
  const signerInfos: {
    publicKey: Any | undefined;
    mode: number | undefined;
    sequence: bigint;
  }[] = [];
  while (peek(authEnd) === 0x0a) {
    pos++;
    const infoEnd = sub(authEnd);
    if (infoEnd === OUT) return undefined;
    let publicKey: Any | undefined;
    let mode: number | undefined;
    let sequence = 0n;
    if (peek(infoEnd) === 0x0a) {
      pos++;
      const to = sub(infoEnd);
      publicKey = to === OUT ? undefined : parseAny(to);
      if (publicKey === undefined) return undefined;
    }
    if (peek(infoEnd) === 0x12) {
      pos++;
      const modeEnd = sub(infoEnd);
      if (modeEnd === OUT) return undefined;
      if (peek(modeEnd) === 0x0a) {
        pos++;
        const singleEnd = sub(modeEnd);
        if (singleEnd === OUT) return undefined;
        mode = 0;
        if (peek(singleEnd) === 0x08) {
          pos++;
          const m = varint(singleEnd);
          if (m === OUT || m === 0) return undefined;
          mode = m;
        }
        if (pos !== singleEnd) return undefined;
      }
      if (pos !== modeEnd) return undefined;
    }
    if (peek(infoEnd) === 0x18) {
      pos++;
      const n = nonZero(infoEnd);
      if (n === undefined) return undefined;
      sequence = n;
    }
    if (pos !== infoEnd) return undefined;
    signerInfos.push({ publicKey, mode, sequence });
  }
  let fee: TxParts["fee"];
  if (peek(authEnd) === 0x12) {
    pos++;
    const feeEnd = sub(authEnd);
    if (feeEnd === OUT) return undefined;
    const amount: { denom: string; amount: string }[] = [];
    while (peek(feeEnd) === 0x0a) {
      pos++;
      const coinEnd = sub(feeEnd);
      if (coinEnd === OUT) return undefined;
      let denom = "";
      let value = "";
      if (peek(coinEnd) === 0x0a) {
        pos++;
        const d = ascii(coinEnd, true);
        if (d === undefined) return undefined;
        denom = d;
      }
      if (peek(coinEnd) === 0x12) {
        pos++;
        const a = ascii(coinEnd);
        if (a === undefined) return undefined;
        value = a;
      }
      if (pos !== coinEnd) return undefined;
      amount.push({ denom, amount: value });
    }
    let gasLimit = 0n;
    if (peek(feeEnd) === 0x10) {
      pos++;
      const g = nonZero(feeEnd);
      if (g === undefined) return undefined;
      gasLimit = g;
    }
    if (pos !== feeEnd) return undefined;
    fee = { amount, gasLimit };
  }
  if (pos !== authEnd) return undefined;
  return {
    bodyBytes,
    authInfoBytes,
    signatures,
    messages,
    memo,
    timeoutHeight,
    refused: NOTHING_REFUSED,
    signerInfos,
    fee,
  };
};

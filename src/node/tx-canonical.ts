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

/**
 * Encoding of ABCI responses, with a fast path for the three the node sends
 * most or largest: FinalizeBlock (a block's tx results and their events),
 * CheckTx, and PrepareProposal (a block's txs).
 *
 * Why not cosmjs-types `Response.encode` for those: its BinaryWriter
 * allocates an op object per field and a fork per nested message, so a
 * 1,000-tx FinalizeBlock response cost ~20 KB of garbage per tx — a third of
 * everything the app allocated per tx — and garbage collection was a third
 * of the app's CPU. Here the protocol encoder's Writer (one reused buffer,
 * a nested message's length byte shifted in place when it needs more)
 * writes the same bytes: a property test checks them against cosmjs-types
 * for arbitrary responses. Every other response, and the rare FinalizeBlock
 * with validator or consensus-param updates, goes through cosmjs-types.
 */
import { type Event, Response } from "cosmjs-types/tendermint/abci/types";
import { LEN, VARINT, Writer } from "../protocol/encoding.ts";
import { frame } from "./framing.ts";

/** Field numbers of Response's oneof (tendermint/abci/types.proto, v0.38). */
const CHECK_TX = 9;
const PREPARE_PROPOSAL = 17;
const FINALIZE_BLOCK = 21;

const w = new Writer();
/** A buffer grown past this (by a large block's response) is dropped after it rather than kept resident between blocks. */
const KEEP_BYTES = 256 << 10;

const stringField = (no: number, v: string): void => {
  if (v === "") return;
  w.tag(no, LEN);
  w.string(v);
};

const bytesField = (no: number, v: Uint8Array): void => {
  if (v.length === 0) return;
  w.tag(no, LEN);
  w.bytes(v);
};

/** int64 as protobuf writes it: two's complement in 64 bits (a negative takes 10 bytes). */
const int64Field = (no: number, v: bigint): void => {
  if (v === 0n) return;
  w.tag(no, VARINT);
  w.big(BigInt.asUintN(64, v));
};

const event = (no: number, e: Event): void => {
  w.tag(no, LEN);
  const at = w.begin();
  stringField(1, e.type);
  const attributes = e.attributes;
  for (let i = 0; i < attributes.length; i++) {
    const a = attributes[i]!;
    w.tag(2, LEN);
    const b = w.begin();
    stringField(1, a.key);
    stringField(2, a.value);
    if (a.index === true) {
      w.tag(3, VARINT);
      w.uint(1);
    }
    w.end(b);
  }
  w.end(at);
};

/** ExecTxResult and ResponseCheckTx: the same fields under the same numbers. */
interface TxResult {
  readonly code: number;
  readonly data: Uint8Array;
  readonly log: string;
  readonly info: string;
  readonly gasWanted: bigint;
  readonly gasUsed: bigint;
  readonly events: readonly Event[];
  readonly codespace: string;
}

const txResult = (no: number, r: TxResult): void => {
  w.tag(no, LEN);
  const at = w.begin();
  if (r.code !== 0) {
    w.tag(1, VARINT);
    w.uint(r.code >>> 0);
  }
  bytesField(2, r.data);
  stringField(3, r.log);
  stringField(4, r.info);
  int64Field(5, r.gasWanted);
  int64Field(6, r.gasUsed);
  const events = r.events;
  for (let i = 0; i < events.length; i++) event(7, events[i]!);
  stringField(8, r.codespace);
  w.end(at);
};

/** The one method a response answers, if it holds exactly one. */
const onlyCase = (res: Response): keyof Response | undefined => {
  let found: keyof Response | undefined;
  for (const k in res) {
    if (res[k as keyof Response] === undefined) continue;
    if (found !== undefined) return undefined;
    found = k as keyof Response;
  }
  return found;
};

/** Writes the response in the fast path and returns true, or returns false for cosmjs-types to encode it. */
const writeFast = (res: Response): boolean => {
  const kind = onlyCase(res);
  if (kind === "checkTx") {
    txResult(CHECK_TX, res.checkTx!);
    return true;
  }
  if (kind === "prepareProposal") {
    // ResponsePrepareProposal.txs (1): repeated bytes, each written, empty or not (an op object or three per tx
    // through cosmjs-types' writer, and the frame copied once more).
    const txs = res.prepareProposal!.txs;
    w.tag(PREPARE_PROPOSAL, LEN);
    const at = w.begin();
    for (let i = 0; i < txs.length; i++) {
      w.tag(1, LEN);
      w.bytes(txs[i]!);
    }
    w.end(at);
    return true;
  }
  const f = res.finalizeBlock;
  if (
    kind !== "finalizeBlock" ||
    f === undefined ||
    f.validatorUpdates.length > 0 ||
    f.consensusParamUpdates !== undefined
  )
    return false;
  w.tag(FINALIZE_BLOCK, LEN);
  const at = w.begin();
  for (let i = 0; i < f.events.length; i++) event(1, f.events[i]!);
  for (let i = 0; i < f.txResults.length; i++) txResult(2, f.txResults[i]!);
  bytesField(5, f.appHash);
  w.end(at);
  return true;
};

/** The protobuf bytes of an ABCI response (fresh bytes, the caller's to keep). */
export const encodeAbciResponse = (res: Response): Uint8Array => {
  w.pos = 0;
  if (!writeFast(res)) return Response.encode(res).finish();
  const out = w.buf.slice(0, w.pos);
  if (w.buf.length > KEEP_BYTES) w.buf = new Uint8Array(1 << 16);
  return out;
};

/**
 * The response as one socket frame (framing.ts: uvarint length, then the
 * bytes): the same bytes as `frame(encodeAbciResponse(res))`, copied out of
 * the shared buffer once instead of twice.
 */
export const encodeAbciResponseFrame = (res: Response): Uint8Array => {
  w.pos = 0;
  if (!writeFast(res)) return frame(Response.encode(res).finish());
  const n = w.pos;
  let prefix = 1;
  for (let v = n; v > 0x7f; v = Math.floor(v / 128)) prefix++;
  // A Buffer from Node's pool (a slice of a shared 8 KiB block for a small frame): the socket writes it as it is,
  // where a Uint8Array is first wrapped as a Buffer through its .buffer, which moves a small array's bytes off
  // V8's heap into an ArrayBuffer of their own (~0.3 µs per frame here).
  const out = Buffer.allocUnsafe(prefix + n);
  let v = n;
  for (let i = 0; i < prefix - 1; i++, v = Math.floor(v / 128)) out[i] = (v & 0x7f) | 0x80;
  out[prefix - 1] = v;
  // A small response (CheckTx's: ~10 bytes) byte by byte: a view of the buffer to copy from is ~100 bytes more.
  if (n <= 64) for (let i = 0; i < n; i++) out[prefix + i] = w.buf[i]!;
  else out.set(w.buf.subarray(0, n), prefix);
  if (w.buf.length > KEEP_BYTES) w.buf = new Uint8Array(1 << 16);
  return out;
};

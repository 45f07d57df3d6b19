/** A block's protocol events as the node stores them: length-framed protobuf Events (framing.ts, codec.ts). */
import { decodeEvent, DecodeError, writeEventDelimited } from "../protocol/codec.ts";
import { Writer } from "../protocol/encoding.ts";
import type { ProtocolEvent } from "../protocol/events.ts";
import { FrameReader } from "./framing.ts";

/** The block's records are written here, then copied out once (a larger buffer than this is not kept). */
let writer = new Writer();
const KEEP_BYTES = 1 << 20;

/**
 * `varint(length) ‖ encodeEvent(e)` per event (framing.ts's `frame`, the
 * simulator's events-hash input: src/sim/eventlog.ts), encoded in place into
 * one buffer instead of an array, a frame and a copy per event.
 */
export const encodeEventLog = (events: readonly ProtocolEvent[]): Uint8Array => {
  const w = writer;
  w.pos = 0;
  for (let i = 0; i < events.length; i++) writeEventDelimited(w, events[i]!);
  const out = w.buf.slice(0, w.pos);
  if (w.buf.length > KEEP_BYTES) writer = new Writer();
  return out;
};

export const decodeEventLog = (bytes: Uint8Array): ProtocolEvent[] => {
  const reader = new FrameReader(bytes.length + 16);
  const out: ProtocolEvent[] = [];
  for (const f of reader.push(bytes)) {
    const e = decodeEvent(f);
    if (e instanceof DecodeError) throw new Error(`corrupt event log: ${e.message}`);
    out.push(e);
  }
  if (reader.pending !== 0) throw new Error("corrupt event log: truncated frame");
  return out;
};

/** A block's protocol events as the node stores them: length-framed protobuf Events (framing.ts, codec.ts). */
import { decodeEvent, DecodeError, encodeEvent } from "../protocol/codec.ts";
import type { ProtocolEvent } from "../protocol/events.ts";
import { concat, FrameReader, frame } from "./framing.ts";

export const encodeEventLog = (events: readonly ProtocolEvent[]): Uint8Array =>
  concat(events.map((e) => frame(encodeEvent(e))));

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

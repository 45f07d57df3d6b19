/**
 * Canonical binary encoding of commands and events (protobuf, proto/), and
 * decoding that never throws: malformed, truncated, oversized or
 * non-canonical input (unknown fields, an integer beyond its field's range:
 * wire-range.ts) is a DecodeError. Ids, heights and windows are uint64
 * (ids.ts): a command's above 2^53 - 1 decodes and `decide` refuses it by
 * name; an event's is a DecodeError, since evolve reads them as numbers.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { EventSchema } from "../gen/remes/v1/events_pb.ts";
import { CommandSchema } from "../gen/remes/v1/tx_pb.ts";
import type { ProtocolCommand } from "./commands.ts";
import type { ProtocolEvent } from "./events.ts";
import { encode, encodeView, type Writer, writeDelimited } from "./encoding.ts";
import { ID_FIELD, MAX_ID } from "./ids.ts";
import { rangeProblem } from "./wire-range.ts";

const MAX_ID_BIG = BigInt(MAX_ID);

export class DecodeError {
  readonly _tag = "DecodeError";
  constructor(readonly message: string) {}
  toString(): string {
    return `decode error: ${this.message}`;
  }
}

/** Upper bound of one encoded command (a node may set a lower one). */
export const MAX_COMMAND_BYTES = 1 << 20;
export const MAX_EVENT_BYTES = 4 << 20;

export const encodeEvent = (e: ProtocolEvent): Uint8Array => encode(EventSchema, { kind: e });
export const encodeCommand = (c: ProtocolCommand): Uint8Array => encode(CommandSchema, { msg: c });

/** The event's encoding as a view into a shared buffer, valid until the next encode. */
export const encodeEventView = (e: ProtocolEvent): Uint8Array =>
  encodeView(EventSchema, { kind: e });

const eventWrapper: { kind: ProtocolEvent | undefined } = { kind: undefined };

/** Appends `varint(length) ‖ encodeEvent(e)` to `w` (one record of a block's events-hash input). */
export const writeEventDelimited = (w: Writer, e: ProtocolEvent): void => {
  eventWrapper.kind = e;
  writeDelimited(w, EventSchema, eventWrapper);
  eventWrapper.kind = undefined;
};

/** Whether a strictness path ends in an id, height or window field (ids.ts), or an element of one. */
const isIdPath = (path: string): boolean =>
  ID_FIELD.test(path.slice(path.lastIndexOf(".") + 1).replace(/\[\d+\]$/, ""));

/**
 * The path from the decoded message to the value `strictnessAt` is looking
 * at: field names and list indices, pushed and popped as it walks, so a
 * path string is built only for the value it reports.
 */
const segments: (string | number)[] = [];

/** `a.b[2].c`: the path of `segments` as messages name it ("" for the message itself). */
const pathOfSegments = (): string => {
  let p = "";
  for (const s of segments) p = typeof s === "number" ? `${p}[${s}]` : p === "" ? s : `${p}.${s}`;
  return p;
};

const strictnessAt = (v: unknown, depth: number, ids: boolean): string | undefined => {
  if (depth > 32) return `${pathOfSegments()} nests too deeply`;
  if (typeof v === "number")
    return Number.isSafeInteger(v) ? undefined : `${pathOfSegments()} is not an exact integer`;
  if (typeof v === "bigint") {
    if (!ids || v <= MAX_ID_BIG) return undefined;
    const path = pathOfSegments();
    return isIdPath(path) ? `${path} is ${v}, above 2^53 - 1` : undefined;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      segments.push(i);
      const bad = strictnessAt(v[i], depth + 1, ids);
      if (bad) return bad;
      segments.pop();
    }
    return undefined;
  }
  if (typeof v !== "object" || v === null || v instanceof Uint8Array) return undefined;
  const o = v as Record<string, unknown>;
  if (Array.isArray(o.$unknown) && o.$unknown.length > 0)
    return `${pathOfSegments()} has unknown fields`;
  // for…in (own keys only, as Object.keys lists them), not Object.keys: no array per message.
  for (const k in o) {
    if (k === "$unknown" || k === "$typeName" || !Object.hasOwn(o, k)) continue;
    segments.push(k);
    const bad = strictnessAt(o[k], depth + 1, ids);
    if (bad) return bad;
    segments.pop();
  }
  return undefined;
};

/** Finds what makes a decoded message non-canonical, or undefined; `ids`: also an id above 2^53 - 1. */
const strictness = (v: unknown, ids = false): string | undefined => {
  segments.length = 0;
  const bad = strictnessAt(v, 0, ids);
  segments.length = 0;
  return bad;
};

export const decodeCommand = (
  bytes: Uint8Array,
  maxBytes = MAX_COMMAND_BYTES,
): ProtocolCommand | DecodeError => {
  if (bytes.length > maxBytes)
    return new DecodeError(`command is ${bytes.length} bytes, the limit is ${maxBytes}`);
  const range = rangeProblem(CommandSchema, bytes);
  if (range) return new DecodeError(range);
  try {
    const c = fromBinary(CommandSchema, bytes);
    if (c.msg.case === undefined) return new DecodeError("the bytes hold no known command");
    const bad = strictness(c);
    return bad ? new DecodeError(bad) : c.msg;
  } catch (e) {
    return new DecodeError(e instanceof Error ? e.message : String(e));
  }
};

export const decodeEvent = (
  bytes: Uint8Array,
  maxBytes = MAX_EVENT_BYTES,
): ProtocolEvent | DecodeError => {
  if (bytes.length > maxBytes)
    return new DecodeError(`event is ${bytes.length} bytes, the limit is ${maxBytes}`);
  const range = rangeProblem(EventSchema, bytes);
  if (range) return new DecodeError(range);
  try {
    const e = fromBinary(EventSchema, bytes);
    if (e.kind.case === undefined) return new DecodeError("the bytes hold no known event");
    const bad = strictness(e, true);
    return bad ? new DecodeError(bad) : e.kind;
  } catch (e) {
    return new DecodeError(e instanceof Error ? e.message : String(e));
  }
};

/**
 * An event's payload as JSON for the events table: uint64 fields (bigint)
 * as decimal strings so no amount loses precision, bytes as lower-case hex
 * (as app hashes and gradient hashes are printed elsewhere), enums as their
 * numbers, protobuf-es bookkeeping (`$typeName`) left out.
 */
import type { ProtocolEvent } from "../../protocol/events.ts";

const replacer = (key: string, value: unknown): unknown => {
  if (key === "$typeName") return undefined;
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex");
  return value;
};

export const eventPayloadJson = (e: ProtocolEvent): string => JSON.stringify(e.value, replacer);

/** Any JSON-safe-ish value (scenario configs, params) with the same conventions. */
export const toJson = (value: unknown): string => JSON.stringify(value ?? null, replacer);

/**
 * Fuzz inputs as JSON (for printing and for the regression corpus): plain
 * data, with bigints as {"$bigint": "…"} and bytes as {"$bytes": "hex"}.
 */
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";

export const toJsonValue = (v: unknown): unknown => {
  if (typeof v === "bigint") return { $bigint: v.toString() };
  if (v instanceof Uint8Array) return { $bytes: bytesToHex(v) };
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (v !== null && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJsonValue(x)]));
  return v;
};

export const fromJsonValue = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(fromJsonValue);
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (typeof o.$bigint === "string" && Object.keys(o).length === 1) return BigInt(o.$bigint);
    if (typeof o.$bytes === "string" && Object.keys(o).length === 1) return hexToBytes(o.$bytes);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, fromJsonValue(x)]));
  }
  return v;
};

/** One line of JSON, bigints and bytes tagged (long strings and byte runs are kept whole: the input must replay). */
export const showInput = (v: unknown): string => JSON.stringify(toJsonValue(v));

/**
 * Ids, heights and window numbers: uint64 on the wire (a chain outlives
 * 2^32 of them only in centuries, but a decoder must never wrap one), and a
 * TypeScript number inside, which is exact up to 2^53 - 1. A wire value
 * above that is refused by name, never rounded: `checkedId` is the one place
 * a 64-bit id becomes a number.
 */
export const MAX_ID = Number.MAX_SAFE_INTEGER; // 2^53 - 1

/** The id as a number, or a message naming the field when it is above 2^53 - 1. */
export const checkedId = (field: string, v: bigint): number | string =>
  v >= 0n && v <= BigInt(MAX_ID) ? Number(v) : `${field} is ${v}, above 2^53 - 1 (the largest id, height or window this chain handles)`;

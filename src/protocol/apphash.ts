/**
 * Hashes of the chain's state. The app hash of block n is
 * `sha256(appHash(n−1) ‖ sha256(the block's length-prefixed encoded events))`
 * — the inner hash is streamed, so the hot path never hashes per event. The
 * app hash before the first block is the genesis `stateRoot`.
 *
 * `stateRoot` is the Merkle root (merkle.ts) of the canonical, sorted state:
 * one leaf per entry of every collection and one per scalar, each leaf
 * `path ‖ 0x00 ‖ canonical value`. It is independent of Map insertion order,
 * so a state rebuilt from a snapshot or a replay has the same root.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { encodeEventView } from "./codec.ts";
import type { ProtocolEvent } from "./events.ts";
import { MerkleBuilder } from "./merkle.ts";
import type { State } from "./state.ts";

const prefix = new Uint8Array(10);

/** Feeds `varint(len) ‖ bytes` of every event to the hash (the encoder's buffer is reused). */
export const hashEvents = (
  h: { update(b: Uint8Array): unknown },
  events: readonly ProtocolEvent[],
): void => {
  for (const e of events) {
    const bytes = encodeEventView(e);
    let n = bytes.length;
    let i = 0;
    while (n > 0x7f) {
      prefix[i++] = (n & 0x7f) | 0x80;
      n = (n - (n & 0x7f)) / 128;
    }
    prefix[i++] = n;
    h.update(prefix.subarray(0, i));
    h.update(bytes);
  }
};

export const blockEventsHash = (events: readonly ProtocolEvent[]): Uint8Array => {
  const h = sha256.create();
  hashEvents(h, events);
  return h.digest();
};

/** `sha256(prev ‖ eventsHash)`: the app hash after a block whose events hash is given. */
export const chainAppHash = (prev: Uint8Array, eventsHash: Uint8Array): Uint8Array => {
  const h = sha256.create();
  h.update(prev);
  h.update(eventsHash);
  return h.digest();
};

export const nextAppHash = (prev: Uint8Array, events: readonly ProtocolEvent[]): Uint8Array =>
  chainAppHash(prev, blockEventsHash(events));

/** Canonical text of plain data: sorted keys, typed scalars, no ambiguity. */
export const canonical = (v: unknown): string => {
  if (v === undefined || v === null) return "null";
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (v instanceof Uint8Array) return `0x${bytesToHex(v)}`;
  if (v instanceof Map) {
    const entries = [...v.entries()].map(([k, x]) => [canonical(k), canonical(x)] as const);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${k}:${x}`).join(",")}}`;
  }
  if (v instanceof Set) return `#[${[...v].map(canonical).sort().join(",")}]`;
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (typeof v === "object") {
    const keys = Object.keys(v)
      .filter((k) => k !== "$unknown")
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(String(v));
};

export const stateLeaves = (state: Readonly<State>): [string, string][] => {
  const leaves: [string, string][] = [];
  for (const [name, value] of Object.entries(state)) {
    if (value instanceof Map) {
      for (const [k, x] of value) leaves.push([`${name}/${canonical(k)}`, canonical(x)]);
    } else if (value instanceof Set) {
      for (const x of value) leaves.push([`${name}/${canonical(x)}`, "true"]);
    } else leaves.push([name, canonical(value)]);
  }
  return leaves.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
};

export const stateRoot = (state: Readonly<State>): Uint8Array => {
  const b = new MerkleBuilder();
  for (const [path, value] of stateLeaves(state)) b.push(utf8ToBytes(`${path}\u0000${value}`));
  return b.root();
};

/**
 * The run's event log hash, computed alongside the app hash: each event is
 * encoded once (protobuf, codec.ts) into one buffer per block of
 * `varint(length) ‖ bytes` records; that buffer is the block's events-hash
 * input (exactly as apphash.ts `blockEventsHash` defines it) and is appended
 * to one streamed sha256 over the whole run. Same seed ⇒ same bytes ⇒ same
 * `eventLogSha256`.
 *
 * Hashing here uses node:crypto (the simulator may; src/protocol keeps its
 * portable hashes): two native calls per block instead of two streamed
 * updates per event — the same digests, a fraction of the cost.
 */
import { createHash, type Hash } from "node:crypto";
import { writeEventDelimited } from "../protocol/codec.ts";
import { Writer } from "../protocol/encoding.ts";
import type { ProtocolEvent } from "../protocol/events.ts";

export class EventLogHasher {
  readonly #run: Hash = createHash("sha256");
  /** The block's records, encoded in place (no per-event bytes to copy). */
  readonly #w = new Writer();
  events = 0;

  /** The block's events hash (apphash.ts `blockEventsHash`), feeding the run hash on the way. */
  readonly blockHash = (events: readonly ProtocolEvent[]): Uint8Array => {
    const w = this.#w;
    w.pos = 0;
    for (let i = 0; i < events.length; i++) writeEventDelimited(w, events[i]!);
    this.events += events.length;
    const block = w.buf.subarray(0, w.pos);
    this.#run.update(block);
    return new Uint8Array(createHash("sha256").update(block).digest());
  };

  digestHex(): string {
    return this.#run.copy().digest("hex");
  }
}

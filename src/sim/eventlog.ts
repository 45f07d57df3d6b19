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
import { encodeEventView } from "../protocol/codec.ts";
import type { ProtocolEvent } from "../protocol/events.ts";

export class EventLogHasher {
  readonly #run: Hash = createHash("sha256");
  #buf = new Uint8Array(1 << 20);
  events = 0;

  /** The block's events hash (apphash.ts `blockEventsHash`), feeding the run hash on the way. */
  readonly blockHash = (events: readonly ProtocolEvent[]): Uint8Array => {
    let pos = 0;
    for (const e of events) {
      const bytes = encodeEventView(e);
      let n = bytes.length;
      if (pos + n + 10 > this.#buf.length) this.#grow(pos + n + 10, pos);
      const b = this.#buf;
      while (n > 0x7f) {
        b[pos++] = (n & 0x7f) | 0x80;
        n = (n - (n & 0x7f)) / 128;
      }
      b[pos++] = n;
      b.set(bytes, pos);
      pos += bytes.length;
    }
    this.events += events.length;
    const block = this.#buf.subarray(0, pos);
    this.#run.update(block);
    return new Uint8Array(createHash("sha256").update(block).digest());
  };

  #grow(need: number, keep: number): void {
    let size = this.#buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, keep));
    this.#buf = next;
  }

  digestHex(): string {
    return this.#run.copy().digest("hex");
  }
}

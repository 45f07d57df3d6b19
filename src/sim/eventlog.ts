/**
 * The run's event log hash, computed alongside the app hash: each event is
 * encoded once (protobuf, codec.ts) and the length-prefixed bytes feed both
 * the block's events hash (for the app hash, exactly as apphash.ts defines
 * it) and one streamed sha256 over the whole run. Same seed ⇒ same bytes ⇒
 * same `eventLogSha256`.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { encodeEvent } from "../protocol/codec.ts";
import type { ProtocolEvent } from "../protocol/events.ts";

const prefix = new Uint8Array(10);

const varintInto = (n: number): Uint8Array => {
  let i = 0;
  while (n > 0x7f) {
    prefix[i++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  prefix[i++] = n;
  return prefix.subarray(0, i);
};

export class EventLogHasher {
  readonly #run = sha256.create();
  events = 0;

  /** The block's events hash (apphash.ts `blockEventsHash`), feeding the run hash on the way. */
  readonly blockHash = (events: readonly ProtocolEvent[]): Uint8Array => {
    const block = sha256.create();
    for (const e of events) {
      const bytes = encodeEvent(e);
      const len = varintInto(bytes.length);
      block.update(len);
      this.#run.update(len);
      block.update(bytes);
      this.#run.update(bytes);
    }
    this.events += events.length;
    return block.digest();
  };

  digestHex(): string {
    return bytesToHex(this.#run.clone().digest());
  }
}

/**
 * The training data: the first 256 KB of Shakespeare (public domain; the
 * "tiny shakespeare" text of char-rnn) shipped in corpus/, read from disk,
 * never downloaded. The tokenizer is byte-level (UTF-8 bytes, vocabulary
 * 256): nothing to train or ship besides the rule. The token stream is cut
 * into 2,048-token chunks, the seed's unit of work; the last HELDOUT_CHUNKS
 * are kept out of training for evaluation.
 *
 * Shards: in window w, the miners the protocol assigned to shard s
 * (src/protocol/shards.ts) train on chunk (w·totalShards + s) mod
 * trainChunks, so each window moves every shard onto fresh text and all
 * miners of one shard get the same bytes.
 */
import { readFileSync } from "node:fs";

export const CHUNK_TOKENS = 2048;
export const HELDOUT_CHUNKS = 8;
export const CORPUS_FILE = new URL("./corpus/tinyshakespeare.txt", import.meta.url);

/** Byte-level tokenizer: token = UTF-8 byte. */
export const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
export const decode = (tokens: Uint8Array): string => new TextDecoder().decode(tokens);

let cached: Uint8Array | undefined;

/** The shipped corpus as tokens (read once). */
export function corpusTokens(): Uint8Array {
  cached ??= new Uint8Array(readFileSync(CORPUS_FILE));
  return cached;
}

/** Consecutive CHUNK_TOKENS-token chunks; a short tail is dropped. */
export function chunksOf(tokens: Uint8Array, size = CHUNK_TOKENS): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o + size <= tokens.length; o += size) out.push(tokens.subarray(o, o + size));
  return out;
}

export interface Corpus {
  readonly train: readonly Uint8Array[];
  readonly heldout: readonly Uint8Array[];
}

export function corpus(tokens = corpusTokens()): Corpus {
  const all = chunksOf(tokens);
  if (all.length <= HELDOUT_CHUNKS)
    throw new RangeError(
      `corpus: ${all.length} chunks of ${CHUNK_TOKENS} tokens is too few (need more than ${HELDOUT_CHUNKS})`,
    );
  return {
    train: all.slice(0, all.length - HELDOUT_CHUNKS),
    heldout: all.slice(all.length - HELDOUT_CHUNKS),
  };
}

/** The training chunk of (window, shard). */
export function chunkIndexFor(
  window: number,
  shard: number,
  totalShards: number,
  trainChunks: number,
): number {
  if (!(
    Number.isSafeInteger(window) &&
    window >= 0 &&
    Number.isSafeInteger(shard) &&
    shard >= 0 &&
    shard < totalShards
  )) {
    throw new RangeError(
      `chunkIndexFor: window ${window} / shard ${shard} out of range for ${totalShards} shards`,
    );
  }
  return (
    ((((window % trainChunks) * (totalShards % trainChunks)) % trainChunks) +
      (shard % trainChunks)) %
    trainChunks
  );
}

/**
 * ABCI socket framing (CometBFT v0.38): each message is an unsigned varint
 * length followed by that many bytes of a protobuf `tendermint.abci.Request`
 * or `Response`. A TCP chunk may hold part of a frame or several frames, so
 * the reader buffers until a frame is complete. (The v0.34 `abci` npm package
 * uses a signed varint prefix, which is why this project has its own.)
 */

/** Largest frame accepted (CometBFT's own limit is 100 MB; a block of 1 MB txs fits easily). */
export const MAX_FRAME_BYTES = 64 << 20;

export const encodeUvarint = (n: number): Uint8Array => {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Uint8Array.from(out);
};

export const frame = (payload: Uint8Array): Uint8Array => {
  const prefix = encodeUvarint(payload.length);
  const out = new Uint8Array(prefix.length + payload.length);
  out.set(prefix, 0);
  out.set(payload, prefix.length);
  return out;
};

export class FrameError extends Error {
  readonly _tag = "FrameError";
}

/**
 * Accumulates chunks and yields complete frames. A malformed length prefix
 * (more than 10 bytes, or beyond `maxBytes`) leaves the stream unrecoverable:
 * `push` throws a FrameError and the caller closes the connection.
 */
export class FrameReader {
  /** Received bytes not yet returned as frames: the rest of an earlier chunk, then later chunks. */
  private parts: Uint8Array[] = [];
  private bytes = 0;
  /** Bytes the next frame needs in all (prefix included), once its prefix is read; 0 while unknown. */
  private needed = 0;

  constructor(private readonly maxBytes = MAX_FRAME_BYTES) {}

  /** Bytes received but not yet returned as a frame. */
  get pending(): number {
    return this.bytes;
  }

  push(chunk: Uint8Array): Uint8Array[] {
    this.parts.push(chunk);
    this.bytes += chunk.length;
    // A large frame (a 1 MB block arrives in ~16 chunks) is joined once, when complete, not once per chunk.
    if (this.needed > 0 && this.bytes < this.needed) return [];
    const buf = this.parts.length === 1 ? this.parts[0]! : concat(this.parts, this.bytes);
    const frames: Uint8Array[] = [];
    let start = 0;
    this.needed = 0;
    for (;;) {
      const header = this.readLength(buf, start);
      if (header === undefined) break;
      const [length, headerBytes] = header;
      const begin = start + headerBytes;
      if (buf.length - begin < length) {
        this.needed = headerBytes + length;
        break;
      }
      frames.push(buf.subarray(begin, begin + length));
      start = begin + length;
    }
    this.parts = start < buf.length ? [buf.subarray(start)] : [];
    this.bytes = buf.length - start;
    return frames;
  }

  /** [length, prefix bytes] of the frame at `start`, or undefined while the prefix is incomplete. */
  private readLength(buf: Uint8Array, start: number): [number, number] | undefined {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const at = start + i;
      if (at >= buf.length) return undefined;
      const b = buf[at]!;
      value += (b & 0x7f) * scale;
      if (value > this.maxBytes)
        throw new FrameError(`frame length exceeds the limit of ${this.maxBytes} bytes`);
      if ((b & 0x80) === 0) return [value, i + 1];
      scale *= 128;
    }
    throw new FrameError("frame length prefix is longer than 10 bytes");
  }
}

/** The parts end to end (`bytes`: their total length, when the caller has it). */
export const concat = (
  parts: readonly Uint8Array[],
  bytes = parts.reduce((n, p) => n + p.length, 0),
): Uint8Array => {
  const out = new Uint8Array(bytes);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

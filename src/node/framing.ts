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
  private buf: Uint8Array = new Uint8Array(0);
  private start = 0;

  constructor(private readonly maxBytes = MAX_FRAME_BYTES) {}

  /** Bytes received but not yet returned as a frame. */
  get pending(): number {
    return this.buf.length - this.start;
  }

  push(chunk: Uint8Array): Uint8Array[] {
    if (this.start >= this.buf.length) {
      this.buf = chunk;
      this.start = 0;
    } else {
      const rest = this.buf.subarray(this.start);
      const joined = new Uint8Array(rest.length + chunk.length);
      joined.set(rest, 0);
      joined.set(chunk, rest.length);
      this.buf = joined;
      this.start = 0;
    }
    const frames: Uint8Array[] = [];
    for (;;) {
      const header = this.readLength();
      if (header === undefined) break;
      const [length, headerBytes] = header;
      const begin = this.start + headerBytes;
      if (this.buf.length - begin < length) break;
      frames.push(this.buf.subarray(begin, begin + length));
      this.start = begin + length;
    }
    return frames;
  }

  /** [length, prefix bytes], or undefined while the prefix is incomplete. */
  private readLength(): [number, number] | undefined {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const at = this.start + i;
      if (at >= this.buf.length) return undefined;
      const b = this.buf[at]!;
      value += (b & 0x7f) * scale;
      if (value > this.maxBytes) throw new FrameError(`frame length exceeds the limit of ${this.maxBytes} bytes`);
      if ((b & 0x80) === 0) return [value, i + 1];
      scale *= 128;
    }
    throw new FrameError("frame length prefix is longer than 10 bytes");
  }
}

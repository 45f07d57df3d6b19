/**
 * sha256 through Node's crypto (OpenSSL) for the node's per-tx hot path —
 * the tx hash CometBFT uses and the SignDoc digest — several times faster
 * than the pure-JS hash on small inputs. Same bytes as @noble/hashes' sha256
 * (it is the same function); src/protocol keeps its own hashing.
 */
import { hash } from "node:crypto";

/** sha256 of `bytes` as a plain Uint8Array view (no Buffer leaks into state). One-shot: no Hash object per call. */
export const sha256Fast = (bytes: Uint8Array): Uint8Array => {
  const b = hash("sha256", bytes, "buffer");
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
};

/** Lower-case hex of sha256(`bytes`), straight from OpenSSL (no bytes object in between). */
export const sha256Hex = (bytes: Uint8Array): string => hash("sha256", bytes, "hex");

/** ripemd160 of `bytes` (Node's crypto: OpenSSL). */
export const ripemd160Fast = (bytes: Uint8Array): Uint8Array => {
  const b = hash("ripemd160", bytes, "buffer");
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
};

/** Lower-case hex of bytes (Buffer's native encoder). */
export const hexOf = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");

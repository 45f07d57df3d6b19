/**
 * The node's OpenSSL hashes (hash.ts) give the same digests as @noble/hashes
 * (the protocol's own), as fresh plain Uint8Arrays nothing else shares.
 */
import { ripemd160 } from "@noble/hashes/legacy.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ripemd160Fast, sha256Fast, sha256Hex, sha256Key } from "../../src/node/hash.ts";

describe("hash.ts", () => {
  it("sha256Fast, sha256Hex, sha256Key and ripemd160Fast agree with @noble/hashes on any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
        expect(bytesToHex(sha256Fast(b))).toBe(bytesToHex(sha256(b)));
        expect(sha256Hex(b)).toBe(bytesToHex(sha256(b)));
        expect(sha256Key(b)).toBe(String.fromCharCode(...sha256(b)));
        expect(bytesToHex(ripemd160Fast(b))).toBe(bytesToHex(ripemd160(b)));
      }),
      { numRuns: 500 },
    );
  });

  it("returns a plain Uint8Array of its own each call (no Buffer, no shared memory)", () => {
    const a = sha256Fast(new Uint8Array([1]));
    const b = sha256Fast(new Uint8Array([1]));
    expect(Object.getPrototypeOf(a)).toBe(Uint8Array.prototype);
    expect(a.length).toBe(32);
    expect(a).not.toBe(b);
    a[0] = a[0]! ^ 0xff;
    expect(a[0]).not.toBe(b[0]);
    expect(ripemd160Fast(new Uint8Array([1])).length).toBe(20);
  });
});

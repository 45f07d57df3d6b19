import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { sha256 as reference } from "@noble/hashes/sha2.js";
import { sha256, sha256Into } from "../../src/protocol/sha256.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

describe("sha256 (one-shot)", () => {
  it("matches the FIPS 180-4 test vectors", () => {
    expect(hex(sha256(new Uint8Array(0)))).toBe(
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    expect(hex(sha256(new TextEncoder().encode("abc")))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  it("gives @noble/hashes' digest for every length across the padding boundaries", () => {
    for (let n = 0; n <= 300; n++) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n) & 0xff);
      expect(hex(sha256(b))).toBe(hex(reference(b)));
    }
  });

  it("hashes a prefix into an offset, also in place", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 40, maxLength: 400 }), fc.nat(), (b, k) => {
        const len = k % (b.length + 1);
        const out = new Uint8Array(40);
        sha256Into(b, len, out, 8);
        expect(hex(out.subarray(8))).toBe(hex(reference(b.subarray(0, len))));
        const copy = b.slice();
        sha256Into(copy, len, copy, 0);
        expect(hex(copy.subarray(0, 32))).toBe(hex(reference(b.subarray(0, len))));
      }),
      { numRuns: 300 },
    );
  });
});

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { sha256 as reference } from "@noble/hashes/sha2.js";
import { sha256, sha256Into, sha256Midstate, sha256ResumeInto } from "../../src/protocol/sha256.ts";

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

  it("resumes from a midstate: SHA-256(prefix ‖ data) for whole-block prefixes", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4 }),
        fc.uint8Array({ minLength: 256, maxLength: 256 }),
        fc.uint8Array({ maxLength: 300 }),
        (blocks, prefix, data) => {
          const p = prefix.subarray(0, 64 * blocks);
          const out = new Uint8Array(32);
          sha256ResumeInto(sha256Midstate(p, p.length), p.length, data, data.length, out, 0);
          const whole = new Uint8Array(p.length + data.length);
          whole.set(p);
          whole.set(data, p.length);
          expect(hex(out)).toBe(hex(reference(whole)));
        },
      ),
      { numRuns: 300 },
    );
    expect(() => sha256Midstate(new Uint8Array(70), 70)).toThrow(/whole 64-byte blocks/);
  });
});

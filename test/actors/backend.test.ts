import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { bytesToHex } from "@noble/hashes/utils.js";
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { cidOf } from "../../src/actors/backend.ts";
import { hex } from "../../src/protocol/state.ts";

describe("string keys of hashes", () => {
  it("cidOf writes the same CIDv1 (raw, sha2-256, base32) as multiformats", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (h) => {
        expect(cidOf(h)).toBe(CID.createV1(0x55, Digest.create(0x12, h)).toString());
      }),
      { numRuns: 500 },
    );
  });

  it("hex is the lower-case hex of any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        expect(hex(b)).toBe(bytesToHex(b));
      }),
      { numRuns: 500 },
    );
  });
});

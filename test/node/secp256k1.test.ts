/**
 * The node's signature layer: libsecp256k1 (the system's shared library
 * through FFI, the prebuilt N-API binding, or WebAssembly) accepts exactly
 * the signatures @noble/curves accepts (low S only), every build that loads
 * agrees, on arguments at any offset in a larger buffer, it never throws on
 * garbage, and txs built by sign.ts decode and verify like cosmjs's; the
 * simulator's real actor keys are deterministic per seed.
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import fc from "fast-check";
import { existsSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isAddress } from "../../src/node/address.ts";
import {
  isSecretKey,
  publicKeyOf,
  secp256k1Backend,
  signDigest,
  verifiers,
  verifyDigest,
} from "../../src/node/secp256k1.ts";
import { signTx, txKeyOf } from "../../src/node/sign.ts";
import { decodeTx, TxError, verifySignature } from "../../src/node/tx.ts";
import { command } from "../../src/protocol/commands.ts";
import { actorKey } from "../../src/sim/keys.ts";

const N = secp256k1.Point.CURVE().n;
const secretKey = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter(isSecretKey);
const digest = fc.uint8Array({ minLength: 32, maxLength: 32 });
const toBig = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString("hex") || "0"}`);
/** Every build that loads gives `expected` (after verifyDigest's argument checks, which all builds share). */
const everyBuild = (sig: Uint8Array, h: Uint8Array, pk: Uint8Array, expected: boolean) => {
  const shaped =
    sig.length === 64 && h.length === 32 && pk.length === 33 && (pk[0] === 2 || pk[0] === 3);
  for (const [build, verify] of Object.entries(verifiers()))
    expect({ build, ok: shaped && verify(sig, h, pk) }).toEqual({ build, ok: expected });
};
/** The same bytes at an odd offset inside a larger buffer (tx fields are views into the tx's bytes). */
const inside = (b: Uint8Array) => {
  const big = new Uint8Array(b.length + 13);
  big.set(b, 7);
  return big.subarray(7, 7 + b.length);
};
const toBytes32 = (n: bigint) =>
  Uint8Array.from(Buffer.from(n.toString(16).padStart(64, "0"), "hex"));

describe(`secp256k1 (libsecp256k1, ${secp256k1Backend})`, () => {
  it("verifies with the system's libsecp256k1 where one is installed, else the prebuilt binding on linux-x64", () => {
    const linux = process.platform === "linux" && process.arch === "x64";
    const installed = [
      "/usr/lib/x86_64-linux-gnu",
      "/lib/x86_64-linux-gnu",
      "/usr/lib",
      "/usr/local/lib",
    ].some(
      (dir) => existsSync(dir) && readdirSync(dir).some((f) => /^libsecp256k1\.so\.[1-9]/.test(f)),
    );
    if (!linux || process.env.R3MES_SECP256K1) return;
    expect(secp256k1Backend).toBe(installed ? "system" : "native");
    expect(Object.keys(verifiers())).toEqual(
      installed ? ["system", "native", "wasm"] : ["native", "wasm"],
    );
  });

  it("agrees with @noble/curves on keys, valid signatures, high-S twins and tampered signatures", () => {
    fc.assert(
      fc.property(secretKey, digest, fc.nat({ max: 63 }), (sk, h, flip) => {
        const pk = publicKeyOf(sk);
        expect(Buffer.from(pk).equals(Buffer.from(secp256k1.getPublicKey(sk, true)))).toBe(true);
        const sig = signDigest(h, sk);
        expect(
          Buffer.from(sig).equals(
            Buffer.from(secp256k1.sign(h, sk, { prehash: false, lowS: true })),
          ),
        ).toBe(true);
        expect(verifyDigest(sig, h, pk)).toBe(true);
        const highS = new Uint8Array(64);
        highS.set(sig.subarray(0, 32));
        highS.set(toBytes32(N - toBig(sig.subarray(32))), 32);
        expect(verifyDigest(highS, h, pk)).toBe(false);
        expect(secp256k1.verify(highS, h, pk, { prehash: false, lowS: true })).toBe(false);
        // The right signature under another signer's key: refused by every build.
        const other = publicKeyOf(sha256(sk));
        expect(verifyDigest(sig, h, other)).toBe(false);
        everyBuild(sig, h, other, false);
        const bad = sig.slice();
        bad[flip] = bad[flip]! ^ 1;
        expect(verifyDigest(bad, h, pk)).toBe(
          secp256k1.verify(bad, h, pk, { prehash: false, lowS: true }),
        );
        // Every build agrees on all of them, also on views into larger buffers.
        for (const s of [sig, highS, bad]) {
          const ok = verifyDigest(s, h, pk);
          everyBuild(s, h, pk, ok);
          everyBuild(inside(s), inside(h), inside(pk), ok);
          expect(verifyDigest(inside(s), inside(h), inside(pk))).toBe(ok);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("returns false, never throws, for malformed keys and signatures", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 70 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 40 }),
        (sig, h, pk) => {
          expect(verifyDigest(sig, h, pk)).toBe(false);
          everyBuild(sig, h, pk, false);
        },
      ),
      { numRuns: 500 },
    );
    // Well-shaped garbage: 33-byte keys (often off the curve) and 64-byte signatures (r or s may be ≥ n).
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        digest,
        fc.constantFrom(2, 3),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (sig, h, prefix, x) => {
          const pk = Uint8Array.from([prefix, ...x]);
          expect(verifyDigest(sig, h, pk)).toBe(false);
          everyBuild(sig, h, pk, false);
        },
      ),
      { numRuns: 300 },
    );
    const sk = sha256(new TextEncoder().encode("range"));
    const h = sha256(new TextEncoder().encode("msg"));
    const sig = signDigest(h, sk);
    const rIsN = Uint8Array.from([...toBytes32(N), ...sig.subarray(32)]);
    expect(verifyDigest(rIsN, h, publicKeyOf(sk))).toBe(false);
    everyBuild(rIsN, h, publicKeyOf(sk), false);
    // s = 0 and r = 0: parse, then fail the verify, in every build.
    const sZero = Uint8Array.from([...sig.subarray(0, 32), ...new Uint8Array(32)]);
    const rZero = Uint8Array.from([...new Uint8Array(32), ...sig.subarray(32)]);
    for (const s of [sZero, rZero]) {
      expect(verifyDigest(s, h, publicKeyOf(sk))).toBe(false);
      everyBuild(s, h, publicKeyOf(sk), false);
    }
    expect(() => publicKeyOf(new Uint8Array(32))).toThrow(/secret key/);
  });
});

describe("signTx", () => {
  it("builds a TxRaw that decodes to the same commands, signed by the key's address, valid only for its chain id and account number", () => {
    const key = txKeyOf(sha256(new TextEncoder().encode("sign-test")));
    const cmd = command("send", { fromAddress: key.address, toAddress: key.address, amount: 5n });
    const bytes = signTx(key, [cmd, cmd], {
      chainId: "c-1",
      accountNumber: 7n,
      sequence: 3n,
      memo: "hi",
    });
    const tx = decodeTx(bytes);
    if (tx instanceof TxError) throw new Error(tx.log);
    expect(tx.signer).toBe(key.address);
    expect(tx.sequence).toBe(3n);
    expect(tx.memo).toBe("hi");
    expect(tx.msgs).toEqual([cmd, cmd]);
    expect(verifySignature(tx, "c-1", 7n)).toBe(true);
    expect(verifySignature(tx, "c-2", 7n)).toBe(false);
    expect(verifySignature(tx, "c-1", 8n)).toBe(false);
  });
});

describe("simulator actor keys", () => {
  it("are deterministic per seed and label, differ across both, and give bech32 remes1… addresses", () => {
    const a = actorKey(1, "remes1honestminer00000");
    expect(actorKey(1, "remes1honestminer00000")).toEqual(a);
    expect(actorKey(2, "remes1honestminer00000").address).not.toBe(a.address);
    expect(actorKey(1, "remes1honestminer00001").address).not.toBe(a.address);
    expect(isAddress(a.address)).toBe(true);
    expect(txKeyOf(a.secretKey).address).toBe(a.address);
  });
});

/**
 * The node's signature layer: libsecp256k1 (native where its prebuilt binding
 * loads, else WebAssembly) accepts exactly the signatures @noble/curves
 * accepts (low S only), both builds agree, it never throws on
 * garbage, and txs built by sign.ts decode and verify like cosmjs's; the
 * simulator's real actor keys are deterministic per seed.
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isAddress } from "../../src/node/address.ts";
import {
  isSecretKey,
  publicKeyOf,
  secp256k1Backend,
  signDigest,
  verifyDigest,
  verifyDigestWasm,
} from "../../src/node/secp256k1.ts";
import { signTx, txKeyOf } from "../../src/node/sign.ts";
import { decodeTx, TxError, verifySignature } from "../../src/node/tx.ts";
import { command } from "../../src/protocol/commands.ts";
import { actorKey } from "../../src/sim/keys.ts";

const N = secp256k1.Point.CURVE().n;
const secretKey = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter(isSecretKey);
const digest = fc.uint8Array({ minLength: 32, maxLength: 32 });
const toBig = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString("hex") || "0"}`);
const toBytes32 = (n: bigint) =>
  Uint8Array.from(Buffer.from(n.toString(16).padStart(64, "0"), "hex"));

describe(`secp256k1 (libsecp256k1, ${secp256k1Backend})`, () => {
  it("loads the native build on linux-x64 (the prebuilt binding of the secp256k1 package)", () => {
    if (
      process.platform === "linux" &&
      process.arch === "x64" &&
      process.env.R3MES_SECP256K1 !== "wasm"
    )
      expect(secp256k1Backend).toBe("native");
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
        const bad = sig.slice();
        bad[flip] = bad[flip]! ^ 1;
        expect(verifyDigest(bad, h, pk)).toBe(
          secp256k1.verify(bad, h, pk, { prehash: false, lowS: true }),
        );
        // The native and WebAssembly builds agree on all of them.
        for (const s of [sig, highS, bad])
          expect(verifyDigestWasm(s, h, pk)).toBe(verifyDigest(s, h, pk));
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
          expect(verifyDigestWasm(sig, h, pk)).toBe(false);
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
          expect(verifyDigestWasm(sig, h, pk)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
    const sk = sha256(new TextEncoder().encode("range"));
    const h = sha256(new TextEncoder().encode("msg"));
    const sig = signDigest(h, sk);
    const rIsN = Uint8Array.from([...toBytes32(N), ...sig.subarray(32)]);
    expect(verifyDigest(rIsN, h, publicKeyOf(sk))).toBe(false);
    expect(verifyDigestWasm(rIsN, h, publicKeyOf(sk))).toBe(false);
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

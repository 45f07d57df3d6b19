/**
 * secp256k1 ECDSA for tx signatures through tiny-secp256k1: bitcoin-core's
 * libsecp256k1 compiled to WebAssembly. Signature checks are the node's
 * hottest path (every CheckTx), and libsecp256k1 verifies ~13× faster than
 * @noble/curves' pure-JS secp256k1 (measured with bench/node.ts on this
 * project's machines), with no native build. Both accept exactly the same
 * signatures (test/node/secp256k1.test.ts): 64-byte r ‖ s, low S only.
 */
import * as ecc from "tiny-secp256k1";

/** Whether `signature` (64 bytes r ‖ s, low S) signs the 32-byte `digest` under the 33-byte compressed `pubkey`. Never throws. */
export const verifyDigest = (signature: Uint8Array, digest: Uint8Array, pubkey: Uint8Array): boolean => {
  try {
    return ecc.verify(digest, pubkey, signature, true);
  } catch {
    return false;
  }
};

/** RFC 6979 deterministic signature (low S) of a 32-byte digest. */
export const signDigest = (digest: Uint8Array, secretKey: Uint8Array): Uint8Array => ecc.sign(digest, secretKey);

/** The compressed public key of a secret key; throws for a key outside [1, n). */
export const publicKeyOf = (secretKey: Uint8Array): Uint8Array => {
  const p = ecc.isPrivate(secretKey) ? ecc.pointFromScalar(secretKey, true) : null;
  if (!p) throw new Error("not a valid secp256k1 secret key (must be 32 bytes in [1, n))");
  return p;
};

export const isSecretKey = (secretKey: Uint8Array): boolean => secretKey.length === 32 && ecc.isPrivate(secretKey);

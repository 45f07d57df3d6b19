/**
 * secp256k1 ECDSA for tx signatures: bitcoin-core's libsecp256k1, natively
 * through the `secp256k1` package's prebuilt N-API binding (linux-x64,
 * darwin-arm64, win32-x64: no compiler needed), else the same library
 * compiled to WebAssembly (tiny-secp256k1) where no prebuilt binding loads.
 * Signature checks are the node's hottest path (every new tx), and the
 * native binding verifies ~4× faster than the WebAssembly build (63 µs vs
 * 260 µs on this project's machines), which is ~13× faster than
 * @noble/curves' pure JS. Both builds accept exactly the same signatures
 * (test/node/secp256k1.test.ts): 64-byte r ‖ s, low S only, as the Cosmos SDK.
 */
import { createRequire } from "node:module";

type WasmSecp256k1 = typeof import("tiny-secp256k1");

/** The part of the `secp256k1` package's native binding used here (its lib/index.js API). */
interface NativeSecp256k1 {
  ecdsaVerify(sig: Uint8Array, msg32: Uint8Array, pubkey: Uint8Array): boolean;
  ecdsaSign(msg32: Uint8Array, seckey: Uint8Array): { signature: Uint8Array; recid: number };
  publicKeyCreate(seckey: Uint8Array, compressed: boolean): Uint8Array;
  privateKeyVerify(seckey: Uint8Array): boolean;
}

/** The native binding, or undefined where its prebuilt binary does not load (then WebAssembly). R3MES_SECP256K1=wasm forces WebAssembly. */
const loadNative = (): NativeSecp256k1 | undefined => {
  if (process.env.R3MES_SECP256K1 === "wasm") return undefined;
  try {
    // `secp256k1/bindings` is the native build only (the package's main falls back to slow pure JS instead).
    return createRequire(import.meta.url)("secp256k1/bindings") as NativeSecp256k1;
  } catch {
    return undefined;
  }
};

const native = loadNative();

let wasmBuild: WasmSecp256k1 | undefined;
/** The WebAssembly build, loaded on first use: a node with the native binding never instantiates it (its memory and compiled code stay out of the process). */
const wasm = (): WasmSecp256k1 =>
  (wasmBuild ??= createRequire(import.meta.url)("tiny-secp256k1") as WasmSecp256k1);

/** Which build verifies: "native" (N-API) or "wasm". */
export const secp256k1Backend: "native" | "wasm" = native ? "native" : "wasm";

const isDigest = (b: Uint8Array) => b.length === 32;
const isCompressedKey = (b: Uint8Array) => b.length === 33 && (b[0] === 2 || b[0] === 3);

/** Whether `signature` (64 bytes r ‖ s, low S) signs the 32-byte `digest` under the 33-byte compressed `pubkey`. Never throws. */
export const verifyDigest = (
  signature: Uint8Array,
  digest: Uint8Array,
  pubkey: Uint8Array,
): boolean => {
  if (signature.length !== 64 || !isDigest(digest) || !isCompressedKey(pubkey)) return false;
  try {
    return native
      ? native.ecdsaVerify(signature, digest, pubkey)
      : wasm().verify(digest, pubkey, signature, true);
  } catch {
    // An r or s out of range, or a key not on the curve.
    return false;
  }
};

/** RFC 6979 deterministic signature (low S) of a 32-byte digest. */
export const signDigest = (digest: Uint8Array, secretKey: Uint8Array): Uint8Array =>
  native ? native.ecdsaSign(digest, secretKey).signature : wasm().sign(digest, secretKey);

export const isSecretKey = (secretKey: Uint8Array): boolean =>
  secretKey.length === 32 &&
  (native ? native.privateKeyVerify(secretKey) : wasm().isPrivate(secretKey));

/** The compressed public key of a secret key; throws for a key outside [1, n). */
export const publicKeyOf = (secretKey: Uint8Array): Uint8Array => {
  if (!isSecretKey(secretKey))
    throw new Error("not a valid secp256k1 secret key (must be 32 bytes in [1, n))");
  return native
    ? native.publicKeyCreate(secretKey, true)
    : wasm().pointFromScalar(secretKey, true)!;
};

/** The WebAssembly build's verify, for tests that check both builds agree. */
export const verifyDigestWasm = (
  signature: Uint8Array,
  digest: Uint8Array,
  pubkey: Uint8Array,
): boolean => {
  try {
    return wasm().verify(digest, pubkey, signature, true);
  } catch {
    return false;
  }
};

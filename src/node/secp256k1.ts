/**
 * secp256k1 ECDSA for tx signatures: bitcoin-core's libsecp256k1 in one of
 * three builds, the fastest that loads. Signature checks are the node's
 * hottest path (every new tx), so the verify prefers the system's shared
 * libsecp256k1 (Debian's `libsecp256k1-1`, which `npm run setup:tools`
 * installs) called through koffi's FFI: a 2022 or newer release verifies in
 * ~34 µs here against ~42 µs for the 2019 copy compiled into the `secp256k1`
 * package's prebuilt N-API binding (constant-time modular inverses were
 * replaced by safegcd since), which is the fallback and does the signing and
 * key work; where neither loads, the same library compiled to WebAssembly
 * (tiny-secp256k1, ~260 µs). All accept exactly the same signatures
 * (test/node/secp256k1.test.ts): 64-byte r ‖ s, low S only, as the Cosmos
 * SDK — the verify's rules have not changed between libsecp256k1 releases,
 * so nodes on different builds agree on every tx.
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

/** R3MES_SECP256K1 picks a build: "wasm" for everything, "native" for the N-API binding's verify; unset, the fastest that loads. */
const forced = process.env.R3MES_SECP256K1;

/** The native binding, or undefined where its prebuilt binary does not load (then WebAssembly). */
const loadNative = (): NativeSecp256k1 | undefined => {
  if (forced === "wasm") return undefined;
  try {
    // `secp256k1/bindings` is the native build only (the package's main falls back to slow pure JS instead).
    return createRequire(import.meta.url)("secp256k1/bindings") as NativeSecp256k1;
  } catch {
    return undefined;
  }
};

let nativeBinding: NativeSecp256k1 | undefined | null = null;
/**
 * The native binding, loaded on first use: where the system library verifies, a node never loads it (its
 * 2019 libsecp256k1 builds its verify tables on the heap at load, ~1 MB resident).
 */
const native = (): NativeSecp256k1 | undefined =>
  nativeBinding === null ? (nativeBinding = loadNative()) : nativeBinding;

type Verify = (signature: Uint8Array, digest: Uint8Array, pubkey: Uint8Array) => boolean;

/**
 * The system's libsecp256k1 (≥ 0.2, soname 1 and up: each has this API and
 * these rules; not soname 0, the 2019 code the binding already has)
 * through koffi, or undefined where none loads. Arguments are
 * checked by the caller (64-byte signature, 32-byte digest, 33-byte key);
 * the parsed key and signature go to two reused buffers (the app is single-threaded).
 */
const loadSystem = (): { readonly verify: Verify; readonly path: string } | undefined => {
  if (forced === "wasm" || forced === "native") return undefined;
  let koffi: typeof import("koffi");
  try {
    koffi = createRequire(import.meta.url)("koffi") as typeof import("koffi");
  } catch {
    return undefined;
  }
  const names =
    process.platform === "darwin"
      ? ["libsecp256k1.dylib"]
      : [9, 8, 7, 6, 5, 4, 3, 2, 1].map((n) => `libsecp256k1.so.${n}`);
  for (const name of names) {
    let lib: ReturnType<typeof koffi.load>;
    try {
      lib = koffi.load(name);
    } catch {
      continue;
    }
    // SECP256K1_CONTEXT_VERIFY: what releases before 0.2 needed; later ones ignore it.
    const context = lib.func("void *secp256k1_context_create(unsigned int flags)")(
      0x101,
    ) as unknown;
    if (context === null) continue;
    const parseKey = lib.func(
      "int secp256k1_ec_pubkey_parse(void *ctx, uint8_t *pubkey, const uint8_t *input, size_t len)",
    );
    const parseSignature = lib.func(
      "int secp256k1_ecdsa_signature_parse_compact(void *ctx, uint8_t *sig, const uint8_t *input)",
    );
    const verify = lib.func(
      "int secp256k1_ecdsa_verify(void *ctx, const uint8_t *sig, const uint8_t *msg32, const uint8_t *pubkey)",
    );
    // libsecp256k1's opaque secp256k1_pubkey and secp256k1_ecdsa_signature: 64 bytes each.
    const key = new Uint8Array(64);
    const sig = new Uint8Array(64);
    return {
      path: name,
      verify: (signature, digest, pubkey) =>
        parseKey(context, key, pubkey, pubkey.length) === 1 &&
        parseSignature(context, sig, signature) === 1 &&
        verify(context, sig, digest, key) === 1,
    };
  }
  return undefined;
};

const system = loadSystem();

let wasmBuild: WasmSecp256k1 | undefined;
/** The WebAssembly build, loaded on first use: a node with the native binding never instantiates it (its memory and compiled code stay out of the process). */
const wasm = (): WasmSecp256k1 =>
  (wasmBuild ??= createRequire(import.meta.url)("tiny-secp256k1") as WasmSecp256k1);

/** Which build verifies: "system" (the shared library through FFI), "native" (N-API) or "wasm". */
export const secp256k1Backend: Secp256k1Build = system ? "system" : native() ? "native" : "wasm";

export type Secp256k1Build = "system" | "native" | "wasm";

const isDigest = (b: Uint8Array) => b.length === 32;
const isCompressedKey = (b: Uint8Array) => b.length === 33 && (b[0] === 2 || b[0] === 3);

const nativeVerify: Verify = (signature, digest, pubkey) => {
  try {
    return native()!.ecdsaVerify(signature, digest, pubkey);
  } catch {
    // An r or s out of range, or a key not on the curve.
    return false;
  }
};

const wasmVerify: Verify = (signature, digest, pubkey) => {
  try {
    return wasm().verify(digest, pubkey, signature, true);
  } catch {
    return false;
  }
};

/** Each build's verify where it loads (loading them), for tests that check they agree (they take verifyDigest's argument checks as given). */
export const verifiers = (): Readonly<Partial<Record<Secp256k1Build, Verify>>> => ({
  ...(system ? { system: system.verify } : {}),
  ...(native() ? { native: nativeVerify } : {}),
  wasm: wasmVerify,
});

const chosen: Verify =
  secp256k1Backend === "system"
    ? system!.verify
    : secp256k1Backend === "native"
      ? nativeVerify
      : wasmVerify;

/** Whether `signature` (64 bytes r ‖ s, low S) signs the 32-byte `digest` under the 33-byte compressed `pubkey`. Never throws. */
export const verifyDigest = (
  signature: Uint8Array,
  digest: Uint8Array,
  pubkey: Uint8Array,
): boolean => {
  if (signature.length !== 64 || !isDigest(digest) || !isCompressedKey(pubkey)) return false;
  return chosen(signature, digest, pubkey);
};

/** Which libsecp256k1 verifies, in words, for the app's log (an operator sees whether the faster system library loaded). */
export const secp256k1Description = (): string =>
  secp256k1Backend === "system"
    ? `the system's libsecp256k1 (${system!.path})`
    : secp256k1Backend === "native"
      ? "the secp256k1 package's libsecp256k1 (install libsecp256k1-1 for a ~20% faster verify)"
      : "libsecp256k1 compiled to WebAssembly (no native build loaded: ~6× slower)";

/** RFC 6979 deterministic signature (low S) of a 32-byte digest. */
export const signDigest = (digest: Uint8Array, secretKey: Uint8Array): Uint8Array =>
  native()?.ecdsaSign(digest, secretKey).signature ?? wasm().sign(digest, secretKey);

export const isSecretKey = (secretKey: Uint8Array): boolean =>
  secretKey.length === 32 && (native()?.privateKeyVerify(secretKey) ?? wasm().isPrivate(secretKey));

/** The compressed public key of a secret key; throws for a key outside [1, n). */
export const publicKeyOf = (secretKey: Uint8Array): Uint8Array => {
  if (!isSecretKey(secretKey))
    throw new Error("not a valid secp256k1 secret key (must be 32 bytes in [1, n))");
  return native()?.publicKeyCreate(secretKey, true) ?? wasm().pointFromScalar(secretKey, true)!;
};

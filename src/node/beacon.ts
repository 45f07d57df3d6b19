/**
 * The node's side of the beacon (src/protocol/beacon.ts): the proposer's VRF
 * and the beacon tx its block leads with.
 *
 * The VRF is ECVRF in the shape of RFC 9381 (ECVRF-EDWARDS25519-SHA512) over
 * the validator's ed25519 consensus key — the key the protocol already has
 * registered for it (RoleRecord.pubkey), so nothing new is registered:
 *
 *   x, Y        the key's secret scalar and public point (RFC 8032 expansion)
 *   H           = hash_to_curve(Y ‖ alpha)       (RFC 9380, edwards25519)
 *   Γ           = x·H
 *   k           = H512(prefix ‖ H) mod L         (deterministic nonce; any k verifies, Γ does not change)
 *   c           = H512("remes/vrf" ‖ Y ‖ H ‖ Γ ‖ k·B ‖ k·H)[0..16]
 *   s           = k + c·x mod L
 *   proof       = Γ ‖ c ‖ s  (32 + 16 + 32 bytes)
 *   output      = sha256("remes/vrf-out" ‖ 8·Γ)
 *
 * Verification recomputes U = s·B − c·Y, V = s·H − c·Γ and checks c. The
 * proof shows log_H Γ = log_B Y, so Γ — and the output — is the one value
 * the key allows for alpha: a proposer's only freedom is k, which changes
 * the proof, not the output. (Not byte-compatible with RFC 9381's suite
 * strings; the construction and its uniqueness argument are the RFC's.)
 *
 * PrepareProposal puts `beaconTx(output, proof)` first; ProcessProposal
 * rejects a block whose first tx is not one, whose proof fails under the
 * proposer's registered key, or whose output is not the proof's; any later
 * beacon tx is rejected like any malformed tx.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ed25519, ed25519_hasher } from "@noble/curves/ed25519.js";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { concatBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import {
  beaconMessage,
  beaconTx,
  beaconValue,
  isBeaconTx,
  parseBeaconTx,
} from "../protocol/beacon.ts";
import { dataBytesOf } from "./mempool.ts";

const Point = ed25519.Point;
const L = Point.Fn.ORDER;
const DST = "remes/vrf-h2c-v1";

const le = (b: Uint8Array): bigint => {
  let x = 0n;
  for (let i = b.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i]!);
  return x;
};
const le32 = (x: bigint): Uint8Array => {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++, x >>= 8n) out[i] = Number(x & 0xffn);
  return out;
};
const mod = (x: bigint) => ((x % L) + L) % L;

const hashPoint = (pub: Uint8Array, alpha: Uint8Array) =>
  ed25519_hasher.hashToCurve(concatBytes(pub, alpha), { DST });
const challenge = (...points: Uint8Array[]) =>
  sha512(concatBytes(utf8ToBytes("remes/vrf"), ...points)).slice(0, 16);
/** The output: sha256 of the domain and 8·Gamma (the cofactor times Gamma by three doublings: `multiply(8n)` is the same point, at the price of a full constant-time scalar multiplication). */
const outputOf = (gamma: InstanceType<typeof Point>) =>
  sha256(concatBytes(utf8ToBytes("remes/vrf-out"), gamma.double().double().double().toBytes()));

/** The last key's RFC 8032 expansion: a node proves with its one consensus key every block it proposes. */
let expanded: { readonly seed: Uint8Array; readonly key: ExtendedKey } | undefined;
type ExtendedKey = ReturnType<typeof ed25519.utils.getExtendedPublicKey>;
const expand = (secretKey: Uint8Array): ExtendedKey => {
  if (expanded === undefined || Buffer.compare(expanded.seed, secretKey) !== 0)
    expanded = {
      seed: Uint8Array.from(secretKey),
      key: ed25519.utils.getExtendedPublicKey(secretKey),
    };
  return expanded.key;
};

/** The VRF output and proof of `alpha` under an ed25519 secret key (its 32-byte seed). */
export const vrfProve = (
  secretKey: Uint8Array,
  alpha: Uint8Array,
): { output: Uint8Array; proof: Uint8Array } => {
  const { scalar, pointBytes, prefix } = expand(secretKey);
  const H = hashPoint(pointBytes, alpha);
  const gamma = H.multiply(scalar);
  const k = mod(le(sha512(concatBytes(prefix, H.toBytes())))) || 1n;
  const c = challenge(
    pointBytes,
    H.toBytes(),
    gamma.toBytes(),
    Point.BASE.multiply(k).toBytes(),
    H.multiply(k).toBytes(),
  );
  const s = mod(k + le(c) * scalar);
  return { output: outputOf(gamma), proof: concatBytes(gamma.toBytes(), c, le32(s)) };
};

/** The VRF output `proof` proves for `alpha` under the ed25519 public key, or undefined if it does not verify. */
export const vrfVerify = (
  publicKey: Uint8Array,
  alpha: Uint8Array,
  proof: Uint8Array,
): Uint8Array | undefined => {
  if (publicKey.length !== 32 || proof.length !== 80) return undefined;
  try {
    const Y = Point.fromBytes(publicKey);
    if (Y.isSmallOrder()) return undefined;
    const gamma = Point.fromBytes(proof.subarray(0, 32));
    const c = proof.subarray(32, 48);
    const s = le(proof.subarray(48, 80));
    if (s >= L) return undefined;
    const H = hashPoint(publicKey, alpha);
    const cn = le(c);
    const U = Point.BASE.multiplyUnsafe(s).subtract(Y.multiplyUnsafe(cn));
    const V = H.multiplyUnsafe(s).subtract(gamma.multiplyUnsafe(cn));
    const expected = challenge(publicKey, H.toBytes(), gamma.toBytes(), U.toBytes(), V.toBytes());
    for (let i = 0; i < 16; i++) if (expected[i] !== c[i]) return undefined;
    return outputOf(gamma);
  } catch {
    return undefined;
  }
};

/** The beacon tx the proposer of `height` leads its block with. */
export const proposeBeaconTx = (
  secretKey: Uint8Array,
  height: number,
  previousBeacon: Uint8Array,
): Uint8Array => {
  const { output, proof } = vrfProve(secretKey, beaconMessage(height, previousBeacon));
  return beaconTx(output, proof);
};

/** Why a block's leading tx is not the beacon tx its proposer owes, or undefined if it is. */
export const beaconTxProblem = (
  tx: Uint8Array | undefined,
  proposerKey: Uint8Array | undefined,
  height: number,
  previousBeacon: Uint8Array,
): string | undefined => {
  const parsed = parseBeaconTx(tx);
  if (parsed === undefined) return "the block does not start with a beacon tx";
  if (proposerKey === undefined) return "the proposer is not a registered validator";
  const output = vrfVerify(proposerKey, beaconMessage(height, previousBeacon), parsed.proof);
  if (output === undefined)
    return "the beacon proof does not verify under the proposer's key and the previous beacon";
  for (let i = 0; i < 32; i++)
    if (output[i] !== parsed.output[i]) return "the beacon output is not the one its proof proves";
  return undefined;
};

/** B[h] and out[h] of a block from its leading beacon tx (empty output when it has none: a block ProcessProposal refused). */
export const beaconOfBlock = (
  height: number,
  txs: readonly Uint8Array[],
): { beacon: Uint8Array; beaconOutput: Uint8Array } => {
  const beaconOutput = parseBeaconTx(txs[0])?.output ?? new Uint8Array(0);
  return { beacon: beaconValue(height, beaconOutput), beaconOutput };
};

/** The ed25519 secret key (32-byte seed) of a CometBFT home's priv_validator_key.json. */
export const consensusSecretKeyOf = (home: string): Uint8Array | undefined => {
  const file = path.join(home, "config", "priv_validator_key.json");
  if (!fs.existsSync(file)) return undefined;
  const key = JSON.parse(fs.readFileSync(file, "utf8")) as {
    priv_key?: { type?: string; value?: string };
  };
  const raw = Buffer.from(key.priv_key?.value ?? "", "base64");
  return key.priv_key?.type === "tendermint/PrivKeyEd25519" && raw.length === 64
    ? Uint8Array.from(raw.subarray(0, 32))
    : undefined;
};

/**
 * The beacon as one node holds it: B of the last committed block (kept in the
 * store's meta with each Commit) and, on a validator, its consensus key.
 */
export class NodeBeacon {
  /** B of the last committed block (B[0]: the genesis protocol app hash). */
  last: Uint8Array = new Uint8Array(32);
  /**
   * The beacon tx this node last proposed, with what it was proved for: when
   * ProcessProposal sees exactly it again (its own proposal, which CometBFT
   * also sends through ProcessProposal), the proof is known good and is not
   * verified again (~2 VRF scalar multiplications per block).
   */
  private proposed:
    { readonly height: number; readonly last: Uint8Array; readonly tx: Uint8Array } | undefined;
  private publicKeyMemo: Uint8Array | undefined;

  /** This node's consensus secret key (none on a node that does not validate: it proposes no beacon tx). */
  constructor(public secretKey: Uint8Array | undefined) {}

  /** This node's ed25519 consensus public key, if it has a secret key. */
  get publicKey(): Uint8Array | undefined {
    if (this.secretKey === undefined) return undefined;
    this.publicKeyMemo ??= ed25519.getPublicKey(this.secretKey);
    return this.publicKeyMemo;
  }

  /**
   * PrepareProposal: this proposer's beacon tx first, then what `pick`
   * keeps within the block data bytes left after it (`maxDataBytes` as
   * CometBFT counts them: dataBytesOf each tx), any beacon tx among them
   * dropped.
   */
  prepare(
    height: number,
    maxDataBytes: bigint,
    pick: (budget: bigint) => readonly Uint8Array[],
  ): Uint8Array[] {
    if (this.secretKey === undefined) return pick(maxDataBytes).filter((t) => !isBeaconTx(t));
    const tx = proposeBeaconTx(this.secretKey, height, this.last);
    this.proposed = { height, last: this.last, tx };
    const left = maxDataBytes - BigInt(dataBytesOf(tx));
    // No room even for the beacon tx (a block size no chain should set): an empty proposal, which validators refuse
    // for want of its beacon tx, rather than one past the limit, on which CometBFT panics.
    if (left < 0n) return [];
    return [tx, ...pick(left).filter((t) => !isBeaconTx(t))];
  }

  /** ProcessProposal: why the block's beacon tx is wrong, or undefined. */
  problem(
    txs: readonly Uint8Array[],
    proposerKey: Uint8Array | undefined,
    height: number,
  ): string | undefined {
    const p = this.isOwnProposal(txs[0], proposerKey, height)
      ? undefined
      : beaconTxProblem(txs[0], proposerKey, height, this.last);
    if (p !== undefined) return p;
    return txs.slice(1).some(isBeaconTx) ? "a second beacon tx" : undefined;
  }

  /** Whether `tx` is byte for byte the beacon tx this node proved for this height and previous beacon, under the proposer's key. */
  private isOwnProposal(
    tx: Uint8Array | undefined,
    proposerKey: Uint8Array | undefined,
    height: number,
  ): boolean {
    const p = this.proposed;
    const own = this.publicKey;
    return (
      p !== undefined &&
      tx !== undefined &&
      own !== undefined &&
      proposerKey !== undefined &&
      p.height === height &&
      sameBytes(p.last, this.last) &&
      sameBytes(p.tx, tx) &&
      sameBytes(own, proposerKey)
    );
  }
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/**
 * The randomness beacon: the value every protocol draw reads (`ctx.beacon`),
 * chained block to block from the proposer's unique signature. The design
 * and why it replaces the block hash are argued in randomness.ts ("Where the
 * seed comes from"); this module holds the rule both runtimes apply.
 *
 *   alpha(h, B[h−1]) = H("remes/beacon-msg", h, B[h−1])
 *   out[h]           = VRF_p(alpha(h, B[h−1]))   p = block h's proposer
 *   B[h]             = H("remes/beacon", h, out[h])
 *   B[0]             = the genesis protocol app hash
 *
 * VRF_p is a verifiable random function under p's registered key: a unique
 * output per (key, input) with a proof anyone can check against the public
 * key (the node: ECVRF over the ed25519 consensus key, src/node/beacon.ts).
 * Unique, not merely deterministic: an RFC 8032 ed25519 signer is
 * deterministic, but a modified one may pick any nonce and every choice
 * verifies, which would let a proposer grind B[h] through 2^252 valid
 * signatures. The simulator models the VRF as a keyed hash
 * `H("sim/beacon-sig", secret, alpha)` (simBeaconOutput): unique and
 * unpredictable without the secret; it checks no proofs.
 *
 * out[h] and its proof travel in the block as its leading "beacon tx"
 * (BEACON_TX_MAGIC ‖ out ‖ proof): the node's PrepareProposal puts it there
 * and ProcessProposal rejects a block whose beacon tx is missing or whose
 * proof does not verify against the proposer's key and B[h−1]. FinalizeBlock
 * needs neither the key nor B[h−1]: B[h] is a function of the block alone,
 * the chaining was checked before the block was voted on.
 */
import { hashParts } from "./randomness.ts";

/** Prefix of the beacon tx: no protobuf TxRaw starts with 0xff, so the node tells it from user txs by its first bytes. */
export const BEACON_TX_MAGIC = Uint8Array.of(0xff, 0x72, 0x62, 0x31); // 0xff "rb1"
const OUT = 32;

/** The VRF input of block `height`'s proposer. */
export const beaconMessage = (height: number, previousBeacon: Uint8Array): Uint8Array =>
  hashParts("remes/beacon-msg", height, previousBeacon);

/** B[h] from block h's VRF output (an empty output only in hand-built test contexts). */
export const beaconValue = (height: number, output: Uint8Array): Uint8Array =>
  hashParts("remes/beacon", height, output);

/** The beacon tx carrying a 32-byte output and its proof. */
export const beaconTx = (output: Uint8Array, proof: Uint8Array = new Uint8Array(0)): Uint8Array => {
  if (output.length !== OUT)
    throw new RangeError(`beaconTx: the output is ${OUT} bytes, got ${output.length}`);
  const out = new Uint8Array(BEACON_TX_MAGIC.length + OUT + proof.length);
  out.set(BEACON_TX_MAGIC);
  out.set(output, BEACON_TX_MAGIC.length);
  out.set(proof, BEACON_TX_MAGIC.length + OUT);
  return out;
};

/** Whether `tx` is a beacon tx (by its prefix; it may still be malformed). */
export const isBeaconTx = (tx: Uint8Array | undefined): tx is Uint8Array => {
  if (tx === undefined || tx.length < BEACON_TX_MAGIC.length) return false;
  for (let i = 0; i < BEACON_TX_MAGIC.length; i++) if (tx[i] !== BEACON_TX_MAGIC[i]) return false;
  return true;
};

/** The output and proof of a beacon tx, or undefined if `tx` is not a well-formed one. */
export const parseBeaconTx = (
  tx: Uint8Array | undefined,
): { output: Uint8Array; proof: Uint8Array } | undefined => {
  if (!isBeaconTx(tx) || tx.length < BEACON_TX_MAGIC.length + OUT) return undefined;
  return {
    output: tx.slice(BEACON_TX_MAGIC.length, BEACON_TX_MAGIC.length + OUT),
    proof: tx.slice(BEACON_TX_MAGIC.length + OUT),
  };
};

/** The simulator's VRF output: a keyed hash (see the module comment). */
export const simBeaconOutput = (
  secret: Uint8Array,
  height: number,
  previousBeacon: Uint8Array,
): Uint8Array => hashParts("sim/beacon-sig", secret, beaconMessage(height, previousBeacon));

/** A validator's simulated beacon secret: a function of the run's seed and its address. */
export const simBeaconSecret = (seed: Uint8Array, address: string): Uint8Array =>
  hashParts("sim/beacon-key", seed, address);

/**
 * Real keys for simulated actors (`runScenario(…, { keys: "secp256k1" })`):
 * each actor's secp256k1 secret key is derived from the run's seed and the
 * actor's label, and its address is the node's bech32 `remes1…` address of
 * that key. A run recorded this way can be signed, tx by tx, and replayed
 * through the real ABCI app (test/node/equivalence.test.ts). Off by
 * default: deriving 10,000 public keys costs seconds.
 */
import { addressOfPubkey } from "../node/address.ts";
import { isSecretKey, publicKeyOf } from "../node/secp256k1.ts";
import { hashParts } from "../protocol/randomness.ts";

export type ActorKeys = "labels" | "secp256k1";

export interface ActorKey {
  readonly address: string;
  readonly secretKey: Uint8Array;
}

/** The actor's key: the first valid hash("sim/secp256k1", seed, label, i), i = 0, 1, … (i > 0 has odds ~2^-128). */
export const actorKey = (seed: number, label: string): ActorKey => {
  for (let i = 0; ; i++) {
    const secretKey = hashParts("sim/secp256k1", seed, label, i);
    if (isSecretKey(secretKey))
      return { secretKey, address: addressOfPubkey(publicKeyOf(secretKey)) };
  }
};

/**
 * Account addresses: bech32 `remes1…` of ripemd160(sha256(compressed
 * secp256k1 public key)), as in the Cosmos SDK. Its own small module so the
 * simulator can give actors real addresses without loading the tx codec.
 */
import { bech32 } from "@scure/base";
import { ripemd160Fast, sha256Fast } from "./hash.ts";

export const BECH32_PREFIX = "remes";

// @scure/base directly: @cosmjs/encoding 0.39's fromBech32 passes a limit
// of Infinity that @scure/base 2.4 rejects.
export const addressOfPubkey = (compressed: Uint8Array): string => bech32.encode(BECH32_PREFIX, bech32.toWords(ripemd160Fast(sha256Fast(compressed))));

export const isAddress = (address: string): boolean => {
  try {
    const { prefix, words } = bech32.decode(address as `${string}1${string}`, 90);
    return prefix === BECH32_PREFIX && bech32.fromWords(words).length === 20;
  } catch {
    return false;
  }
};

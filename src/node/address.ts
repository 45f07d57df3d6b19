/**
 * Account addresses: bech32 `remes1…` of ripemd160(sha256(compressed
 * secp256k1 public key)), as in the Cosmos SDK. Its own small module so the
 * simulator can give actors real addresses without loading the tx codec.
 * What a valid address is (lower case only) is the protocol's rule:
 * src/protocol/address.ts.
 */
import { ADDRESS_PREFIX, addressOfBytes, isAddress } from "../protocol/address.ts";
import { ripemd160Fast, sha256Fast } from "./hash.ts";

export const BECH32_PREFIX = ADDRESS_PREFIX;
export { isAddress };

// @scure/base directly: @cosmjs/encoding 0.39's fromBech32 passes a limit
// of Infinity that @scure/base 2.4 rejects.
export const addressOfPubkey = (compressed: Uint8Array): string =>
  addressOfBytes(ripemd160Fast(sha256Fast(compressed)));

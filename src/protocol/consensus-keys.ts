/**
 * Consensus keys: the ed25519 key a validator's CometBFT node signs blocks
 * with. Registering one needs a proof of possession — the key's signature
 * over a domain-separated message naming the validator — so nobody binds a
 * key they do not hold (another operator's key, a low-order point that
 * "verifies" anything). A key binds one validator for good (state
 * `consensusKeys`), so two validators never share CometBFT voting power or
 * each other's liveness record.
 *
 * The message binds the validator address but not the chain id: the protocol
 * does not know its chain id (CometBFT's InitChain gives it to the node, not
 * to the state machine), and the address already pins the registration to
 * one operator; a proof replayed on another chain registers the same key for
 * the same operator there, which its holder could do anyway.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import { Role } from "../gen/remes/v1/types_pb.ts";
import { fail, type ProtocolError } from "./errors.ts";
import { hex, type State } from "./state.ts";

export const POP_DOMAIN = "r3mes/consensus-key-pop/v1";

/** The bytes a consensus key signs to prove possession: `domain ‖ 0x00 ‖ validator address`. */
export const popMessage = (validator: string): Uint8Array =>
  utf8ToBytes(`${POP_DOMAIN}\u0000${validator}`);

/** The proof of possession of `secretKey` (a 32-byte ed25519 seed) for `validator`. */
export const signPop = (secretKey: Uint8Array, validator: string): Uint8Array =>
  ed25519.sign(popMessage(validator), secretKey);

/** The public key of a 32-byte ed25519 seed. */
export const consensusPublicKey = (secretKey: Uint8Array): Uint8Array =>
  ed25519.getPublicKey(secretKey);

/** Why a pubkey and proof do not register for `validator`, or undefined when they do. */
export const checkConsensusKey = (
  state: Readonly<State>,
  validator: string,
  pubkey: Uint8Array,
  pop: Uint8Array,
): ProtocolError | undefined => {
  if (pubkey.length !== 32)
    return fail(
      "invalidMessage",
      `validator pubkey must be a 32-byte ed25519 key, got ${pubkey.length} bytes`,
    );
  if (pop.length !== 64)
    return fail(
      "invalidMessage",
      `pop_signature must be the consensus key's 64-byte ed25519 signature over "${POP_DOMAIN}\\0<validator>", got ${pop.length} bytes`,
    );
  let point;
  try {
    point = ed25519.Point.fromBytes(pubkey);
  } catch {
    return fail("invalidMessage", "validator pubkey is not an ed25519 point");
  }
  // A small-order key would let anyone forge its signatures; strict (RFC 8032, not ZIP-215) verification below.
  if (point.isSmallOrder())
    return fail("invalidMessage", "validator pubkey is a small-order ed25519 point");
  let ok = false;
  try {
    ok = ed25519.verify(pop, popMessage(validator), pubkey, { zip215: false });
  } catch {
    ok = false;
  }
  if (!ok)
    return fail(
      "unauthorized",
      `pop_signature is not the consensus key's signature for ${validator}: registering a key needs proof of holding it`,
    );
  const holder = state.consensusKeys.get(hex(pubkey));
  if (holder !== undefined)
    return fail(
      "duplicate",
      `consensus key ${hex(pubkey)} is already bound to validator ${holder}`,
    );
  return undefined;
};

/** Binds the key of a validator role (registration and genesis); first come keeps it. */
export const bindConsensusKey = (
  state: State,
  role: Role,
  address: string,
  pubkey: Uint8Array,
): void => {
  if (role !== Role.VALIDATOR || pubkey.length !== 32) return;
  const key = hex(pubkey);
  if (!state.consensusKeys.has(key)) state.consensusKeys.set(key, address);
};

/**
 * CometBFT's validator set from the protocol's: FinalizeBlock returns the
 * block's ConsensusSetChanged updates (consensus-set.ts) as ABCI
 * validator_updates ({ed25519 pub_key, power}; power 0 removes), and
 * InitChain returns the genesis set, which replaces genesis.json's
 * `validators` — so what CometBFT validates with is always what the state
 * says, in both runtimes (the simulator draws proposers from the same set).
 */
import type { ValidatorUpdate } from "cosmjs-types/tendermint/abci/types";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { Role } from "../gen/remes/v1/types_pb.ts";
import type { ProtocolEvent } from "../protocol/events.ts";
import { rolesOfKind } from "../protocol/indexes.ts";
import type { RoleRecord, State } from "../protocol/state.ts";

/** CometBFT's consensus address of an ed25519 validator key: sha256(pubkey)[:20]. */
export const consensusAddressOf = (ed25519Pubkey: Uint8Array): Uint8Array =>
  sha256(ed25519Pubkey).subarray(0, 20);

/**
 * The validators with a consensus key, by consensus address (hex): whose vote, misbehaviour or proposal a
 * CometBFT address names. From the role index, the validators only: a 65,000-miner chain walked 65,000
 * records for a handful. A consensus key binds one validator at most (consensus-keys.ts, genesis.ts), so
 * the order they come in does not matter.
 */
export const validatorsByConsensusAddress = (state: Readonly<State>): Map<string, RoleRecord> => {
  const m = new Map<string, RoleRecord>();
  const validators = rolesOfKind(state.roles, Role.VALIDATOR);
  for (let i = 0; i < validators.length; i++) {
    const r = validators[i]!;
    if (r.pubkey.length === 32) m.set(bytesToHex(consensusAddressOf(r.pubkey)), r);
  }
  return m;
};

/** The validator updates of one block's events, in the order the protocol emitted them (sorted by key). */
export const validatorUpdatesOf = (events: readonly ProtocolEvent[]): ValidatorUpdate[] => {
  const out: ValidatorUpdate[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.case !== "consensusSetChanged") continue;
    for (const u of e.value.updates) out.push({ pubKey: { ed25519: u.pubkey }, power: u.power });
  }
  return out;
};

/** The set the state starts with, for InitChain's response (sorted by key). */
export const genesisValidators = (state: Readonly<State>): ValidatorUpdate[] =>
  [...state.consensusSet]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, power]) => ({ pubKey: { ed25519: hexToBytes(key) }, power }));

/**
 * Why genesis.json's validators (InitChain's request) are not the protocol's
 * genesis set, or undefined when their keys agree. Powers may differ
 * (CometBFT's `init` writes 10; the protocol's power is stake): InitChain's
 * response sets them. A genesis whose protocol set is empty (no validator
 * bonded with a key) leaves CometBFT's own list in place.
 */
export const genesisMismatch = (
  state: Readonly<State>,
  requested: readonly ValidatorUpdate[],
): string | undefined => {
  if (state.consensusSet.size === 0 || requested.length === 0) return undefined;
  const want = [...state.consensusSet.keys()].sort();
  const got = requested
    .map((v) => Buffer.from(v.pubKey?.ed25519 ?? new Uint8Array()).toString("hex"))
    .sort();
  if (want.length === got.length && want.every((k, i) => k === got[i])) return undefined;
  return `genesis.json validators (${got.join(", ")}) are not the protocol's genesis set (${want.join(", ")}): bond each genesis validator with its consensus key in app_state.roles`;
};

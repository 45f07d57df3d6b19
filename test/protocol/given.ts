/**
 * Given/when/then helpers for the protocol tests: a small genesis builder
 * with short windows (after the demo world's params), and helpers on top of
 * MockChain that apply commands and check rejections without touching state.
 */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { expect } from "vitest";
import { GenesisStateSchema } from "../../src/gen/remes/v1/genesis_pb.ts";
import { ParamsSchema } from "../../src/gen/remes/v1/params_pb.ts";
import { GpuArch, Role } from "../../src/gen/remes/v1/types_pb.ts";
import { stateRoot } from "../../src/protocol/apphash.ts";
import { consensusPublicKey, signPop } from "../../src/protocol/consensus-keys.ts";
import { command, type ProtocolCommand } from "../../src/protocol/commands.ts";
import { type ErrorName, isProtocolError, type ProtocolError } from "../../src/protocol/errors.ts";
import type { EventCase, EventOf, ProtocolEvent } from "../../src/protocol/events.ts";
import { decide } from "../../src/protocol/machine.ts";
import { gradientCommitment } from "../../src/protocol/gradient-commits.ts";
import { merkleRoot } from "../../src/protocol/merkle.ts";
import { longestSlashingDelay, UREMES_PER_REMES } from "../../src/protocol/params.ts";
import { demoParams } from "../../src/protocol/testing/demo-world.ts";
import { MockChain } from "../../src/protocol/testing/chain.ts";

export const REMES = UREMES_PER_REMES;
export { MockChain };

type ParamsInit = MessageInitShape<typeof ParamsSchema>;

/** The demo world's short windows and deadlines, overrides, and unless overridden the shortest unbonding period validateParams allows (window + settle delay). */
export const shortParams = (over: ParamsInit = {}) => {
  const p = create(ParamsSchema, { ...demoParams(), ...over });
  if (over.unbondingBlocks === undefined) p.unbondingBlocks = longestSlashingDelay(p);
  return p;
};

export interface World {
  params?: ParamsInit;
  /** Plain funded accounts (address → REMES). */
  accounts?: Record<string, bigint>;
  /** Bonded at genesis: address → stake in REMES. */
  validators?: Record<string, bigint>;
  miners?: Record<string, bigint>;
  proposers?: Record<string, bigint>;
  servingNodes?: Record<string, bigint>;
  vault?: readonly Uint8Array[];
}

/** Every role holder also gets 100,000 REMES liquid unless listed in accounts. */
export const genesis = (w: World) => {
  const roles = [
    ...Object.entries(w.validators ?? {}).map(([address, stake]) => ({
      address,
      role: Role.VALIDATOR,
      stake: stake * REMES,
      pubkey: consensusKeyOf(address).pubkey,
    })),
    ...Object.entries(w.miners ?? {}).map(([address, stake]) => ({
      address,
      role: Role.MINER,
      stake: stake * REMES,
      gpuArch: GpuArch.AMPERE,
    })),
    ...Object.entries(w.proposers ?? {}).map(([address, stake]) => ({
      address,
      role: Role.PROPOSER,
      stake: stake * REMES,
    })),
    ...Object.entries(w.servingNodes ?? {}).map(([address, stake]) => ({
      address,
      role: Role.SERVING_NODE,
      stake: stake * REMES,
    })),
  ];
  const balances = new Map<string, bigint>();
  for (const r of roles) balances.set(r.address, 100_000n * REMES);
  for (const [a, b] of Object.entries(w.accounts ?? {})) balances.set(a, b * REMES);
  return create(GenesisStateSchema, {
    params: shortParams(w.params),
    accounts: [...balances].map(([address, balance]) => ({ address, balance })),
    roles,
    vault: (w.vault ?? []).map((gradientHash) => ({ gradientHash })),
  });
};

export const given = (w: World, seed = "given"): MockChain => new MockChain(genesis(w), seed);

/** Applies one block of single-message txs; every tx must succeed. Returns the block's events. */
export const accepted = (chain: MockChain, ...cmds: ProtocolCommand[]): ProtocolEvent[] => {
  const r = chain.exec(...cmds);
  expect(r.txResults.map((t) => t.log)).toEqual(cmds.map(() => ""));
  return r.events;
};

/**
 * Decides `cmd` against the chain's state in the context of the next block;
 * asserts a ProtocolError named `name` and that the state root is unchanged.
 */
export const rejected = (
  chain: MockChain,
  cmd: ProtocolCommand,
  name: ErrorName,
  height = chain.height + 1,
): ProtocolError => {
  const before = stateRoot(chain.state);
  const d = decide(chain.state, cmd, chain.context(height));
  expect(isProtocolError(d) ? d.name : d).toBe(name);
  expect(stateRoot(chain.state)).toEqual(before);
  return d as ProtocolError;
};

export const eventsOf = <C extends EventCase>(
  events: readonly ProtocolEvent[],
  kind: C,
): EventOf<C>[] => events.filter((e) => e.case === kind).map((e) => e.value as EventOf<C>);

export const allEvents = (chain: MockChain): ProtocolEvent[] => chain.log.flat();

export const balance = (chain: MockChain, address: string): bigint =>
  chain.state.balances.get(address) ?? 0n;

/** A deterministic 32-byte "gradient" hash. */
export const hashOf = (label: string): Uint8Array => sha256(utf8ToBytes(label));

/** CIDv1 raw sha2-256 of a hash. */
export const cidOf = (hash: Uint8Array): string =>
  CID.createV1(0x55, Digest.create(0x12, hash)).toString();

/** The gradient submission of `miner` for its assigned shard in `window`. */
export const submission = (
  chain: MockChain,
  miner: string,
  hash: Uint8Array,
  window = chain.state.nextWindow - 1,
  claimedLossMicro = 2_000_000n,
): ProtocolCommand => {
  const shard = chain.state.windows.get(window)!.assignment.get(miner)!;
  return command("submitGradient", {
    miner,
    window,
    shard,
    gradientCid: cidOf(hash),
    gradientHash: hash,
    daRoot: merkleRoot([hash]),
    sizeBytes: 1_000n,
    claimedLossMicro,
    gpuArch: GpuArch.AMPERE,
    kernelVersion: "bitnet-cpu/1",
    salt: hashOf(`salt/${miner}/${window}`),
  });
};

/** The submission with a salt (a label-derived one when it has none). */
export const salted = (sub: ProtocolCommand): ProtocolCommand =>
  sub.case === "submitGradient" && sub.value.salt.length === 0
    ? command("submitGradient", {
        ...sub.value,
        salt: hashOf(`salt/${sub.value.miner}/${sub.value.window}`),
      })
    : sub;

/** The MsgCommitGradient that commits to a MsgSubmitGradient (gradient-commits.ts). */
export const commitmentOf = (sub: ProtocolCommand): ProtocolCommand => {
  if (sub.case !== "submitGradient") throw new Error("not a submission");
  const m = sub.value;
  return command("commitGradient", {
    miner: m.miner,
    window: m.window,
    shard: m.shard,
    commitment: gradientCommitment(m),
  });
};

/**
 * Commits every submission in one block (now, in the window), then reveals
 * them all in the first block of the window's reveal period; every tx must
 * succeed. Returns the reveal block's events.
 */
export const submitted = (chain: MockChain, ...cmds: ProtocolCommand[]): ProtocolEvent[] => {
  if (cmds.length === 0) return [];
  const subs = cmds.map(salted);
  accepted(chain, ...subs.map(commitmentOf));
  revealPhase(chain, Number((subs[0]!.value as { window: bigint }).window));
  return accepted(chain, ...subs);
};

/** Empty blocks to the last block of `window`'s commit phase: the next block is its first reveal block. */
export const revealPhase = (chain: MockChain, window = chain.state.nextWindow - 1): void =>
  chain.advanceTo(chain.state.windows.get(window)!.commitEndHeight);

export const shardOf = (
  chain: MockChain,
  miner: string,
  window = chain.state.nextWindow - 1,
): number => chain.state.windows.get(window)!.assignment.get(miner)!;

/** A validator's ed25519 consensus key, derived from a label (test keys, never secret). */
export const consensusKeyOf = (label: string): { secretKey: Uint8Array; pubkey: Uint8Array } => {
  const secretKey = sha256(utf8ToBytes(`test consensus key/${label}`));
  return { secretKey, pubkey: consensusPublicKey(secretKey) };
};

/** MsgRegisterValidator with a real consensus key and its proof of possession. */
export const registerValidator = (
  validator: string,
  stakeRemes: bigint,
  keyLabel = validator,
): ProtocolCommand => {
  const k = consensusKeyOf(keyLabel);
  return command("registerValidator", {
    validator,
    stake: stakeRemes * REMES,
    pubkey: k.pubkey,
    popSignature: signPop(k.secretKey, validator),
  });
};

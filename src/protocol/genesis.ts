/**
 * Genesis: `initChain` builds the state of height initial_height − 1 from a
 * GenesisState (accounts, roles bonded at genesis, authorized proposers, the
 * Genesis Vault, the model and datasets). Stake bonded at genesis is part of
 * the genesis supply, held by the bonded pool.
 */
import { create } from "@bufbuild/protobuf";
import type { GenesisState } from "../gen/remes/v1/genesis_pb.ts";
import { GpuArch, Role } from "../gen/remes/v1/types_pb.ts";
import { fail, type ProtocolError } from "./errors.ts";
import { checkedId, MAX_ID } from "./ids.ts";
import { DEFAULT_KERNEL_VERSIONS, genesisKernelVersions } from "./kernel-versions.ts";
import { checkAddress } from "./ledger.ts";
import { defaultParams, MAX_AMOUNT, validateParams } from "./params.ts";
import { ParamsSchema } from "../gen/remes/v1/params_pb.ts";
import { bindConsensusKey } from "./consensus-keys.ts";
import { genesisConsensusSet } from "./consensus-set.ts";
import { hex, ModuleAccount, roleKey, type State } from "./state.ts";

export const emptyState = (initialHeight = 1): State => ({
  params: defaultParams(),
  initialHeight,
  height: initialHeight - 1,
  balances: new Map(),
  supply: { genesis: 0n, minted: 0n, burned: 0n },
  roles: new Map(),
  unbonding: new Map(),
  authorizedProposers: new Set(),
  windows: new Map(),
  nextWindow: 0,
  nextWindowStart: initialHeight,
  traps: new Map(),
  submissions: new Map(),
  disputes: new Map(),
  vault: new Map(),
  proposals: new Map(),
  availability: new Map(),
  model: undefined,
  datasets: new Map(),
  kernelVersions: new Set(DEFAULT_KERNEL_VERSIONS),
  softwareUpgrade: undefined,
  upgradesDone: new Map(),
  missedBlocks: new Map(),
  livenessWindowStart: initialHeight,
  offences: new Map(),
  offencesForgottenBelow: 0,
  consensusKeys: new Map(),
  consensusSet: new Map(),
  jailedUntil: new Map(),
  validatorPay: new Map(),
  paySigners: new Set(),
  counters: {
    nextUnbondingId: 0,
    nextSubmissionId: 0,
    nextDisputeId: 0,
    nextVaultId: 0,
    nextProposalId: 0,
    nextAggregationId: 0,
    nextAvailabilityId: 0,
  },
  stats: { trapsRevealed: 0, minersCaught: 0, minersPassed: 0 },
});

/** A deep copy: Maps, Sets, bigints and byte arrays included. */
export const cloneState = (state: Readonly<State>): State => structuredClone(state) as State;

export const initChain = (genesis: GenesisState): State | ProtocolError => {
  if (genesis.initialHeight > BigInt(MAX_ID))
    return fail("invalidParams", checkedId("initial_height", genesis.initialHeight) as string);
  const initialHeight = genesis.initialHeight > 0n ? Number(genesis.initialHeight) : 1;
  const s = emptyState(initialHeight);
  if (genesis.params) {
    s.params = create(ParamsSchema, genesis.params);
    const bad = validateParams(s.params);
    if (bad) return bad;
  }
  let supply = 0n;
  for (const a of genesis.accounts) {
    const bad = checkAddress("genesis account", a.address);
    if (bad) return bad;
    if (s.balances.has(a.address))
      return fail("duplicate", `genesis lists account ${a.address} twice`);
    if (a.balance > 0n) s.balances.set(a.address, a.balance);
    supply += a.balance;
  }
  let bonded = 0n;
  for (const r of genesis.roles) {
    const bad = checkAddress("genesis role", r.address);
    if (bad) return bad;
    if (Role[r.role] === undefined || r.role === Role.UNSPECIFIED)
      return fail("invalidMessage", `genesis role of ${r.address} is unspecified`);
    if (
      r.role === Role.MINER &&
      (r.gpuArch === GpuArch.UNSPECIFIED || GpuArch[r.gpuArch] === undefined)
    )
      return fail("invalidMessage", `genesis miner ${r.address} needs a gpu_arch`);
    const key = roleKey(r.role, r.address);
    if (s.roles.has(key))
      return fail("duplicate", `genesis lists ${r.address} twice for the same role`);
    if (r.role === Role.VALIDATOR && r.pubkey.length === 32 && s.consensusKeys.has(hex(r.pubkey)))
      return fail("duplicate", `genesis binds consensus key ${hex(r.pubkey)} to two validators`);
    s.roles.set(key, {
      address: r.address,
      role: r.role,
      stake: r.stake,
      gpuArch: r.gpuArch,
      pubkey: r.pubkey,
      endpoint: "",
    });
    bindConsensusKey(s, r.role, r.address, r.pubkey);
    if (r.role === Role.PROPOSER) s.authorizedProposers.add(r.address);
    bonded += r.stake;
  }
  if (bonded > 0n) s.balances.set(ModuleAccount.bondedPool, bonded);
  for (const p of genesis.authorizedProposers) s.authorizedProposers.add(p);
  for (const v of genesis.vault) {
    if (v.gradientHash.length !== 32)
      return fail("invalidMessage", "genesis vault entries are 32-byte hashes");
    const id = s.counters.nextVaultId++;
    s.vault.set(id, { id, gradientHash: v.gradientHash, window: 0, shard: 0 });
  }
  s.model = genesis.model;
  for (const d of genesis.datasets) s.datasets.set(d.datasetId, d);
  // Every amount, and the supply that sums them, fits a signed 64-bit integer (params.ts MAX_AMOUNT).
  if (supply + bonded > MAX_AMOUNT)
    return fail(
      "invalidMessage",
      `genesis supply (balances + stakes) is ${supply + bonded} uremes, over 2^63 - 1`,
    );
  const kernels = genesisKernelVersions(
    genesis.kernelVersions,
    s.params.maxKernelVersionLength,
    s.params.maxKernelVersions,
  );
  if (!(kernels instanceof Set)) return kernels;
  s.kernelVersions.clear();
  for (const k of [...kernels].sort()) s.kernelVersions.add(k);
  (s.supply as { genesis: bigint }).genesis = supply + bonded;
  // The set CometBFT starts with (the node's InitChain reports it): genesis validators need no proof of possession.
  genesisConsensusSet(s);
  return s;
};

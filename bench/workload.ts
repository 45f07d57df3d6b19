/**
 * The signed-gradient workload bench/node.ts and bench/app.ts share: miner
 * keys, the genesis entries that register them, their window's shard
 * assignment, and the txs they sign (the MsgCommitGradient of window 0 —
 * the measured flood — and the MsgSubmitGradient reveal it commits to).
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { cidOf } from "../src/actors/backend.ts";
import { GpuArch } from "../src/gen/remes/v1/types_pb.ts";
import { defaultMinGasPrice } from "../src/node/home.ts";
import { signTx, txKeyOf, type TxKey } from "../src/node/sign.ts";
import { command } from "../src/protocol/commands.ts";
import { gradientCommitment } from "../src/protocol/gradient-commits.ts";
import { defaultParams } from "../src/protocol/params.ts";
import { deriveSeed, hashParts } from "../src/protocol/randomness.ts";
import { assignShards } from "../src/protocol/shards.ts";

export const CHAIN_ID = "remes-bench";
/** Every submission pays the fee node init's minimum gas price asks (charged to the fee collector). */
export const GAS_PRICE = defaultMinGasPrice;

const tty = process.stderr.isTTY;
/** A progress line on a terminal (overwritten by the next one); nothing otherwise. */
export const progress = (s: string) => {
  if (tty) process.stderr.write(`\r\x1b[K${s}`);
};

export const minerKeys = (n: number, label: string): TxKey[] => {
  const out: TxKey[] = [];
  for (let i = 0; i < n; i++) {
    out.push(txKeyOf(sha256(new TextEncoder().encode(`r3mes/bench/${label}/${i}`))));
    if (i % 2000 === 0) progress(`deriving ${n} miner keys: ${i}`);
  }
  return out;
};

export const minerStake = defaultParams().minMinerStake;

/** Genesis entries (node init's genesisExtra) funding the miners and registering them; account numbers 1, 2, … in order. */
export const genesisExtra = (keys: readonly TxKey[], stake = minerStake) => ({
  accounts: keys.map((k) => ({ address: k.address, balance: "1000000000" })),
  roles: keys.map((k) => ({
    address: k.address,
    role: "ROLE_MINER",
    stake: String(stake),
    gpuArch: "GPU_ARCH_AMPERE",
  })),
});

/** Every miner of a shard trains the same task and gets the same gradient; the salt is the miner's own. */
export const submission = (miner: string, window: number, shard: number) => {
  const gradientHash = hashParts("bench/gradient", window, shard);
  return command("submitGradient", {
    miner,
    window,
    shard,
    gradientCid: cidOf(gradientHash),
    gradientHash,
    daRoot: hashParts("bench/da", window, shard),
    sizeBytes: 4_000_000n,
    claimedLossMicro: 2_100_000n,
    gpuArch: GpuArch.AMPERE,
    kernelVersion: "bitnet-cpu/1",
    salt: hashParts("bench/salt", miner, window),
  });
};

/** The MsgCommitGradient a miner sends while the window is open, committing to `submission` (gradient-commits.ts). */
export const commitment = (miner: string, window: number, shard: number) => {
  const sub = submission(miner, window, shard);
  if (sub.case !== "submitGradient") throw new Error("not a submission");
  return command("commitGradient", {
    miner,
    window,
    shard,
    commitment: gradientCommitment(sub.value),
  });
};

/** The shard of each miner in a window, from the beacon of the window's first block (windows.ts / shards.ts, beacon.ts). */
export const shardsOf = (
  miners: readonly string[],
  window: number,
  openingBeacon: Uint8Array,
  params: { totalShards: number; minMinersPerShard: number },
) =>
  assignShards(miners, deriveSeed(openingBeacon, "remes/window", window), window, params)
    .assignment;

/**
 * Every miner's signed window-0 commitment (its first tx: sequence 0) on
 * a chain whose genesis registered `keys` with genesisExtra (account
 * numbers: the dev account is 0, then the genesis-extra accounts in order).
 */
export const signCommitments = (
  keys: readonly TxKey[],
  shards: ReadonlyMap<string, number>,
): Uint8Array[] =>
  keys.map((k, i) => {
    if (i % 1000 === 0) progress(`pre-signing ${keys.length} gradient commitments: ${i}`);
    return signTx(k, [commitment(k.address, 0, shards.get(k.address)!)], {
      chainId: CHAIN_ID,
      accountNumber: BigInt(i + 1),
      sequence: 0n,
      fee: GAS_PRICE,
    });
  });

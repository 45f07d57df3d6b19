/**
 * Unbonding spam: what the chain pays per block for unbonding entries
 * (scenarios/attacks/unbonding_spam.json). A spammer opens one entry per
 * 1-uremes MsgUnbond; every entry lives unbonding_blocks (21 days) and
 * `completeUnbondings` scans all of them every block, and a slash of the
 * spammer (`stakeAtRisk`, `evolveSlashed`) scans them again.
 *
 *   npx tsx bench/unbonding-spam.ts        (ENTRIES=0,10000,100000,1000000 to choose)
 *
 * Prints one JSON line per entry count: the median time of an empty block's
 * `applyBlock` (begin and end steps, app hash) and of one slash (decide and
 * evolve) of the spammer and of another miner, which scans the entries too.
 */
import { create } from "@bufbuild/protobuf";
import { GenesisStateSchema } from "../src/gen/remes/v1/genesis_pb.ts";
import { GpuArch, Offence, Role } from "../src/gen/remes/v1/types_pb.ts";
import { event } from "../src/protocol/events.ts";
import { initChain } from "../src/protocol/genesis.ts";
import { applyBlock, evolve } from "../src/protocol/machine.ts";
import { defaultParams, UREMES_PER_REMES } from "../src/protocol/params.ts";
import { hashParts } from "../src/protocol/randomness.ts";
import { slash } from "../src/protocol/slashing.ts";
import { isProtocolError } from "../src/protocol/errors.ts";
import { cloneState } from "../src/protocol/genesis.ts";

const COUNTS = (process.env.ENTRIES ?? "0,10000,100000,1000000").split(",").map(Number);
const BLOCKS = 20;
const SPAMMER = "remes1spammer";
/** Another miner: slashing it scans the spammer's entries too. */
const VICTIM = "remes1victim";
const REMES = UREMES_PER_REMES;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const n of COUNTS) {
  const genesis = create(GenesisStateSchema, {
    params: defaultParams(),
    accounts: [{ address: SPAMMER, balance: 10_000n * REMES }, { address: VICTIM, balance: 10_000n * REMES }, { address: "remes1val0", balance: 0n }],
    roles: [
      { address: SPAMMER, role: Role.MINER, stake: 2_000n * REMES, gpuArch: GpuArch.AMPERE },
      { address: VICTIM, role: Role.MINER, stake: 2_000n * REMES, gpuArch: GpuArch.AMPERE },
      { address: "remes1val0", role: Role.VALIDATOR, stake: 20_000n * REMES, pubkey: hashParts("sim/pubkey", "remes1val0") },
    ],
  });
  const state = initChain(genesis);
  if (isProtocolError(state)) throw new Error(state.message);
  const far = state.params.unbondingBlocks;
  for (let i = 0; i < n; i++) evolve(state, event("unbondingStarted", { entryId: i, address: SPAMMER, role: Role.MINER, amount: 1n, completionHeight: far }));
  let appHash: Uint8Array = new Uint8Array(32);
  const blockMs: number[] = [];
  for (let h = 1; h <= BLOCKS; h++) {
    const ctx = { height: h, timeMs: BigInt(h) * 5_000n, blockHash: hashParts("bench/block", h), beacon: hashParts("bench/beacon", h), beaconOutput: new Uint8Array(0), proposer: "remes1val0", lastCommit: [{ address: "remes1val0", signed: true }], misbehavior: [] };
    const t0 = performance.now();
    appHash = applyBlock(state, ctx, [], appHash).appHash;
    blockMs.push(performance.now() - t0);
  }
  const slashMs = (who: string): number => {
    const ms: number[] = [];
    for (let k = 0; k < 5; k++) {
      const copy = cloneState(state);
      const t0 = performance.now();
      const e = slash(copy, who, Role.MINER, Offence.LAZY_MINING, `bench/${k}`, 5_000);
      if (e) evolve(copy, e);
      ms.push(performance.now() - t0);
    }
    return Number(median(ms).toFixed(3));
  };
  console.log(JSON.stringify({ entries: n, block_ms_median: Number(median(blockMs).toFixed(3)), slash_spammer_ms_median: slashMs(SPAMMER), slash_other_miner_ms_median: slashMs(VICTIM) }));
}

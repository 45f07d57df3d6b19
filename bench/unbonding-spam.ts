/**
 * Unbonding spam: what the chain pays per block for unbonding entries
 * (scenarios/attacks/unbonding_spam.json). A spammer opened one entry per
 * 1-uremes MsgUnbond; every entry lives unbonding_blocks (21 days).
 *
 * Before issue 13 `completeUnbondings` scanned every entry every block and a
 * slash (`stakeAtRisk`, `evolveSlashed`) scanned them again: at 10^6 entries
 * of one spammer an empty block took 15 ms, a slash of the spammer 523 ms and
 * of another miner 67 ms (scenarios/attacks/README.md). Now an (address, role) holds at most
 * max_unbonding_entries (7), and both read indexes (src/protocol/indexes.ts).
 *
 *   npx tsx bench/unbonding-spam.ts        (ENTRIES=0,10000,100000,1000000 to choose)
 *
 * Prints one JSON line per entry count: the entries one spammer got through
 * `decide` (the cap), then, with the count's entries spread over sybil
 * accounts of 7 each (put straight into the state, as a snapshot would hold
 * them), the median time of an empty block's `applyBlock` (begin and end
 * steps, app hash) and of one slash (decide and evolve) of a sybil and of
 * another miner.
 */
import { create } from "@bufbuild/protobuf";
import { GenesisStateSchema } from "../src/gen/remes/v1/genesis_pb.ts";
import { GpuArch, Offence, Role } from "../src/gen/remes/v1/types_pb.ts";
import { event } from "../src/protocol/events.ts";
import { initChain } from "../src/protocol/genesis.ts";
import { applyBlock, decide, evolve } from "../src/protocol/machine.ts";
import { command } from "../src/protocol/commands.ts";
import { labelAddress as addr } from "../src/protocol/address.ts";
import { defaultParams, UREMES_PER_REMES } from "../src/protocol/params.ts";
import { hashParts } from "../src/protocol/randomness.ts";
import { slash, stakeAtRisk } from "../src/protocol/slashing.ts";
import { isProtocolError } from "../src/protocol/errors.ts";
import { cloneState } from "../src/protocol/genesis.ts";

const COUNTS = (process.env.ENTRIES ?? "0,10000,100000,1000000").split(",").map(Number);
const BLOCKS = 20;
const SPAMMER = addr("bench/spammer");
/** Another miner: slashing it scans the spammer's entries too. */
const VICTIM = addr("bench/victim");
const VAL = addr("bench/val0");
/** Sybil accounts of the entries beyond the cap (only state keys here: never decoded as addresses). */
const SYBIL = "bench/sybil";
const REMES = UREMES_PER_REMES;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const n of COUNTS) {
  const genesis = create(GenesisStateSchema, {
    params: defaultParams(),
    accounts: [
      { address: SPAMMER, balance: 10_000n * REMES },
      { address: VICTIM, balance: 10_000n * REMES },
      { address: VAL, balance: 0n },
    ],
    roles: [
      { address: SPAMMER, role: Role.MINER, stake: 2_000n * REMES, gpuArch: GpuArch.AMPERE },
      { address: VICTIM, role: Role.MINER, stake: 2_000n * REMES, gpuArch: GpuArch.AMPERE },
      {
        address: VAL,
        role: Role.VALIDATOR,
        stake: 20_000n * REMES,
        pubkey: hashParts("sim/pubkey", "val0"),
      },
    ],
  });
  const state = initChain(genesis);
  if (isProtocolError(state)) throw new Error(state.message);
  const far = state.params.unbondingBlocks;
  // Through decide, as a spammer would: the cap stops it at max_unbonding_entries.
  const ctx0 = {
    height: 1,
    timeMs: 5_000n,
    blockHash: hashParts("bench/block", 0),
    beacon: hashParts("bench/beacon", 0),
    beaconOutput: new Uint8Array(0),
    proposer: VAL,
    lastCommit: [],
    misbehavior: [],
  };
  let opened = 0;
  for (let i = 0; i < Math.min(n, 1_000); i++) {
    const d = decide(
      state,
      command("unbond", { address: SPAMMER, role: Role.MINER, amount: 1n }),
      ctx0,
    );
    if (isProtocolError(d)) continue;
    for (const e of d) evolve(state, e);
    opened++;
  }
  // The rest as sybils of 7 entries each, put straight into the state (as a decoded snapshot would hold them).
  for (let i = opened; i < n; i++) {
    const id = state.counters.nextUnbondingId++;
    state.unbonding.set(id, {
      id,
      address: `${SYBIL}${Math.floor(i / 7)}`,
      role: Role.MINER,
      amount: 1n,
      completionHeight: far + (i % 1_000),
    });
  }
  let appHash: Uint8Array = new Uint8Array(32);
  const blockMs: number[] = [];
  for (let h = 1; h <= BLOCKS; h++) {
    const ctx = {
      height: h,
      timeMs: BigInt(h) * 5_000n,
      blockHash: hashParts("bench/block", h),
      beacon: hashParts("bench/beacon", h),
      beaconOutput: new Uint8Array(0),
      proposer: VAL,
      lastCommit: [{ address: VAL, signed: true }],
      misbehavior: [],
    };
    const t0 = performance.now();
    appHash = applyBlock(state, ctx, [], appHash).appHash;
    blockMs.push(performance.now() - t0);
  }
  const slashMs = (who: string): number => {
    const ms: number[] = [];
    for (let k = 0; k < 5; k++) {
      const copy = cloneState(state);
      stakeAtRisk(copy, Role.MINER, who); // the copy's index is built once (derived state), outside the timer
      const t0 = performance.now();
      const e = slash(copy, who, Role.MINER, Offence.LAZY_MINING, `bench/${k}`, 5_000);
      if (e) evolve(copy, e);
      ms.push(performance.now() - t0);
    }
    return Number(median(ms).toFixed(3));
  };
  console.log(
    JSON.stringify({
      entries: n,
      spammer_entries_opened: opened,
      block_ms_median: Number(median(blockMs).toFixed(3)),
      slash_spammer_ms_median: slashMs(SPAMMER),
      slash_sybil_ms_median: slashMs(`${SYBIL}0`),
      slash_other_miner_ms_median: slashMs(VICTIM),
    }),
  );
}

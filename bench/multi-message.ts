/**
 * A 2-message transaction at 20,000 miners (issue 13): before, `applyTx`
 * copied the whole state (`structuredClone`) for any tx with two or more
 * messages, in CheckTx and again in FinalizeBlock; now it evolves through an
 * undo journal (src/protocol/journal.ts). The "before" figures run the old
 * clone-based applyTx, kept here as `cloneApplyTx`, on the same state.
 *
 *   npx tsx bench/multi-message.ts        (MINERS=20000 to choose)
 *
 * Prints one JSON line: median ms of a 2-message tx (two sends) that
 * succeeds and one whose second message fails, before (clone) and after
 * (journal), and of CheckTx's dry run (journal, always undone).
 */
import { create } from "@bufbuild/protobuf";
import { GenesisStateSchema } from "../src/gen/remes/v1/genesis_pb.ts";
import { GpuArch, Role } from "../src/gen/remes/v1/types_pb.ts";
import { labelAddress as addr } from "../src/protocol/address.ts";
import { command, type ProtocolCommand } from "../src/protocol/commands.ts";
import type { BlockContext } from "../src/protocol/context.ts";
import { isProtocolError } from "../src/protocol/errors.ts";
import type { ProtocolEvent } from "../src/protocol/events.ts";
import { cloneState, initChain } from "../src/protocol/genesis.ts";
import { applyTx, decide, dryRunTx, evolve } from "../src/protocol/machine.ts";
import { defaultParams, UREMES_PER_REMES } from "../src/protocol/params.ts";
import { hashParts } from "../src/protocol/randomness.ts";
import type { State } from "../src/protocol/state.ts";

const MINERS = Number(process.env.MINERS ?? 20_000);
const RUNS = 31;
const REMES = UREMES_PER_REMES;

/** The applyTx of before issue 13: a copy of the state per multi-message tx. */
const cloneApplyTx = (state: State, msgs: readonly ProtocolCommand[], ctx: BlockContext): State => {
  const target = cloneState(state);
  const events: ProtocolEvent[] = [];
  for (const m of msgs) {
    const d = decide(target, m, ctx);
    if (isProtocolError(d)) return state;
    for (const e of d) {
      evolve(target, e);
      events.push(e);
    }
  }
  return target;
};

const miners = Array.from({ length: MINERS }, (_, i) => addr(`bench/miner${i}`));
const val = addr("bench/val0");
const state = initChain(
  create(GenesisStateSchema, {
    params: defaultParams(),
    accounts: [
      ...miners.map((address) => ({ address, balance: 10_000n * REMES })),
      { address: val, balance: 0n },
    ],
    roles: [
      ...miners.map((address) => ({
        address,
        role: Role.MINER,
        stake: 2_000n * REMES,
        gpuArch: GpuArch.AMPERE,
      })),
      {
        address: val,
        role: Role.VALIDATOR,
        stake: 20_000n * REMES,
        pubkey: hashParts("bench/pubkey", 0),
      },
    ],
  }),
);
if (isProtocolError(state)) throw new Error(state.message);
const ctx: BlockContext = {
  height: 1,
  timeMs: 5_000n,
  blockHash: hashParts("bench/block", 1),
  beacon: hashParts("bench/beacon", 1),
  beaconOutput: new Uint8Array(0),
  proposer: val,
  lastCommit: [],
  misbehavior: [],
};

const send = (from: number, to: number, amount: bigint) =>
  command("send", { fromAddress: miners[from]!, toAddress: miners[to]!, amount });
const ok = (k: number) => [send(k, k + 1, 1n), send(k + 1, k + 2, 1n)];
const failing = (k: number) => [send(k, k + 1, 1n), send(k + 1, k + 2, 10n ** 15n)];

const median = (f: (k: number) => void): number => {
  const ms: number[] = [];
  for (let k = 0; k < RUNS; k++) {
    const t0 = performance.now();
    f(k);
    ms.push(performance.now() - t0);
  }
  return Number(ms.sort((a, b) => a - b)[RUNS >> 1]!.toFixed(3));
};

let s: State = state;
const before_ok = median((k) => (s = cloneApplyTx(s, ok(k), ctx)));
const before_fail = median((k) => (s = cloneApplyTx(s, failing(k), ctx)));
const after_ok = median((k) => void applyTx(s, ok(k), ctx));
const after_fail = median((k) => void applyTx(s, failing(k), ctx));
const after_check = median((k) => void dryRunTx(s, ok(k), ctx));
console.log(
  JSON.stringify({
    miners: MINERS,
    tx_2msg_ok_ms_before_clone: before_ok,
    tx_2msg_fail_ms_before_clone: before_fail,
    tx_2msg_ok_ms_after_journal: after_ok,
    tx_2msg_fail_ms_after_journal: after_fail,
    checktx_2msg_ms_after_journal: after_check,
  }),
);

/**
 * Protocol throughput benchmark: a synthetic chain of 10,000 miners driven
 * through the real state machine by MockChain, then measured in parts.
 *
 *   npx tsx bench/protocol.ts        (npm run bench:protocol)
 *
 * Prints one JSON line. Figures:
 * - commands_per_s: commands decided + evolved per second (`applyTx`, one
 *   message per transaction, i.e. decide then evolve in place), measured in a
 *   second run of the same blocks; begin/end-block steps are replayed from the
 *   recorded log outside the timer and no app hash is computed.
 * - events_per_s: `evolveAll(initChain(genesis), log)` over the whole
 *   recorded event log, repeated for ≥ 1 s (initChain outside the timer).
 * - encode_events_per_s: `encodeEvent` over the log.
 * - apphash_events_per_s: `nextAppHash` per block over each block's events.
 * - block_*: the recording run itself (full applyBlock incl. steps + app hash).
 * - command_us_by_case: µs per command in applyTx, by case (same run as commands_per_s).
 * - address_check_us_per_command: decide's address check alone (address.ts), per command.
 * - rss_mb: peak RSS of the process.
 *
 * Scenario: genesis with 10,000 bonded AMPERE miners, 4 validators, 1
 * proposer; window_blocks 100, total_shards 1024. In each of WINDOWS windows
 * every miner submits its assigned shard's gradient (a few lazy miners
 * disagree with their shard peers, so tier 1 disputes them, validators vote
 * the loss check and tier-3 panels rule), miners send each other transfers,
 * the drawn proposer commits and reveals the aggregate, and the chain runs
 * until the last window settles (rewards paid, vault fed).
 */
import { create } from "@bufbuild/protobuf";
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { GenesisStateSchema, type GenesisState } from "../src/gen/remes/v1/genesis_pb.ts";
import { ParamsSchema } from "../src/gen/remes/v1/params_pb.ts";
import { AggregationMethod, GpuArch, Role } from "../src/gen/remes/v1/types_pb.ts";
import { aggregationCommitment, gradientRoot } from "../src/protocol/aggregation.ts";
import { nextAppHash, stateRoot } from "../src/protocol/apphash.ts";
import { encodeEvent } from "../src/protocol/codec.ts";
import { command, type ProtocolCommand } from "../src/protocol/commands.ts";
import type { ValidatorVote } from "../src/protocol/context.ts";
import { isProtocolError } from "../src/protocol/errors.ts";
import type { ProtocolEvent } from "../src/protocol/events.ts";
import { initChain } from "../src/protocol/genesis.ts";
import { applyTx, evolve, evolveAll } from "../src/protocol/machine.ts";
import { merkleRoot } from "../src/protocol/merkle.ts";
import { gradientCommitment } from "../src/protocol/gradient-commits.ts";
import { defaultParams, UREMES_PER_REMES } from "../src/protocol/params.ts";
import { hashParts } from "../src/protocol/randomness.ts";
import type { State } from "../src/protocol/state.ts";
import { submissionsOf } from "../src/protocol/submissions.ts";
import { MockChain, type BlockOptions } from "../src/protocol/testing/chain.ts";
import { addressFieldsProblem, labelAddress as addr } from "../src/protocol/address.ts";

const MINERS = Number(process.env.BENCH_MINERS ?? 10_000);
const WINDOWS = Number(process.env.BENCH_WINDOWS ?? 3);
const SENDS_PER_WINDOW = Number(process.env.BENCH_SENDS ?? 40_000);
const SUBMIT_BLOCKS = 10; // submissions and sends are spread over the first blocks of a window
const LAZY_EVERY = 499; // miner i is lazy when i % LAZY_EVERY === 7
const MIN_REPLAY_MS = 1_500;
const REMES = UREMES_PER_REMES;

const validators = [addr("remes1val0"), addr("remes1val1"), addr("remes1val2"), addr("remes1val3")];
const proposer = addr("remes1prop0");
const miners = Array.from({ length: MINERS }, (_, i) =>
  addr(`remes1miner${String(i).padStart(5, "0")}`),
);
const lazy = new Set(miners.filter((_, i) => i % LAZY_EVERY === 7));

const genesis: GenesisState = create(GenesisStateSchema, {
  params: create(ParamsSchema, {
    ...defaultParams(),
    windowBlocks: 100,
    totalShards: 1024,
    daSampleRateBps: 1,
  }), // 1: the least sampling validateParams accepts
  accounts: [...validators, proposer, ...miners].map((address) => ({
    address,
    balance: 100_000n * REMES,
  })),
  roles: [
    ...validators.map((address, i) => ({
      address,
      role: Role.VALIDATOR,
      stake: BigInt(40_000 - i * 5_000) * REMES,
      pubkey: new Uint8Array(32).fill(i + 1),
    })),
    { address: proposer, role: Role.PROPOSER, stake: 10_000n * REMES },
    ...miners.map((address) => ({
      address,
      role: Role.MINER,
      stake: 4_000n * REMES,
      gpuArch: GpuArch.AMPERE,
    })),
  ],
  vault: Array.from({ length: 16 }, (_, i) => ({
    gradientHash: sha256(utf8ToBytes(`genesis-vault-${i}`)),
  })),
});

const blockOpts: BlockOptions = {
  lastCommit: validators.map((address): ValidatorVote => ({ address, signed: true })),
  proposer: validators[0]!,
};

const honestGradient = (window: number, shard: number) =>
  sha256(utf8ToBytes(`gradient/${window}/${shard}`));
const cidOf = (hash: Uint8Array) => CID.createV1(0x55, Digest.create(0x12, hash)).toString();
const lossOf = (window: number, shard: number) =>
  2_000_000n + BigInt(shard) * 1_000n - BigInt(window) * 10_000n;

const freshState = (): State => {
  const s = initChain(genesis);
  if (isProtocolError(s)) throw new Error(`invalid genesis: ${s.message}`);
  return s;
};

// --- scenario: the transactions of the next block, from the current state ---

const voted = new Set<string>();
const aggDone = new Set<string>();

const postCloseCommands = (state: State): ProtocolCommand[] => {
  const out: ProtocolCommand[] = [];
  for (const d of state.disputes.values()) {
    const s = state.submissions.get(d.subjectId);
    if (!s) continue;
    if (d.tier === 2) {
      for (const validator of validators) {
        const key = `${d.id}/2/${validator}`;
        if (validator === s.miner || voted.has(key)) continue;
        voted.add(key);
        out.push(
          command("voteLossCheck", {
            validator,
            disputeId: d.id,
            computedLossMicro: lossOf(s.window, s.shard),
          }),
        );
      }
    } else if (d.tier === 3) {
      for (const validator of d.panel) {
        const key = `${d.id}/3/${validator}`;
        if (voted.has(key)) continue;
        voted.add(key);
        // The panel recomputes the shard's honest gradient; the chain compares it with the submission's.
        const recomputedHash = honestGradient(s.window, s.shard);
        out.push(
          command("submitArbitrationVerdict", {
            validator,
            disputeId: d.id,
            valid: Buffer.compare(recomputedHash, s.gradientHash) === 0,
            recomputedHash,
          }),
        );
      }
    }
  }
  for (const w of state.windows.values()) {
    const agg = w.aggregation;
    if (!agg || agg.fault !== undefined || agg.revealed) continue;
    const included = submissionsOf(state, w.window).filter((s) => !lazy.has(s.miner));
    const root = gradientRoot(included.map((s) => s.gradientHash));
    const cid = cidOf(sha256(root));
    const salt = hashParts("agg-salt", "bench", w.window);
    if (!agg.commitment && !aggDone.has(`c${w.window}`)) {
      aggDone.add(`c${w.window}`);
      out.push(
        command("commitAggregation", {
          proposer: agg.proposer,
          window: w.window,
          commitment: aggregationCommitment(w.window, cid, root, AggregationMethod.MEDIAN, salt),
        }),
      );
    } else if (agg.commitment && !aggDone.has(`r${w.window}`)) {
      aggDone.add(`r${w.window}`);
      out.push(
        command("submitAggregation", {
          proposer: agg.proposer,
          window: w.window,
          aggregatedCid: cid,
          merkleRoot: root,
          submissionIds: included.map((s) => s.id),
          method: AggregationMethod.MEDIAN,
          salt,
        }),
      );
    }
  }
  return out;
};

/** A miner's submission for its shard (honest, or a lazy miner's made-up hash), salted for its commitment. */
const gradientOf = (miner: string, window: number, shard: number): ProtocolCommand => {
  const isLazy = lazy.has(miner);
  const hash = isLazy ? hashParts("lazy", miner, window) : honestGradient(window, shard);
  return command("submitGradient", {
    miner,
    window,
    shard,
    gradientCid: cidOf(hash),
    gradientHash: hash,
    daRoot: merkleRoot([hash]),
    sizeBytes: 1_000n,
    claimedLossMicro: isLazy ? 100_000n : lossOf(window, shard),
    gpuArch: GpuArch.AMPERE,
    kernelVersion: "bitnet-cpu/1",
    salt: hashParts("bench/salt", miner, window),
  });
};

const windowCommands = (state: State, height: number): ProtocolCommand[] => {
  const out: ProtocolCommand[] = [];
  for (const w of state.windows.values()) {
    if (w.closed || w.window >= WINDOWS) continue;
    const k = height - w.startHeight - 1; // commit blocks 0..SUBMIT_BLOCKS-1 after the opening block
    // Reveals (gradient-commits.ts) follow the window's last block, spread the same way over the reveal period.
    const revealBlocks = Math.min(SUBMIT_BLOCKS, state.params.gradientRevealBlocks);
    const r = height - w.commitEndHeight - 1;
    const assigned = [...w.assignment].sort(([a], [b]) => (a < b ? -1 : 1));
    if (r >= 0 && r < revealBlocks) {
      const per = Math.ceil(assigned.length / revealBlocks);
      for (const [miner, shard] of assigned.slice(r * per, (r + 1) * per))
        out.push(gradientOf(miner, w.window, shard));
    }
    if (k < 0 || k >= SUBMIT_BLOCKS) continue;
    const per = Math.ceil(assigned.length / SUBMIT_BLOCKS);
    for (const [miner, shard] of assigned.slice(k * per, (k + 1) * per)) {
      const sub = gradientOf(miner, w.window, shard);
      if (sub.case === "submitGradient")
        out.push(
          command("commitGradient", {
            miner,
            window: w.window,
            shard,
            commitment: gradientCommitment(sub.value),
          }),
        );
    }
    const sends = Math.ceil(SENDS_PER_WINDOW / SUBMIT_BLOCKS);
    for (let j = 0; j < sends; j++) {
      const n = (w.window * SENDS_PER_WINDOW + k * sends + j) * 7919;
      out.push(
        command("send", {
          fromAddress: miners[n % MINERS]!,
          toAddress: miners[(n + 1 + (j % 97)) % MINERS]!,
          amount: 1_000n + BigInt(j % 1000),
        }),
      );
    }
  }
  return out;
};

// --- run 1: record (full applyBlock: steps + txs + app hash) ---

interface Recorded {
  readonly height: number;
  readonly txs: ProtocolCommand[][];
  /** Index in the block's events of the first tx event, and the count of tx events. */
  readonly txStart: number;
  readonly txEvents: number;
}

const record = () => {
  voted.clear();
  aggDone.clear();
  const chain = new MockChain(genesis, "bench");
  const blocks: Recorded[] = [];
  let failed = 0;
  let commands = 0;
  let blockMs = 0;
  const failures = new Map<string, number>();
  for (;;) {
    const height = chain.height + 1;
    const cmds = [...postCloseCommands(chain.state), ...windowCommands(chain.state, height)];
    const txs = cmds.map((c) => [c]);
    const t0 = performance.now();
    const r = chain.block(txs, blockOpts);
    blockMs += performance.now() - t0;
    commands += cmds.length;
    let txEvents = 0;
    let txStart = -1;
    r.txResults.forEach((t, i) => {
      if (t.code !== 0) {
        failed++;
        const k = `${cmds[i]!.case}: ${t.log.slice(0, 120)}`;
        failures.set(k, (failures.get(k) ?? 0) + 1);
      }
      if (txStart < 0 && t.events.length > 0) txStart = r.events.indexOf(t.events[0]!);
      txEvents += t.events.length;
    });
    blocks.push({ height, txs, txStart, txEvents });
    const last = chain.state.windows.get(WINDOWS - 1);
    if (chain.state.nextWindow > WINDOWS && !last) break; // the last window has settled and been pruned
    if (height > WINDOWS * 100 + 1_000) throw new Error("scenario did not settle");
  }
  return { chain, blocks, failed, commands, blockMs, failures };
};

// --- run 2: commands (decide + evolve via applyTx), block steps replayed untimed ---

const measureCommands = (chain: MockChain, blocks: readonly Recorded[]) => {
  let state = freshState();
  let ms = 0;
  let commands = 0;
  let failed = 0;
  /** Per command case, ms in applyTx (single-message txs). */
  const byCase = new Map<string, number>();
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    const events = chain.log[i]!;
    const ctx = chain.context(b.height, blockOpts);
    const begin = b.txStart < 0 ? events.length : b.txStart;
    for (let j = 0; j < begin; j++) evolve(state, events[j]!);
    if (b.txs.length > 0) {
      for (const tx of b.txs) {
        const t0 = performance.now();
        const r = applyTx(state, tx, ctx);
        const dt = performance.now() - t0;
        ms += dt;
        const c = tx[0]!.case;
        byCase.set(c, (byCase.get(c) ?? 0) + dt);
        state = r.state;
        if (r.result.code !== 0) failed++;
      }
      commands += b.txs.length;
    }
    if (b.txStart >= 0)
      for (let j = b.txStart + b.txEvents; j < events.length; j++) evolve(state, events[j]!);
  }
  return { state, ms, commands, failed, byCase };
};

/** decide's address check alone (address.ts, warm memo as in a run), per command: its share of applyTx's cost. */
const measureAddressCheck = (blocks: readonly Recorded[], minMs: number) => {
  const cmds = blocks.flatMap((b) => b.txs.flat());
  let ms = 0;
  let reps = 0;
  let bad = 0;
  while (ms < minMs || reps < 3) {
    const t0 = performance.now();
    for (const c of cmds) if (addressFieldsProblem(c) !== undefined) bad++;
    ms += performance.now() - t0;
    reps++;
  }
  if (bad > 0) throw new Error("the bench's commands hold invalid addresses");
  return { usPerCommand: (ms * 1000) / (cmds.length * reps) };
};

// --- run 3..: replay, encode, app hash ---

const measureReplay = (log: readonly ProtocolEvent[], minMs: number) => {
  let ms = 0;
  let reps = 0;
  let state: State | undefined;
  while (ms < minMs || reps < 3) {
    const s = freshState();
    const t0 = performance.now();
    evolveAll(s, log);
    ms += performance.now() - t0;
    reps++;
    state = s;
  }
  return { ms, reps, state: state! };
};

/** One more replay timing each event case on its own (diagnostic: where the fold's time goes). */
const replayByCase = (log: readonly ProtocolEvent[]) => {
  const s = freshState();
  const ms = new Map<string, number>();
  for (const e of log) {
    const t0 = performance.now();
    evolve(s, e);
    ms.set(e.case, (ms.get(e.case) ?? 0) + performance.now() - t0);
  }
  return Object.fromEntries(
    [...ms]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([k, v]) => [k, +v.toFixed(1)]),
  );
};

const measureEncode = (log: readonly ProtocolEvent[], minMs: number) => {
  let ms = 0;
  let reps = 0;
  let bytes = 0;
  while (ms < minMs || reps < 2) {
    bytes = 0;
    const t0 = performance.now();
    for (const e of log) bytes += encodeEvent(e).length;
    ms += performance.now() - t0;
    reps++;
  }
  return { ms, reps, bytes };
};

const measureAppHash = (blocks: readonly (readonly ProtocolEvent[])[], minMs: number) => {
  let ms = 0;
  let reps = 0;
  let hash: Uint8Array = new Uint8Array(32);
  while (ms < minMs || reps < 2) {
    hash = new Uint8Array(32);
    const t0 = performance.now();
    for (const events of blocks) hash = nextAppHash(hash, events);
    ms += performance.now() - t0;
    reps++;
  }
  return { ms, reps };
};

const tStart = performance.now();
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

// Warm-up: a full recording run plus one pass of each measurement.
const warm = record();
const warmLog = warm.chain.log.flat();
measureCommands(warm.chain, warm.blocks);
measureReplay(warmLog, 0);
measureEncode(warmLog.slice(0, 50_000), 0);
measureAppHash(warm.chain.log.slice(0, 20), 0);

const rec = record();
const log = rec.chain.log.flat();
if (log.length !== warmLog.length) throw new Error("non-deterministic scenario");
const cmd = measureCommands(rec.chain, rec.blocks);
const finalRoot = hex(stateRoot(rec.chain.state));
if (hex(stateRoot(cmd.state)) !== finalRoot)
  throw new Error("command run diverged from the recorded chain");
const replay = measureReplay(log, MIN_REPLAY_MS);
if (hex(stateRoot(replay.state)) !== finalRoot)
  throw new Error("replay diverged from the recorded chain");
const byCase = replayByCase(log);
const addrCheck = measureAddressCheck(rec.blocks, 500);
const enc = measureEncode(log, 1_000);
const ah = measureAppHash(rec.chain.log, 1_000);

const counts = new Map<string, number>();
for (const e of log) counts.set(e.case, (counts.get(e.case) ?? 0) + 1);
const cmdCounts = new Map<string, number>();
for (const b of rec.blocks)
  for (const tx of b.txs)
    for (const c of tx) cmdCounts.set(c.case, (cmdCounts.get(c.case) ?? 0) + 1);

const round = (x: number) => Math.round(x);
const out = {
  bench: "protocol",
  events_per_s: round((log.length * replay.reps) / (replay.ms / 1000)),
  commands_per_s: round(cmd.commands / (cmd.ms / 1000)),
  rss_mb: round(process.resourceUsage().maxRSS / 1024),
  encode_events_per_s: round((log.length * enc.reps) / (enc.ms / 1000)),
  encode_mb_per_s: +((enc.bytes * enc.reps) / 1e6 / (enc.ms / 1000)).toFixed(1),
  apphash_events_per_s: round((log.length * ah.reps) / (ah.ms / 1000)),
  block_commands_per_s: round(rec.commands / (rec.blockMs / 1000)),
  block_events_per_s: round(log.length / (rec.blockMs / 1000)),
  miners: MINERS,
  windows: WINDOWS,
  blocks: rec.blocks.length,
  events: log.length,
  event_bytes: enc.bytes,
  commands: cmd.commands,
  commands_failed: cmd.failed,
  replay_reps: replay.reps,
  replay_ms: +(replay.ms / replay.reps).toFixed(1),
  replay_top_cases_ms: byCase,
  command_counts: Object.fromEntries([...cmdCounts].sort()),
  command_us_by_case: Object.fromEntries(
    [...cmd.byCase].sort().map(([c, ms]) => [c, +((ms * 1000) / cmdCounts.get(c)!).toFixed(2)]),
  ),
  address_check_us_per_command: +addrCheck.usPerCommand.toFixed(3),
  event_counts: Object.fromEntries([...counts].sort()),
  ...(rec.failed > 0 ? { failures: Object.fromEntries(rec.failures) } : {}),
  runtime_s: +((performance.now() - tStart) / 1000).toFixed(1),
  node: process.version,
};
console.log(JSON.stringify(out));

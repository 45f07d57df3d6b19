/**
 * The app's CPU per signed tx, in process (npm run bench:app): no CometBFT,
 * no load generator, no socket, so the figures are the app's alone and
 * stable on a loaded host (bench/node.ts's end-to-end figures swing ±50%).
 *
 * The workload is bench/node.ts's (bench/workload.ts): BENCH_MINERS miners
 * (default 10,000) registered at genesis (`node init`'s home and genesis, as
 * there), block 1 made as CometBFT makes it, then every miner's signed
 * window-0 gradient commitment, after a warm-up flood of BENCH_APP_WARMUP
 * (default 5,000) more miners' commitments, unmeasured. Each request goes through what the socket
 * server does with a frame it read (server.ts's `answerFrame`: decoding,
 * the handler `node app` serves — run.ts's `appHandler`, its collector
 * included — and the response's frame), from request bytes encoded before
 * the clock starts. The flow is CometBFT's: CheckTx NEW of every tx (or of
 * a wave of them before each block: BENCH_APP_WAVE), then
 * blocks until all are committed — PrepareProposal with the mempool's txs
 * up to the block's data bytes, ProcessProposal of what it proposed,
 * FinalizeBlock, Commit (and the collection it schedules), then RECHECK of
 * every tx still in the mempool.
 *
 * It runs itself in a child Node process with `node app`'s V8 flags and
 * malloc settings (run.ts's appProcess), bundled by esbuild as the node's
 * code is (bin/lean.js). Prints one JSON line:
 *   app_cpu_us_per_tx  process CPU (user + system) of all phases / committed txs
 *   phases_us_per_tx   the same per phase (CheckTx NEW, RECHECK, Prepare/ProcessProposal, FinalizeBlock,
 *                      Commit, and "collect": the collection run.ts runs after a Commit)
 *   gc_us_per_tx       time in V8 collections (perf_hooks 'gc' entries) / committed txs; gc_by_kind
 *                      (count and ms of minor, major, … collections), gc_by_phase_us_per_tx
 *   heap_used_mb       V8 heap in use at the end; rss_mb the resident set then, rss_peak_mb its peak (VmHWM):
 *                      the bench's process, so both count the bench's own txs and requests besides the app
 *   app_hash           the final app hash: the same before and after any speed change
 * BENCH_APP_PROFILE=FILE writes a V8 CPU profile of the measured part
 * (`node scripts/cpuprofile-top.mjs FILE`), BENCH_APP_HEAP_PROFILE=FILE a
 * sampling heap profile of what it allocates (a .heapprofile, collected
 * objects included: `node scripts/heapprofile-top.mjs FILE`).
 * Every tx must be admitted and committed with code 0, or the bench fails.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as inspector from "node:inspector/promises";
import * as os from "node:os";
import * as path from "node:path";
import { constants as perfConstants, PerformanceObserver } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import {
  CheckTxType,
  Request,
  Response,
  ResponseProcessProposal_ProposalStatus,
} from "cosmjs-types/tendermint/abci/types";
import { RemesApp } from "../src/node/app.ts";
import { beaconOfBlock, consensusSecretKeyOf } from "../src/node/beacon.ts";
import { FrameReader } from "../src/node/framing.ts";
import { dataBytesOf } from "../src/node/mempool.ts";
import { DEFAULT_BLOCK_MAX_BYTES, defaultInit, initHome } from "../src/node/home.ts";
import { parseRfc3339 } from "../src/node/replay.ts";
import { appDbPath, appHandler, appProcess, minGasPriceOf } from "../src/node/run.ts";
import { secp256k1Backend } from "../src/node/secp256k1.ts";
import { answerFrame, type AbciHandler } from "../src/node/server.ts";
import { consensusAddress, finalizeBlockRequest } from "../src/node/testing/test-node.ts";
import { defaultParams } from "../src/protocol/params.ts";
import { hashParts } from "../src/protocol/randomness.ts";
import type { TxKey } from "../src/node/sign.ts";
import { cometKey, privValidatorKeyJson } from "../src/testnet/manifests.ts";
import { CHAIN_ID, genesisExtra, minerKeys, shardsOf, signCommitments } from "./workload.ts";

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), "..");

/** Node's flags without tsx's loader (`--require …/tsx/…`, `--import …/tsx/…`): the child runs the bundle. */
const withoutTsx = (args: readonly string[]): string[] =>
  args.filter((a, i) => !a.includes("tsx") && !args[i + 1]?.includes("tsx"));

/** This file bundled by esbuild into node_modules/.cache/r3mes-bench (src/node's import.meta.url resolves from there as in the node's bundle). */
async function bundle(): Promise<string> {
  const esbuild = await import("esbuild");
  const out = path.join(root, "node_modules", ".cache", "r3mes-bench", "app.mjs");
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: [self],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    outfile: out,
    // npm packages load from node_modules (the testnet helpers this imports bring native ones esbuild cannot bundle).
    packages: "external",
    logLevel: "error",
    define: { "import.meta.url": "__benchNodeUrl" },
    banner: {
      js: [
        'import { createRequire as __benchCreateRequire } from "node:module";',
        "const require = __benchCreateRequire(import.meta.url);",
        'const __benchNodeUrl = new URL("../../../src/node/main.ts", import.meta.url).href;',
      ].join("\n"),
    },
  });
  return out;
}

// Run in a child with the app process's V8 flags and environment (the collector's work depends on them), from an
// esbuild bundle built as bin/lean.js builds the node's (no tsx loader, no keepNames wrappers: the same code shape
// the node runs, and profiles name every function).
if (process.env.R3MES_BENCH_APP_CHILD === undefined) {
  const spec = appProcess(os.tmpdir(), 100);
  const v8Flags = spec.args.slice(
    0,
    spec.args.findIndex((a) => !a.startsWith("--")),
  );
  const r = spawnSync(
    process.execPath,
    [...v8Flags, ...withoutTsx(process.execArgv), await bundle(), ...process.argv.slice(2)],
    { cwd: root, stdio: "inherit", env: { ...spec.env, R3MES_BENCH_APP_CHILD: "1" } },
  );
  process.exit(r.status ?? 1);
}

const MINERS = Number(process.env.BENCH_MINERS || 10_000);
/**
 * BENCH_APP_WARMUP=N (default 5,000): N more miners' commitments go through
 * the same flow first, unmeasured, as bench:node's warm-up flood does: a
 * serving node's figures, not V8 compiling the hot code (at 10,000 txs a
 * cold run counted ~150–200 ms of compiler threads' CPU, ~15 µs per tx).
 * 0 measures a cold process.
 */
const WARMUP = Number(process.env.BENCH_APP_WARMUP ?? 5_000);
/**
 * BENCH_APP_WAVE=N: the flood arrives in waves of N txs, one before each
 * block (N ≈ bench:node's submissions per block, ~1,500–2,500 there, mimics
 * its chain: more, smaller blocks, each with its Commit and collection);
 * by default every tx is checked before the first block.
 */
const WAVE = Math.max(1, Number(process.env.BENCH_APP_WAVE || MINERS));
const say = (s: string) =>
  process.stderr.write(`${process.stderr.isTTY ? "\r\x1b[K" : ""}bench:app: ${s}\n`);

/**
 * CometBFT's data bytes of a block (types.MaxDataBytes): block.max_bytes
 * less the block's overhead (11), the largest header (626) and a one-
 * validator commit (94 + 109), no evidence pending.
 */
const MAX_DATA_BYTES = DEFAULT_BLOCK_MAX_BYTES - 11 - 626 - (94 + 109);

const home = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-bench-app-"));
/** The miners' keys, dropped once their txs are signed (the full collections' cost grows with the live heap). */
let keys: TxKey[] | undefined = minerKeys(WARMUP + MINERS, "miner");
say(`${WARMUP} + ${MINERS} miners (warm-up + measured); initialising a home in ${home}`);
// A fixed consensus key (cometbft init keeps one it finds), dev account and genesis time: the same app hash every run.
const validatorSeed = sha256(new TextEncoder().encode("r3mes/bench/app/validator"));
fs.mkdirSync(path.join(home, "config"), { recursive: true });
fs.mkdirSync(path.join(home, "data"), { recursive: true });
fs.writeFileSync(
  path.join(home, "config", "priv_validator_key.json"),
  privValidatorKeyJson(cometKey(validatorSeed)),
);
fs.writeFileSync(
  path.join(home, "data", "priv_validator_state.json"),
  JSON.stringify({ height: "0", round: 0, step: 0 }),
);
await initHome({
  ...defaultInit(home),
  mnemonic: `${"abandon ".repeat(23)}art`,
  chainId: CHAIN_ID,
  params: { windowBlocks: 150, daSampleRateBps: 1 }, // bench/node.ts's chain
  genesisExtra: genesisExtra(keys!),
});
const genesis = JSON.parse(fs.readFileSync(path.join(home, "config/genesis.json"), "utf8")) as {
  app_state: unknown;
};
const secretKey = consensusSecretKeyOf(home)!;
const proposer = consensusAddress(secretKey);
const app = new RemesApp({
  dbPath: appDbPath(home),
  snapshotInterval: 100,
  minGasPrice: minGasPriceOf(home),
  beaconKey: secretKey,
});
const handler: AbciHandler = appHandler(app);

/** One request through the server's path: its bytes in, the response's frame out (decoded here only to check it). */
const call = async (bytes: Uint8Array): Promise<Uint8Array> => answerFrame(bytes, handler);
const decode = (out: Uint8Array): Response => {
  const frames = new FrameReader().push(out);
  if (frames.length !== 1) throw new Error("not one response frame");
  return Response.decode(frames[0]!);
};
/**
 * The response's own checking reads protobuf fields in place: the field at
 * `at` (its number, and its varint value or its bytes as [from, to)), with
 * no generator, tuple or view per field — the harness's garbage feeds the
 * scavenges of the phases it measures (decoding every event's strings
 * allocated more than the app did; a generator per message and a tuple and
 * view per field still ~3 KB per tx).
 */
let at = 0;
let fieldValue = 0;
let fieldFrom = 0;
let fieldTo = 0;
const varintAt = (b: Uint8Array): number => {
  let v = 0;
  for (let scale = 1; ; scale *= 128) {
    const x = b[at++]!;
    v += (x & 0x7f) * scale;
    if ((x & 0x80) === 0) return v;
  }
};
/** Reads the field at `at`: returns its number; its varint value or its bytes' [from, to) in the variables above. */
const nextField = (b: Uint8Array): number => {
  const tag = varintAt(b);
  const wire = tag & 7;
  if (wire === 0) fieldValue = varintAt(b);
  else if (wire === 2) {
    const n = varintAt(b);
    fieldFrom = at;
    fieldTo = at + n;
    at = fieldTo;
  } else throw new Error(`wire type ${wire} in a response`);
  return tag >>> 3;
};
/** Past the frame's length prefix (framing.ts: uvarint length, then the bytes); exactly one frame. */
const openFrame = (out: Uint8Array): void => {
  at = 0;
  const n = varintAt(out);
  if (at + n !== out.length) throw new Error("not one response frame");
};
/**
 * The codes of FinalizeBlock's tx results (Response.finalize_block = 21, its
 * tx_results = 2, ExecTxResult.code = 1), read without decoding the rest.
 */
const txCodes = (out: Uint8Array): number[] => {
  openFrame(out);
  const codes: number[] = [];
  while (at < out.length) {
    if (nextField(out) !== 21) continue;
    const end = fieldTo;
    at = fieldFrom;
    while (at < end) {
      if (nextField(out) !== 2) continue;
      const resultEnd = fieldTo;
      at = fieldFrom;
      let code = 0;
      while (at < resultEnd) {
        if (nextField(out) === 1) code = fieldValue;
      }
      codes.push(code);
    }
  }
  return codes;
};
/** A CheckTx response's code (Response.check_tx = 9, ResponseCheckTx.code = 1; 0 when absent), or -1 for another response. */
const checkTxCode = (out: Uint8Array): number => {
  openFrame(out);
  let code = -1;
  while (at < out.length) {
    if (nextField(out) !== 9) continue;
    const end = fieldTo;
    at = fieldFrom;
    code = 0;
    while (at < end) {
      if (nextField(out) === 1) code = fieldValue;
    }
  }
  return code;
};
/** FNV-1a of a tx's bytes: the mempool's txs are found by it (then compared), not by a base64 copy of each. */
const fnv = (t: Uint8Array): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < t.length; i++) h = Math.imul(h ^ t[i]!, 0x01000193);
  return h >>> 0;
};
const encode = (req: Request): Uint8Array => Request.encode(Request.fromPartial(req)).finish();
const ask = async (req: Request): Promise<Response> => {
  const res = decode(await call(encode(req)));
  if (res.exception) throw new Error(`the app answered an exception: ${res.exception.error}`);
  return res;
};
/** After Commit: the collection run.ts schedules (setImmediate) runs before the next request. */
const settle = () => new Promise((r) => setImmediate(r));

const genesisTime = parseRfc3339("2026-01-01T00:00:00Z");
const timeOf = (h: number) => ({ seconds: genesisTime.seconds + BigInt(h), nanos: 0 });
const votes = [{ validator: proposer, signed: true }];

/** A block as CometBFT makes it: PrepareProposal of the reaped txs, ProcessProposal, FinalizeBlock, Commit. */
const blockRequests = (h: number) => {
  const common = {
    height: BigInt(h),
    time: timeOf(h),
    proposerAddress: proposer,
    misbehavior: [],
    nextValidatorsHash: new Uint8Array(0),
  };
  const last = finalizeBlockRequest({ height: h, txs: [], votes: h > 1 ? votes : [] });
  return {
    prepare: (txs: Uint8Array[]) =>
      encode({
        prepareProposal: {
          ...common,
          maxTxBytes: BigInt(MAX_DATA_BYTES),
          txs,
          localLastCommit: {
            round: 0,
            votes: last.decidedLastCommit!.votes.map((v) => ({
              ...v,
              voteExtension: new Uint8Array(0),
              extensionSignature: new Uint8Array(0),
            })),
          },
        },
      } as Request),
    process: (txs: Uint8Array[]) =>
      encode({
        processProposal: {
          ...common,
          txs,
          proposedLastCommit: last.decidedLastCommit,
          hash: hashParts("bench/block", h),
        },
      } as Request),
    finalize: (txs: Uint8Array[]) =>
      encode({
        finalizeBlock: finalizeBlockRequest({
          height: h,
          txs,
          votes: h > 1 ? votes : [],
          hash: hashParts("bench/block", h),
          time: timeOf(h),
          proposerAddress: proposer,
        }),
      } as Request),
    commit: encode({ commit: {} } as Request),
  };
};

await ask({
  initChain: {
    time: genesisTime,
    chainId: CHAIN_ID,
    validators: [],
    appStateBytes: new TextEncoder().encode(JSON.stringify(genesis.app_state)),
    initialHeight: 1n,
  },
} as Request);
await settle();

/** Runs one block of the proposed mempool txs; returns the block's txs (the beacon tx first) and FinalizeBlock's response. */
const phaseCpu = new Map<string, number>();
const phaseSpans: { phase: string; t0: number; t1: number }[] = [];
const timed = async <T>(phase: string, f: () => Promise<T>): Promise<T> => {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const r = await f();
  const c = process.cpuUsage(c0);
  phaseSpans.push({ phase, t0, t1: performance.now() });
  phaseCpu.set(phase, (phaseCpu.get(phase) ?? 0) + c.user + c.system);
  return r;
};

const runBlock = async (h: number, mempool: Uint8Array[]) => {
  const r = blockRequests(h);
  let bytes = 0;
  const reaped: Uint8Array[] = [];
  for (const tx of mempool) {
    if (bytes + dataBytesOf(tx) > MAX_DATA_BYTES) break;
    bytes += dataBytesOf(tx);
    reaped.push(tx);
  }
  const prepareReq = r.prepare(reaped);
  const prepared = decode(await timed("prepare_proposal", () => call(prepareReq)));
  const txs = prepared.prepareProposal!.txs;
  const processReq = r.process(txs);
  const processed = decode(await timed("process_proposal", () => call(processReq)));
  if (processed.processProposal!.status !== ResponseProcessProposal_ProposalStatus.ACCEPT)
    throw new Error(`height ${h}: the app rejected its own proposal`);
  const finalizeReq = r.finalize(txs);
  const finalized = txCodes(await timed("finalize_block", () => call(finalizeReq)));
  await timed("commit", () => call(r.commit));
  await timed("collect", settle); // run.ts's collection after Commit
  if (finalized.length !== txs.length) throw new Error(`height ${h}: not a result per tx`);
  return { txs, codes: finalized };
};

// Block 1 (the beacon tx only): its beacon gives window 0's shards, which the commitments name.
const block1 = await runBlock(1, []);
phaseCpu.clear();
phaseSpans.length = 0;
const shards = shardsOf(
  keys!.map((k) => k.address),
  0,
  beaconOfBlock(1, block1.txs).beacon,
  defaultParams(),
);
const txs = signCommitments(keys!, shards);
keys = undefined;
const txBytes = txs.reduce((n, t) => n + t.length, 0) / txs.length;
// The first WARMUP miners' txs are the warm-up flood, the rest the measured one.
const warm = txs.splice(0, WARMUP);
say(
  `signed ${warm.length} + ${txs.length} gradient commitments (${Math.round(txBytes)} bytes each); warming up`,
);

// CheckTx NEW of a wave of the flood (by default every tx), then blocks until the mempool is empty: after each
// Commit, RECHECK of what the mempool still holds, then CheckTx NEW of the next wave.
let h = 2;
/** CheckTx requests through the app, timed as `phase`; every one must pass (`what(i)` names the i-th in an error). */
const checkAll = async (
  phase: "check_tx" | "recheck_tx",
  reqs: readonly Uint8Array[],
  what: (i: number) => string,
) => {
  const outs = await timed(phase, async () => {
    const out: Uint8Array[] = [];
    for (const req of reqs) out.push(await call(req));
    return out;
  });
  outs.forEach((o, i) => {
    if (checkTxCode(o) === 0) return;
    const r = decode(o);
    throw new Error(
      `${what(i)} refused: code ${r.checkTx?.code} ${r.checkTx?.log ?? JSON.stringify(r)}`,
    );
  });
};
const checkTxRequests = (list: readonly Uint8Array[]) =>
  list.map((tx) => encode({ checkTx: { tx, type: CheckTxType.NEW } } as Request));
/** Floods the app with `list` (`checkNew`: their CheckTx requests, encoded before the clock starts) until every tx is committed. */
const flood = async (list: readonly Uint8Array[], checkNew: readonly Uint8Array[]) => {
  let mempool: Uint8Array[] = [];
  let next = 0;
  const checkWave = async () => {
    const from = next;
    next = Math.min(list.length, next + WAVE);
    await checkAll("check_tx", checkNew.slice(from, next), (i) => `CheckTx of tx ${from + i}`);
    mempool.push(...list.slice(from, next));
  };
  await checkWave();
  let committed = 0;
  let blocks = 0;
  let rechecks = 0;
  for (; mempool.length > 0; h++) {
    const { txs: inBlock, codes } = await runBlock(h, mempool);
    codes.forEach((code, i) => {
      if (code !== 0) throw new Error(`height ${h}: tx ${i} failed: code ${code}`);
    });
    const included = new Map<number, Uint8Array[]>();
    for (const t of inBlock) {
      const k = fnv(t);
      const same = included.get(k);
      if (same === undefined) included.set(k, [t]);
      else same.push(t);
    }
    const before = mempool.length;
    const holds = (same: Uint8Array[] | undefined, t: Uint8Array): boolean => {
      if (same !== undefined)
        for (const u of same) if (u.length === t.length && Buffer.compare(u, t) === 0) return true;
      return false;
    };
    mempool = mempool.filter((t) => !holds(included.get(fnv(t)), t));
    committed += before - mempool.length;
    if (inBlock.length - 1 !== before - mempool.length)
      throw new Error(`height ${h}: the block holds txs the mempool did not`);
    blocks++;
    const recheck = mempool.map((tx) =>
      encode({ checkTx: { tx, type: CheckTxType.RECHECK } } as Request),
    );
    rechecks += recheck.length;
    await checkAll("recheck_tx", recheck, (i) => `RECHECK at ${h} of tx ${i}`);
    if (next < list.length) await checkWave();
  }
  if (committed !== list.length) throw new Error(`${committed} of ${list.length} txs committed`);
  await settle();
  return { committed, blocks, rechecks };
};
if (warm.length > 0) {
  await flood(warm, checkTxRequests(warm));
  phaseCpu.clear();
  phaseSpans.length = 0;
  say(`warm-up: ${warm.length} txs committed by height ${h - 1}; measuring`);
}

const checkNew = checkTxRequests(txs);

// BENCH_APP_PROFILE=FILE: a V8 CPU profile of the measured part alone (node scripts/cpuprofile-top.mjs FILE).
const profiler = process.env.BENCH_APP_PROFILE ? new inspector.Session() : undefined;
if (profiler) {
  profiler.connect();
  await profiler.post("Profiler.enable");
  await profiler.post("Profiler.setSamplingInterval", { interval: 100 });
  await profiler.post("Profiler.start");
}
// BENCH_APP_HEAP_PROFILE=FILE: V8's sampling heap profile of what the measured part allocates (collected objects included).
const heapProfiler = process.env.BENCH_APP_HEAP_PROFILE ? new inspector.Session() : undefined;
if (heapProfiler) {
  heapProfiler.connect();
  await heapProfiler.post("HeapProfiler.startSampling", {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
}

const gcs: { start: number; duration: number; kind: number }[] = [];
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntries())
    gcs.push({
      start: e.startTime,
      duration: e.duration,
      kind: (e as { detail?: { kind?: number } }).detail?.kind ?? 0,
    });
});
observer.observe({ entryTypes: ["gc"] });

const { committed, blocks, rechecks } = await flood(txs, checkNew);
observer.disconnect();
if (heapProfiler) {
  const { profile } = await heapProfiler.post("HeapProfiler.stopSampling");
  fs.writeFileSync(process.env.BENCH_APP_HEAP_PROFILE!, JSON.stringify(profile));
  heapProfiler.disconnect();
}
if (profiler) {
  const { profile } = await profiler.post("Profiler.stop");
  fs.writeFileSync(process.env.BENCH_APP_PROFILE!, JSON.stringify(profile));
  profiler.disconnect();
}

const perTx = (us: number) => Math.round((us / committed) * 10) / 10;
const totalUs = [...phaseCpu.values()].reduce((a, b) => a + b, 0);
const gcKinds: Record<number, string> = {
  [perfConstants.NODE_PERFORMANCE_GC_MINOR]: "minor",
  [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: "major",
  [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
  [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb",
};
const gcByKind: Record<string, { count: number; ms: number }> = {};
for (const g of gcs) {
  const k = (gcByKind[gcKinds[g.kind] ?? String(g.kind)] ??= { count: 0, ms: 0 });
  k.count++;
  k.ms += g.duration;
}
const gcByPhase: Record<string, number> = {};
let gcMs = 0;
for (const g of gcs) {
  const span = phaseSpans.find((s) => g.start >= s.t0 && g.start < s.t1);
  const phase = span?.phase ?? "between";
  gcByPhase[phase] = (gcByPhase[phase] ?? 0) + g.duration;
  gcMs += g.duration;
}
const heapUsed = process.memoryUsage().heapUsed;
const status = fs.readFileSync("/proc/self/status", "utf8");
const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? NaN);
const appHash = Buffer.from(app.appHash).toString("hex").toUpperCase();
app.close();
fs.rmSync(home, { recursive: true, force: true });

console.log(
  JSON.stringify({
    bench: "app",
    miners: MINERS,
    txs: committed,
    tx_bytes: Math.round(txBytes),
    wave: WAVE,
    blocks,
    rechecks,
    app_cpu_us_per_tx: perTx(totalUs),
    phases_us_per_tx: Object.fromEntries([...phaseCpu].map(([p, us]) => [p, perTx(us)])),
    gc_us_per_tx: perTx(gcMs * 1000),
    gc_count: gcs.length,
    gc_by_kind: Object.fromEntries(
      Object.entries(gcByKind).map(([k, v]) => [k, { count: v.count, ms: Math.round(v.ms) }]),
    ),
    gc_by_phase_us_per_tx: Object.fromEntries(
      Object.entries(gcByPhase).map(([p, ms]) => [p, perTx(ms * 1000)]),
    ),
    heap_used_mb: Math.round(heapUsed / 2 ** 20),
    rss_mb: Math.round(kb("VmRSS") / 1024),
    rss_peak_mb: Math.round(kb("VmHWM") / 1024),
    height: h - 1,
    app_hash: appHash,
    node: process.version,
    warmup_txs: warm.length,
    secp256k1: secp256k1Backend,
    note: `in process, through server.ts's answerFrame and run.ts's appHandler (request bytes → response frame) with node app's V8 flags; CPU = process.cpuUsage per phase; CheckTx NEW of ${WAVE === MINERS ? "every tx first" : `a wave of ${WAVE} txs before each block`}, blocks of CometBFT's 2 MiB data bytes, RECHECK after each Commit`,
  }),
);

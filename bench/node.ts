/**
 * Node benchmark: signed gradient txs (commit–reveal) through the ABCI app.
 *
 *   npx tsx bench/node.ts          (npm run bench:node)
 *
 * Part 1 — a real single-node chain (`r3mes node start`: the app and
 * CometBFT, 1 s blocks). BENCH_MINERS miners (default 60,000) are registered
 * at genesis; once the first training window opens, its shard assignment is
 * computed from block 1's hash (as a miner would) and every miner's
 * gradient commitment (MsgCommitGradient for window 0, committing to its
 * salted MsgSubmitGradient: gradient-commits.ts) is signed BEFORE timing
 * starts. The commitment is the tx a miner sends while a window is open (its
 * reveal waits for the window's end), so it is the measured flood; the
 * figures keep the name "submissions". BENCH_WARMUP more miners' commitments
 * (default 5,000) are broadcast and committed first, to warm the node up
 * (0: a cold run). Then all are broadcast as fast
 * as the node takes them (JSON-RPC batches of 8 broadcast_tx_sync over 64
 * connections: 512 txs in flight), and again on a fresh chain over 256
 * connections (2,048 in flight: "saturated"). Measured from the committed blocks:
 *   tx_per_s               commitments committed with code 0 per second of block time
 *   submissions_per_block  mean over the blocks between the first and the last full one
 *   latency_p50/p99_blocks height that committed a tx − last committed height when it was sent
 *                          (1 = the next block)
 *   latency_p50/p99_s      wall time from a tx's send to the commit of its block (NewBlockHeader)
 *
 * Part 2 — app memory after 1,000,000 stored submissions (BENCH_RSS_SUBMISSIONS):
 * a real chain would take too long, so the bench plays CometBFT: it runs
 * `r3mes node app` (the app process alone, with its SQLite store) and drives
 * it over the ABCI socket with InitChain, FinalizeBlock and Commit, one
 * block after another (txs signed while the app works on the previous
 * block). Each window, every miner commits (BENCH_RSS_PER_BLOCK commitments
 * a block) and then reveals its submission in the reveal period, the first
 * windowBlocks − 1 blocks of the next window; a submission is stored when
 * its reveal lands, and any refused tx stops the bench. Windows settle and
 * prune their submissions, so live state is bounded; rss_mb_at_1m is the
 * app process's resident set (VmRSS) at the end.
 *
 * Part 1 alternates with its peer: the same chain run against CometBFT's
 * kvstore as a socket ABCI app (abci-cli kvstore, npm run setup:tools), which
 * gives kvstore_tx_per_s, the CPU per tx of both and the ratios.
 *
 * Prints one JSON line; "note" says how each figure was measured.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { Request, Response } from "cosmjs-types/tendermint/abci/types";
import { frame, FrameReader } from "../src/node/framing.ts";
import { defaultInit, initHome } from "../src/node/home.ts";
import { parseRfc3339 } from "../src/node/replay.ts";
import { consensusAddressOf } from "../src/node/validator-updates.ts";
import { appProcess } from "../src/node/run.ts";
import { finalizeBlockRequest } from "../src/node/testing/test-node.ts";
import { abciCliBinary, cometbftBinary } from "../src/node/tools.ts";
import { secp256k1Backend } from "../src/node/secp256k1.ts";
import { signTx, type TxKey } from "../src/node/sign.ts";
import { defaultParams } from "../src/protocol/params.ts";
import { beaconOfBlock } from "../src/node/beacon.ts";
import { hashParts } from "../src/protocol/randomness.ts";
import { settleDelay } from "../src/protocol/windows.ts";
import { freePort } from "../src/testnet/procs.ts";
import {
  CHAIN_ID,
  commitment,
  GAS_PRICE,
  genesisExtra,
  minerKeys,
  minerStake,
  progress,
  shardsOf,
  signCommitments,
  submission,
} from "./workload.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
/**
 * The measured flood: one commitment per miner. 60,000 makes it a dozen blocks, so tx_per_s is a sustained
 * rate: with 20,000 (three 2 MiB blocks of these txs) whether the flood's tail made the third block or needed
 * a fourth moved tx_per_s by ~40%, for either server.
 */
const MINERS = Number(process.env.BENCH_MINERS ?? 60_000);
/**
 * A warm-up flood before the measured one (BENCH_WARMUP txs, default 5,000;
 * 0 measures a cold process): the same kind of txs (other miners'
 * commitments; other keys for kvstore) through the same path, committed
 * before the measured flood starts. A node serves floods long after it
 * started; without it the app's figures include V8 compiling its hot code
 * (~150–200 ms of CPU on background threads, plus interpreted runs on the
 * main thread), a one-time cost the flood's size would divide.
 */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5_000);
const RSS_SUBMISSIONS = Number(process.env.BENCH_RSS_SUBMISSIONS ?? 1_000_000);
const RSS_MINERS = Number(process.env.BENCH_RSS_MINERS ?? 10_000);
const RSS_PER_BLOCK = Number(process.env.BENCH_RSS_PER_BLOCK ?? 1_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 8);
/**
 * Client connections of the headline run: BATCH × CONNECTIONS = 512 txs in
 * flight, a load the node keeps up with (each tx is checked and in the next
 * block). The saturation run (SATURATION connections, 2,048 in flight) shows
 * the most the node takes: there the client's own queue in CometBFT's RPC
 * holds ~1 s of txs, so they land a block later.
 */
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const SATURATION = Number(process.env.BENCH_SATURATION_CONNECTIONS ?? 256);
/**
 * broadcast_tx_sync over many connections: up to CONNECTIONS CheckTx calls in
 * flight, so blocks keep coming. With broadcast_tx_async a flood queues every
 * CheckTx before the next block (CometBFT flushes the mempool connection
 * before it commits), and all the txs land in one block after a long stall.
 */
const METHOD = process.env.BENCH_BROADCAST ?? "broadcast_tx_sync";
const tty = process.stderr.isTTY;
const say = (s: string) => process.stderr.write(`${tty ? "\r\x1b[K" : ""}bench:node: ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The children of `r3mes node start`: its app (a Node process) and CometBFT. */
const childrenOf = (nodePid: number): { pid: number; cometbft: boolean }[] => {
  const out: { pid: number; cometbft: boolean }[] = [];
  for (const p of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const st = fs.readFileSync(`/proc/${p}/stat`, "utf8");
      if (Number(st.split(") ")[1]!.split(" ")[1]) === nodePid)
        out.push({ pid: Number(p), cometbft: st.includes("(cometbft)") });
    } catch {
      // gone
    }
  }
  return out;
};

/** CPU seconds (user + system, /proc/PID/stat utime + stime) of a process. */
const cpuOf = (pid: number | string) => {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
};

/** CPU seconds (user + system) of the node process with its app child, its CometBFT child, and this process. */
const cpuSeconds = (nodePid: number): { app: number; comet: number; self: number } => {
  const of = cpuOf;
  let comet = 0;
  let app = of(nodePid);
  for (const c of childrenOf(nodePid)) {
    if (c.cometbft) comet += of(c.pid);
    else app += of(c.pid);
  }
  return { app, comet, self: of("self") };
};

const round1 = (x: number) => Math.round(x * 10) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;

/** RSS (MB) of the app: the child of `r3mes node start` that is not CometBFT. */
const appRssOf = (nodePid: number): number => {
  const app = childrenOf(nodePid).find((c) => !c.cometbft);
  return app ? rssOf(app.pid).rss : NaN;
};

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

// --- part 1: a real chain ---

interface RpcResult<T> {
  result?: T;
  error?: { message: string; data?: string };
}

/** One JSON-RPC call; a connection the server closed under a pooled keep-alive socket is retried. */
const rpcCall = async <T>(
  rpc: string,
  method: string,
  params: Record<string, unknown> = {},
): Promise<T> => {
  let r: RpcResult<T> | undefined;
  for (let attempt = 0; r === undefined; attempt++) {
    try {
      r = (await (
        await fetch(rpc, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
        })
      ).json()) as RpcResult<T>;
    } catch (e) {
      if (attempt >= 3) throw e;
      await sleep(100);
    }
  }
  if (!r.result) throw new Error(`${method}: ${r.error?.message} ${r.error?.data ?? ""}`);
  return r.result;
};

/**
 * The servers under test: "r3mes" is `r3mes node start` (the app as its
 * child process, then CometBFT); "kvstore" is the peer, CometBFT's own
 * kvstore example app as a separate ABCI process on a unix socket (`abci-cli
 * kvstore`, the transport r3mes uses) under the same CometBFT, config and
 * load. `cpu` reads the app's and CometBFT's CPU seconds.
 */
type Server = "r3mes" | "kvstore";
interface Running {
  readonly proc: ChildProcess;
  readonly cpu: () => { app: number; comet: number; self: number };
  readonly stop: () => Promise<void>;
}

const startServer = (server: Server, home: string, proxyApp: string): Running => {
  // BENCH_PROFILE=DIR: a CPU profile of each node process (the app's is the largest); BENCH_HEAP_PROFILE=DIR: a sampling heap (allocation) profile.
  const profile =
    process.env.BENCH_PROFILE || process.env.BENCH_HEAP_PROFILE
      ? {
          NODE_OPTIONS: [
            process.env.BENCH_PROFILE
              ? `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE}`
              : "",
            process.env.BENCH_HEAP_PROFILE
              ? `--heap-prof --heap-prof-dir=${process.env.BENCH_HEAP_PROFILE} --heap-prof-interval=32768`
              : "",
          ].join(" "),
        }
      : {};
  const exited = (p: ChildProcess) =>
    new Promise((r) =>
      p.exitCode !== null || p.signalCode !== null ? r(undefined) : p.once("exit", r),
    );
  if (server === "r3mes") {
    const node: ChildProcess = spawn(
      process.execPath,
      ["bin/r3mes.js", "node", "start", "--home", home],
      { cwd: root, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, ...profile } },
    );
    return {
      proc: node,
      cpu: () => cpuSeconds(node.pid!),
      stop: async () => {
        node.kill("SIGTERM");
        await exited(node);
      },
    };
  }
  const app = spawn(abciCliBinary(), ["kvstore", "--address", proxyApp, "--log_level", "error"], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const comet = spawn(cometbftBinary(), ["start", "--home", home], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  return {
    proc: comet,
    cpu: () => ({ app: cpuOf(app.pid!), comet: cpuOf(comet.pid!), self: cpuOf("self") }),
    stop: async () => {
      comet.kill("SIGTERM");
      await exited(comet);
      app.kill("SIGTERM");
      await exited(app);
    },
  };
};

/**
 * kvstore txs of `size` bytes: `key=value`, every key distinct (kvstore
 * takes exactly one "=" between non-empty parts), padded to the size of
 * r3mes's signed submissions.
 */
const kvTxs = (n: number, size: number): Uint8Array[] =>
  Array.from({ length: n }, (_, i) => {
    const head = `bench-${i}=`;
    return new TextEncoder().encode(head + "v".repeat(Math.max(1, size - head.length)));
  });

const chainPart = async (
  server: Server,
  connections: number,
  keys: readonly TxKey[],
  kvTxBytes = 419,
) => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-bench-node-"));
  const rpcPort = await freePort();
  const rpc = `http://127.0.0.1:${rpcPort}`;
  const windowBlocks = 150;
  const pprofPort = await freePort();
  // BENCH_ABCI_TCP=1: CometBFT reaches the app over TCP on 127.0.0.1 (node init's default) instead of a unix socket.
  const proxyApp = process.env.BENCH_ABCI_TCP
    ? `tcp://127.0.0.1:${await freePort()}`
    : `unix://${home}/abci.sock`;
  say(
    `${WARMUP} + ${MINERS} miners (warm-up + measured), ${connections} connections; initialising a chain in ${home}`,
  );
  await initHome({
    ...defaultInit(home),
    chainId: CHAIN_ID,
    rpcLaddr: `tcp://127.0.0.1:${rpcPort}`,
    p2pLaddr: `tcp://127.0.0.1:${await freePort()}`,
    proxyApp,
    blockTime: "1s",
    params: { windowBlocks, daSampleRateBps: 1 }, // the least sampling validateParams accepts
    genesisExtra: server === "r3mes" ? genesisExtra(keys) : undefined,
    config: {
      "mempool.size": String(MINERS + WARMUP + 10_000),
      "mempool.cache_size": String(MINERS + WARMUP + 10_000),
      "rpc.max_request_batch_size": "0",
      "rpc.max_body_bytes": "100000000",
      log_level: JSON.stringify(process.env.BENCH_COMET_LOG ?? "error"),
      // BENCH_RECHECK=false: CometBFT does not recheck the mempool after a block (what the recheck costs).
      ...(process.env.BENCH_RECHECK ? { "mempool.recheck": process.env.BENCH_RECHECK } : {}),
      ...(process.env.BENCH_INDEXER
        ? { "tx_index.indexer": JSON.stringify(process.env.BENCH_INDEXER) }
        : {}),
      // BENCH_PPROF=FILE: a CPU profile of CometBFT during the broadcast, in FILE.r3mes and FILE.kvstore (go tool pprof -top FILE.r3mes).
      ...(process.env.BENCH_PPROF
        ? { "rpc.pprof_laddr": JSON.stringify(`127.0.0.1:${pprofPort}`) }
        : {}),
    },
  });
  const running = startServer(server, home, proxyApp);
  try {
    const status = async () => {
      try {
        return Number(
          (await rpcCall<{ sync_info: { latest_block_height: string } }>(rpc, "status")).sync_info
            .latest_block_height,
        );
      } catch {
        return 0;
      }
    };
    for (let i = 0; (await status()) < 1; i++) {
      if (i > 600) throw new Error(`the chain did not start; see ${home}/logs`);
      await sleep(200);
    }
    const txs: Uint8Array[] = [];
    const tSign = performance.now();
    if (server === "kvstore") txs.push(...kvTxs(keys.length, kvTxBytes));
    else {
      const block1 = await rpcCall<{ block: { data: { txs: string[] | null } } }>(rpc, "block", {
        height: "1",
      });
      const shards = shardsOf(
        keys.map((k) => k.address),
        0,
        beaconOfBlock(
          1,
          (block1.block.data.txs ?? []).map((t) => Uint8Array.from(Buffer.from(t, "base64"))),
        ).beacon,
        defaultParams(),
      );
      txs.push(...signCommitments(keys, shards));
    }
    const signPerS = txs.length / ((performance.now() - tSign) / 1000);
    const txBytes = txs.reduce((n, t) => n + t.length, 0) / txs.length;
    // The first WARMUP keys' txs warm the node up; the rest are the measured flood.
    const warm = txs.splice(0, WARMUP);
    say(
      `${server}: pre-signed ${warm.length} + ${txs.length} ${server === "r3mes" ? "gradient commitments" : "key=value txs"} (${Math.round(signPerS)}/s, ${Math.round(txBytes)} bytes each); broadcasting the warm-up, then the measured flood`,
    );

    // Heights as they commit (for the latency's starting point).
    let height = Math.max(1, await status());
    const blockSeen = new Map<number, number>();
    const ws = new WebSocket(`ws://127.0.0.1:${rpcPort}/websocket`);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error("websocket to CometBFT failed"));
    });
    ws.onmessage = (m) => {
      const d = JSON.parse(String(m.data)) as {
        result?: { data?: { value?: { header?: { height: string } } } };
      };
      const h = d.result?.data?.value?.header?.height;
      if (h !== undefined) {
        height = Math.max(height, Number(h));
        blockSeen.set(Number(h), performance.now());
      }
    };
    ws.send(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "subscribe",
        params: { query: "tm.event='NewBlockHeader'" },
      }),
    );

    /** One JSON-RPC batch of METHOD calls, ids from `firstId`. */
    const broadcast = async (batch: readonly Uint8Array[], firstId: number) =>
      (await (
        await fetch(rpc, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(
            batch.map((t, i) => ({
              jsonrpc: "2.0",
              id: firstId + i,
              method: METHOD,
              params: { tx: Buffer.from(t).toString("base64") },
            })),
          ),
        })
      ).json()) as RpcResult<{ code: number; hash: string; log: string; codespace: string }>[];
    const drained = async () => {
      for (let i = 0; ; i++) {
        const un = await rpcCall<{ n_txs: string }>(rpc, "num_unconfirmed_txs");
        if (Number(un.n_txs) === 0) return;
        if (i > 600) throw new Error("the mempool did not drain in 2 minutes");
        await sleep(200);
      }
    };
    if (warm.length > 0) {
      let w = 0;
      const refusedWarm: string[] = [];
      await Promise.all(
        Array.from({ length: connections }, async () => {
          while (w < warm.length) {
            const from = w;
            w = Math.min(warm.length, w + BATCH);
            for (const r of await broadcast(warm.slice(from, w), from))
              if (r.result?.code !== 0) refusedWarm.push(r.error?.message ?? r.result!.log);
          }
        }),
      );
      if (refusedWarm.length > 0)
        throw new Error(`${refusedWarm.length} warm-up txs refused, e.g. ${refusedWarm[0]}`);
      await drained();
      const h = height;
      for (let i = 0; height < h + 1; i++) {
        if (i > 600) throw new Error(`no block after the warm-up's (height ${h})`);
        await sleep(10);
      }
      say(`${server}: warm-up: ${warm.length} txs committed by height ${height}`);
    }

    const sentAt = new Map<string, number>();
    /** When each accepted tx's batch was sent (performance.now()). */
    const sentMs = new Map<string, number>();
    const refused = new Map<string, number>();
    let next = 0;
    const startHeight = height;
    const worker = async () => {
      while (next < txs.length) {
        const from = next;
        next = Math.min(txs.length, next + BATCH);
        const batch = txs.slice(from, next);
        const h = height;
        const tSent = performance.now();
        const res = await broadcast(batch, from);
        for (const r of res) {
          if (!r.result)
            refused.set(
              r.error?.message ?? "rpc error",
              (refused.get(r.error?.message ?? "rpc error") ?? 0) + 1,
            );
          else if (r.result.code !== 0)
            refused.set(
              `${r.result.codespace}/${r.result.code}: ${r.result.log.slice(0, 80)}`,
              (refused.get(
                `${r.result.codespace}/${r.result.code}: ${r.result.log.slice(0, 80)}`,
              ) ?? 0) + 1,
            );
          else {
            sentAt.set(r.result.hash, h);
            sentMs.set(r.result.hash, tSent);
          }
        }
        progress(`broadcast ${next}/${txs.length} at height ${height}`);
      }
    };
    const cpu0 = running.cpu();
    const t0 = performance.now();
    const pprof = process.env.BENCH_PPROF
      ? fetch(`http://127.0.0.1:${pprofPort}/debug/pprof/profile?seconds=6`).then(async (r) =>
          fs.writeFileSync(
            `${process.env.BENCH_PPROF!}.${server}`,
            Buffer.from(await r.arrayBuffer()),
          ),
        )
      : undefined;
    await Promise.all(Array.from({ length: connections }, worker));
    await pprof;
    const broadcastS = (performance.now() - t0) / 1000;
    say(
      `broadcast ${txs.length} in ${broadcastS.toFixed(1)} s (${sentAt.size} accepted by CheckTx)${refused.size ? `; refused: ${JSON.stringify(Object.fromEntries(refused))}` : ""}`,
    );
    // Wait until the mempool is drained.
    await drained();
    // The mempool drains on the last block's Commit, which can come before its NewBlockHeader event reaches
    // this client: wait for the event, or that block's txs would be missed (a run counted 19,308 of 20,000).
    const latest = await status();
    for (let i = 0; height < latest; i++) {
      if (i > 600) throw new Error(`no NewBlockHeader event for height ${latest}`);
      await sleep(10);
    }
    const end = height;
    const cpu1 = running.cpu();
    const wallS = (performance.now() - t0) / 1000;
    // The app's memory right after the flood (its collections were plain ones while CheckTx traffic arrived), and three quiet blocks later.
    const rssAfterFlood = server === "r3mes" ? appRssOf(running.proc.pid!) : NaN;
    while (height < end + 3) await sleep(100);
    const rssQuiet = server === "r3mes" ? appRssOf(running.proc.pid!) : NaN;
    say(
      `CPU while submitting (${wallS.toFixed(1)} s wall): app ${(cpu1.app - cpu0.app).toFixed(1)} s, CometBFT ${(cpu1.comet - cpu0.comet).toFixed(1)} s, this client ${(cpu1.self - cpu0.self).toFixed(1)} s`,
    );
    ws.close();
    if (server === "r3mes" && end >= windowBlocks)
      throw new Error(
        `the submissions ran past window 0 (height ${end} ≥ ${windowBlocks}); raise windowBlocks or lower BENCH_MINERS`,
      );

    // From the committed blocks: which txs, when, with which code.
    const perBlock: { height: number; timeMs: number; ok: number }[] = [];
    const latencies: number[] = [];
    /** Submit-to-commit wall time (ms): from the batch's send to the NewBlockHeader of the block that committed the tx. */
    const latenciesMs: number[] = [];
    /** Txs CheckTx admitted that FinalizeBlock refused, by code and log. */
    const failed = new Map<string, number>();
    for (let h = startHeight; h <= end; h++) {
      const b = await rpcCall<{
        block: { header: { time: string }; data: { txs: string[] | null } };
      }>(rpc, "block", { height: String(h) });
      const r = await rpcCall<{ txs_results: { code: number; log?: string }[] | null }>(
        rpc,
        "block_results",
        {
          height: String(h),
        },
      );
      const t = parseRfc3339(b.block.header.time);
      let ok = 0;
      (b.block.data.txs ?? []).forEach((tx, i) => {
        const hash = bytesToHex(sha256(Buffer.from(tx, "base64"))).toUpperCase();
        const sent = sentAt.get(hash);
        const res = r.txs_results?.[i];
        if (sent !== undefined && res && res.code !== 0) {
          const why = `FinalizeBlock ${res.code}: ${(res.log ?? "").slice(0, 120)}`;
          failed.set(why, (failed.get(why) ?? 0) + 1);
        }
        if (sent === undefined || res?.code !== 0) return;
        ok++;
        latencies.push(h - sent);
        const seen = blockSeen.get(h);
        if (seen !== undefined) latenciesMs.push(seen - sentMs.get(hash)!);
      });
      perBlock.push({ height: h, timeMs: Number(t.seconds) * 1000 + t.nanos / 1e6, ok });
      if (process.env.BENCH_VERBOSE)
        say(
          `block ${h} at ${b.block.header.time}, seen ${((blockSeen.get(h) ?? NaN) - t0).toFixed(0)} ms after the first broadcast: ${ok} submissions committed`,
        );
    }
    const used = perBlock.filter((b) => b.ok > 0);
    const first = used[0]!;
    const last = used[used.length - 1]!;
    const committed = used.reduce((n, b) => n + b.ok, 0);
    // Every commitment must land: refused txs would make the figures those of error replies.
    if (server === "r3mes" && (refused.size > 0 || committed !== txs.length))
      throw new Error(
        `${committed} of ${txs.length} commitments committed with code 0; refused by CheckTx: ${JSON.stringify(Object.fromEntries(refused))}; by FinalizeBlock: ${JSON.stringify(Object.fromEntries(failed))}`,
      );
    // Throughput over wall-clock commit times (NewBlockHeader fires once a block is executed and committed):
    // the txs after the first block ÷ the time from the first block's commit to the last one's. A header's
    // own time is the previous block's vote time, so it hides the last block's execution (and any stall).
    const seenOf = (h: number) => blockSeen.get(h);
    if (seenOf(first.height) === undefined || seenOf(last.height) === undefined)
      throw new Error("missed a NewBlockHeader event; cannot time the blocks");
    const spanS = (seenOf(last.height)! - seenOf(first.height)!) / 1000;
    const txPerS = spanS > 0 ? (committed - first.ok) / spanS : NaN;
    const full = used.slice(1, -1);
    const perBlockMean =
      full.length > 0 ? full.reduce((n, b) => n + b.ok, 0) / full.length : committed / used.length;
    const blockIntervalS = used.length > 1 ? spanS / (used.length - 1) : NaN;
    latencies.sort((a, b) => a - b);
    latenciesMs.sort((a, b) => a - b);
    return {
      txPerS,
      perBlockMean,
      committed,
      blocks: used.length,
      blockIntervalS,
      maxPerBlock: Math.max(...used.map((b) => b.ok)),
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      p50Ms: percentile(latenciesMs, 50),
      p99Ms: percentile(latenciesMs, 99),
      signPerS,
      txBytes,
      broadcastS,
      refused: [...refused.values()].reduce((a, b) => a + b, 0),
      home,
      rssAfterFlood,
      rssQuiet,
      cpu: {
        wall_s: round1(wallS),
        app_s: round1(cpu1.app - cpu0.app),
        cometbft_s: round1(cpu1.comet - cpu0.comet),
        client_s: round1(cpu1.self - cpu0.self),
      },
      // Server CPU per committed tx (µs), over the same span as cpu (first broadcast to a drained mempool).
      appUsPerTx: ((cpu1.app - cpu0.app) * 1e6) / committed,
      cometUsPerTx: ((cpu1.comet - cpu0.comet) * 1e6) / committed,
    };
  } finally {
    await running.stop();
  }
};

// --- part 2: the app alone, driven over ABCI, to 1M stored submissions ---

class AbciClient {
  private readonly reader = new FrameReader();
  private readonly waiting: { resolve: (r: Response) => void; reject: (e: Error) => void }[] = [];
  private constructor(private readonly sock: net.Socket) {
    sock.on("data", (d) => {
      for (const f of this.reader.push(new Uint8Array(d)))
        this.waiting.shift()!.resolve(Response.decode(f));
    });
    // A dead app must fail the bench, not leave its requests pending forever.
    sock.on("close", () => {
      for (const w of this.waiting.splice(0))
        w.reject(new Error("the app closed its ABCI socket (did it exit? see its stderr above)"));
    });
  }

  static async connect(socketPath: string): Promise<AbciClient> {
    for (let i = 0; i < 600; i++) {
      if (fs.existsSync(socketPath)) {
        const sock = net.connect(socketPath);
        const ok = await new Promise<boolean>((r) => {
          sock.once("connect", () => r(true));
          sock.once("error", () => r(false));
        });
        if (ok) return new AbciClient(sock);
      }
      await sleep(100);
    }
    throw new Error(`no ABCI socket at ${socketPath}`);
  }

  /** Sends now; the promise resolves with the response (responses come in request order). */
  send(req: Request): Promise<Response> {
    const p = new Promise<Response>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.sock.write(frame(Request.encode(Request.fromPartial(req)).finish()));
    return p.then((res) => {
      if (res.exception) throw new Error(`ABCI exception: ${res.exception.error}`);
      return res;
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

const rssOf = (pid: number): { rss: number; hwm: number } => {
  const s = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(s)?.[1] ?? NaN);
  return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 };
};

/** Resident memory of a process by kind of mapping (MB): the node binary's code, malloc's heap, anonymous maps (V8's heap, wasm, large mallocs), the rest. */
const rssBreakdown = (pid: number): Record<string, number> => {
  const out: Record<string, number> = { node_binary: 0, malloc_heap: 0, anonymous: 0, other: 0 };
  let kind = "other";
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const m = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) {
      const name = m[1] ?? "";
      kind =
        name === ""
          ? "anonymous"
          : name === "[heap]"
            ? "malloc_heap"
            : name === process.execPath || name.endsWith("/bin/node")
              ? "node_binary"
              : "other";
      continue;
    }
    const r = /^Rss:\s+(\d+) kB/.exec(line);
    if (r) out[kind]! += Number(r[1]) / 1024;
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Math.round(v)]));
};

const rssPart = async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-bench-rss-"));
  const windowBlocks = Math.max(2, Math.ceil(RSS_MINERS / RSS_PER_BLOCK));
  // The reveal period: the first blocks of the next window (the longest validateParams accepts).
  const revealBlocks = windowBlocks - 1;
  // Deadlines scaled to the short windows, so a window settles (and its submissions are pruned) soon after it closes.
  const params = {
    windowBlocks,
    gradientRevealBlocks: revealBlocks,
    daSampleRateBps: 1,
    challengeWindowBlocks: 2,
    tier2VotingBlocks: 1,
    tier3DeadlineBlocks: 2,
    aggregationCommitBlocks: 1,
    aggregationRevealBlocks: 1,
    aggregationChallengeBlocks: 1,
    trapRevealBlocks: 2,
    daResponseBlocks: 1,
  };
  const keys = minerKeys(RSS_MINERS, "rss-miner");
  await initHome({
    ...defaultInit(home),
    chainId: CHAIN_ID,
    proxyApp: `unix://${home}/abci.sock`,
    params,
    // Twice the minimum stake: nobody answers the availability samples, and a 10% slash must not
    // deactivate a miner (its txs would be refused and every window's shard assignment would move).
    genesisExtra: genesisExtra(keys, 2n * minerStake),
  });
  const genesis = JSON.parse(fs.readFileSync(path.join(home, "config/genesis.json"), "utf8")) as {
    genesis_time: string;
    app_state: unknown;
    params?: unknown;
  };
  const validatorKey = Buffer.from(
    (
      JSON.parse(fs.readFileSync(path.join(home, "config/priv_validator_key.json"), "utf8")) as {
        pub_key: { value: string };
      }
    ).pub_key.value,
    "base64",
  );
  // The app process exactly as `r3mes node start` runs it (its V8 and malloc settings included).
  const spec = appProcess(home, 100);
  const app = spawn(spec.command, spec.args, {
    cwd: root,
    env: spec.env,
    stdio: ["ignore", "ignore", "inherit"],
  });
  app.once("exit", (code, signal) =>
    say(`the app process exited (code ${code}, signal ${signal})`),
  );
  const client = await AbciClient.connect(path.join(home, "abci.sock"));
  try {
    await client.send({ echo: { message: "up" } });
    const idle = rssOf(app.pid!).rss;
    await client.send({
      initChain: {
        time: parseRfc3339(genesis.genesis_time),
        chainId: CHAIN_ID,
        validators: [],
        appStateBytes: new TextEncoder().encode(JSON.stringify(genesis.app_state)),
        initialHeight: 1n,
      },
    });
    const addresses = keys.map((k) => k.address);
    const votes = [{ validator: consensusAddressOf(validatorKey), signed: true }];
    const blockHash = (h: number) => hashParts("bench/block", h);
    const seq = new Array<bigint>(keys.length).fill(0n);
    /** Each window's shard of each miner (a reveal needs the shard its commitment named). */
    const shardsByWindow = new Map<number, Map<string, number>>();
    const signed = (i: number, msg: Parameters<typeof signTx>[1][number]) =>
      signTx(keys[i]!, [msg], {
        chainId: CHAIN_ID,
        accountNumber: BigInt(i + 1),
        sequence: seq[i]!++,
        fee: GAS_PRICE,
      });
    /**
     * Block k of window w (k = (h − 1) mod windowBlocks): miner chunk k
     * (RSS_PER_BLOCK miners) commits for window w; in the reveal period of
     * window w − 1 (blocks k < revealBlocks of window w) chunk k reveals its
     * window w − 1 submission, and the last reveal block also takes the
     * chunks left over (chunk k ≥ revealBlocks). Reveals come first in the
     * block; `reveals` is their count (the stored submissions).
     */
    const blockTxs = (h: number): { txs: Uint8Array[]; reveals: number } => {
      const w = Math.floor((h - 1) / windowBlocks);
      const k = (h - 1) % windowBlocks;
      if (k === 0) {
        shardsByWindow.set(w, shardsOf(addresses, w, beaconOfBlock(h, []).beacon, defaultParams())); // blocks fed without a beacon tx
        shardsByWindow.delete(w - 2);
      }
      const chunk = (c: number) => {
        const out: number[] = [];
        for (let i = c * RSS_PER_BLOCK; i < Math.min(keys.length, (c + 1) * RSS_PER_BLOCK); i++)
          out.push(i);
        return out;
      };
      const txs: Uint8Array[] = [];
      const prev = shardsByWindow.get(w - 1);
      if (prev && k < revealBlocks) {
        const chunks =
          k < revealBlocks - 1 ? [k] : Array.from({ length: windowBlocks - k }, (_, j) => k + j);
        for (const i of chunks.flatMap(chunk))
          txs.push(signed(i, submission(addresses[i]!, w - 1, prev.get(addresses[i]!)!)));
      }
      const reveals = txs.length;
      const shards = shardsByWindow.get(w)!;
      for (const i of chunk(k))
        txs.push(signed(i, commitment(addresses[i]!, w, shards.get(addresses[i]!)!)));
      return { txs, reveals };
    };
    await client.send({ echo: { message: "after genesis" } });
    const afterGenesis = rssOf(app.pid!).rss;
    const samples: { stored: number; rss: number; stateMb: number }[] = [];
    // The size of the app's latest state snapshot (v8-serialized live state): flat if live state is bounded.
    const db = new DatabaseSync(path.join(home, "data", "r3mes-app.db"), { readOnly: true });
    const stateMb = () =>
      Number(
        (
          db
            .prepare("SELECT length(state) AS n FROM snapshots ORDER BY height DESC LIMIT 1")
            .get() as { n: number } | undefined
        )?.n ?? 0,
      ) /
      2 ** 20;
    // Samples are taken between blocks: an Echo answered after a Commit comes after the app's post-Commit work (its garbage collection, run.ts).
    const settled = () => client.send({ echo: { message: "between blocks" } });
    let stored = 0;
    let commits = 0;
    let maxBetween = 0;
    let block = blockTxs(1);
    const cpu0 = cpuSeconds(app.pid!).app;
    const t0 = performance.now();
    for (let h = 1; stored < RSS_SUBMISSIONS; h++) {
      const pending = client.send({
        finalizeBlock: finalizeBlockRequest({
          height: h,
          txs: block.txs,
          votes: h > 1 ? votes : [],
          hash: blockHash(h),
          time: { seconds: 1_700_000_000n + BigInt(h), nanos: 0 },
          proposerAddress: consensusAddressOf(validatorKey),
        }),
      });
      const nextTxs = blockTxs(h + 1); // signed while the app works
      const res = await pending;
      // Every tx must land: a refused commitment or reveal would leave the bench measuring less than it says.
      res.finalizeBlock!.txResults.forEach((r, i) => {
        if (r.code !== 0)
          throw new Error(
            `height ${h}: the app refused the bench's ${i < block.reveals ? "reveal (MsgSubmitGradient)" : "commitment (MsgCommitGradient)"} ${i}: code ${r.code} ${r.log}`,
          );
      });
      stored += block.reveals;
      commits += block.txs.length - block.reveals;
      await client.send({ commit: {} });
      block = nextTxs;
      if (stored > RSS_SUBMISSIONS / 4) {
        await settled();
        maxBetween = Math.max(maxBetween, rssOf(app.pid!).rss);
      }
      if (h % windowBlocks === 0) {
        await settled();
        const { rss } = rssOf(app.pid!);
        samples.push({ stored, rss, stateMb: stateMb() });
        const s = (performance.now() - t0) / 1000;
        progress(
          `${stored.toLocaleString("en")} submissions stored in ${Math.round(s)} s (${Math.round(stored / s)}/s), app RSS ${rss.toFixed(0)} MB`,
        );
      }
    }
    await settled();
    const { rss, hwm } = rssOf(app.pid!);
    const breakdown = rssBreakdown(app.pid!);
    const wallS = (performance.now() - t0) / 1000;
    const appCpuS = cpuSeconds(app.pid!).app - cpu0;
    const at = (n: number) => samples.find((x) => x.stored >= n)?.rss ?? NaN;
    const stateAt = (n: number) => samples.find((x) => x.stored >= n)?.stateMb ?? NaN;
    const states = [
      stateAt(RSS_SUBMISSIONS / 4),
      stateAt(RSS_SUBMISSIONS / 2),
      stateAt((3 * RSS_SUBMISSIONS) / 4),
      stateMb(),
    ];
    db.close();
    return {
      rss,
      hwm,
      maxBetween,
      appCpuS,
      breakdown,
      idle,
      afterGenesis,
      states,
      stored,
      commits,
      wallS,
      rssAt: {
        q1: at(RSS_SUBMISSIONS / 4),
        q2: at(RSS_SUBMISSIONS / 2),
        q3: at((3 * RSS_SUBMISSIONS) / 4),
      },
      windowBlocks,
      revealBlocks,
      settle: settleDelay({ ...defaultParams(), ...params }),
      home,
    };
  } finally {
    client.close();
    app.kill("SIGTERM");
    await new Promise((r) => (app.exitCode !== null ? r(undefined) : app.once("exit", r)));
  }
};

const chainKeys = process.env.BENCH_ONLY_RSS ? [] : minerKeys(WARMUP + MINERS, "miner");
const chainRun = async (connections: number, server: Server = "r3mes", kvTxBytes?: number) => {
  const r = await chainPart(server, connections, chainKeys, kvTxBytes);
  fs.rmSync(r.home, { recursive: true, force: true });
  say(
    `${server} chain, ${connections} connections: ${Math.round(r.txPerS)} tx/s, app ${Math.round(r.appUsPerTx)} µs + CometBFT ${Math.round(r.cometUsPerTx)} µs CPU per tx, ${Math.round(r.perBlockMean)} per block, latency p50 ${r.p50} p99 ${r.p99} blocks (${(r.p50Ms / 1000).toFixed(2)} s / ${(r.p99Ms / 1000).toFixed(2)} s), CPU ${JSON.stringify(r.cpu)}, app RSS ${Math.round(r.rssAfterFlood)} MB after the flood, ${Math.round(r.rssQuiet)} MB 3 blocks later`,
  );
  return r;
};
/**
 * The headline runs alternate r3mes and its peer (kvstore over a socket),
 * BENCH_ROUNDS times each, so drift in the machine's load hits both; each
 * figure is the median over the rounds (per_round lists them all).
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
type ChainResult = Awaited<ReturnType<typeof chainRun>>;
const ours: ChainResult[] = [];
const peers: ChainResult[] = [];
for (let i = 0; !process.env.BENCH_ONLY_RSS && i < ROUNDS; i++) {
  ours.push(await chainRun(CONNECTIONS));
  peers.push(await chainRun(CONNECTIONS, "kvstore", Math.round(ours[0]!.txBytes)));
}
/** The r3mes round with the median tx/s (its latency and memory figures go with it). */
const r1 = ours.length
  ? [...ours].sort((a, b) => a.txPerS - b.txPerS)[Math.floor((ours.length - 1) / 2)]
  : undefined;
const peer = peers.length
  ? (() => {
      const [tx, app, comet] = [
        median(ours.map((r) => r.txPerS)),
        median(ours.map((r) => r.appUsPerTx)),
        median(ours.map((r) => r.cometUsPerTx)),
      ];
      const [ktx, kapp, kcomet] = [
        median(peers.map((r) => r.txPerS)),
        median(peers.map((r) => r.appUsPerTx)),
        median(peers.map((r) => r.cometUsPerTx)),
      ];
      return {
        tx_per_s_median: Math.round(tx),
        kvstore_tx_per_s: Math.round(ktx),
        ratio_tx_per_s: round2(tx / ktx),
        app_cpu_us_per_tx: Math.round(app),
        cometbft_cpu_us_per_tx: Math.round(comet),
        kvstore_app_cpu_us_per_tx: Math.round(kapp),
        kvstore_cometbft_cpu_us_per_tx: Math.round(kcomet),
        ratio_cpu_per_tx: round2((app + comet) / (kapp + kcomet)),
        rounds: ROUNDS,
        per_round: ours.map((r, i) => ({
          tx_per_s: Math.round(r.txPerS),
          kvstore_tx_per_s: Math.round(peers[i]!.txPerS),
          app_us: Math.round(r.appUsPerTx),
          cometbft_us: Math.round(r.cometUsPerTx),
          kvstore_app_us: Math.round(peers[i]!.appUsPerTx),
          kvstore_cometbft_us: Math.round(peers[i]!.cometUsPerTx),
        })),
        kvstore_tx_bytes: Math.round(peers[0]!.txBytes),
      };
    })()
  : undefined;
if (peer) say(`against kvstore: ${JSON.stringify(peer)}`);
const r0 = r1 && SATURATION > 0 ? await chainRun(SATURATION) : undefined;
const r2 = process.env.BENCH_ONLY_CHAIN ? undefined : await rssPart();
if (r2) fs.rmSync(r2.home, { recursive: true, force: true });
if (r2)
  say(
    `rss: ${Math.round(r2.rss)} MB after ${r2.stored} submissions revealed (${r2.commits} commitments; at most ${Math.round(r2.maxBetween)} MB between blocks after the first quarter, peak ${Math.round(r2.hwm)} MB; by mapping ${JSON.stringify(r2.breakdown)}, quarters ${JSON.stringify(r2.rssAt)}, idle ${Math.round(r2.idle)} MB, after genesis ${Math.round(r2.afterGenesis)} MB, ${Math.round(r2.stored / r2.wallS)}/s, app CPU ${Math.round((r2.appCpuS * 1e6) / r2.stored)} µs per submission)`,
  );
if (!r1) process.exit(0);
progress("");
const rssFigures = (r2: Awaited<ReturnType<typeof rssPart>>) => ({
  rss_mb_at_1m: Math.round(r2.rss),
  rss_mb_at_quarters: [r2.rssAt.q1, r2.rssAt.q2, r2.rssAt.q3, r2.rss].map(Math.round),
  rss_mb_max_between_blocks: Math.round(r2.maxBetween),
  rss_peak_mb: Math.round(r2.hwm),
  rss_mb_by_mapping_at_1m: r2.breakdown,
  state_snapshot_mb_at_quarters: r2.states.map(round1),
  rss_mb_app_idle: Math.round(r2.idle),
  rss_mb_after_genesis: Math.round(r2.afterGenesis),
  rss_submissions_per_s: Math.round(r2.stored / r2.wallS),
  rss_app_cpu_us_per_submission: Math.round((r2.appCpuS * 1e6) / r2.stored),
});
console.log(
  JSON.stringify({
    bench: "node",
    tx_per_s: Math.round(r1.txPerS),
    ...peer,
    submissions_per_block: Math.round(r1.perBlockMean),
    latency_p50_blocks: r1.p50,
    latency_p99_blocks: r1.p99,
    latency_p50_s: round2(r1.p50Ms / 1000),
    latency_p99_s: round2(r1.p99Ms / 1000),
    latency_p99_block_intervals: round2(r1.p99Ms / 1000 / r1.blockIntervalS),
    miners: MINERS,
    warmup_txs: WARMUP,
    committed: r1.committed,
    refused: r1.refused,
    max_submissions_per_block: r1.maxPerBlock,
    block_interval_s: round1(r1.blockIntervalS),
    tx_bytes: Math.round(r1.txBytes),
    presign_per_s: Math.round(r1.signPerS),
    ...(r2 ? rssFigures(r2) : {}),
    rss_mb_chain_app_after_flood: Math.round(r1.rssAfterFlood),
    rss_mb_chain_app_3_blocks_later: Math.round(r1.rssQuiet),
    cpu_s_while_submitting: r1.cpu,
    saturated: r0 && {
      connections: SATURATION,
      in_flight: SATURATION * BATCH,
      tx_per_s: Math.round(r0.txPerS),
      submissions_per_block: Math.round(r0.perBlockMean),
      latency_p50_blocks: r0.p50,
      latency_p99_blocks: r0.p99,
      latency_p50_s: round2(r0.p50Ms / 1000),
      latency_p99_s: round2(r0.p99Ms / 1000),
      cpu_s_while_submitting: r0.cpu,
    },
    cpus: os.cpus().length,
    loadavg_1m: round1(os.loadavg()[0]!),
    secp256k1: secp256k1Backend,
    note:
      `tx_per_s, submissions_per_block, latency: a real single-node chain (r3mes node start: app + CometBFT ${"v0.38"}, timeout_commit 1s, kv tx indexer) on this machine's ${os.cpus().length} cores, shared by CometBFT, the app and the client; ` +
      `the measured txs are gradient commitments (MsgCommitGradient for window 0, one per miner, committing to its salted MsgSubmitGradient; a submission is revealed only after the window, so the commitment is the tx a window's flood is made of): "submissions" in the field names counts them; ` +
      `${MINERS} miners registered at genesis (and ${WARMUP} more whose commitments are a warm-up flood, committed before the measured one starts: a node serves floods long after it started, and a cold process's figures would include V8 compiling its hot code; warmup_txs=0 is a cold run), each commitment pre-signed (secp256k1, SIGN_MODE_DIRECT) before timing, then broadcast with ${METHOD} in JSON-RPC batches of ${BATCH} over ${CONNECTIONS} connections (${CONNECTIONS * BATCH} txs in flight); "saturated" is the same with ${SATURATION} connections (${SATURATION * BATCH} in flight: the most the node takes, with the client's queue in CometBFT's RPC adding about a block of latency); ` +
      `kvstore_*: the peer under the same generator, CometBFT and config: CometBFT's kvstore example as a separate ABCI process on a unix socket (abci-cli kvstore from the pinned CometBFT module), fed distinct key=value txs of tx_bytes each; r3mes and kvstore runs alternate ${ROUNDS} times and tx_per_s_median, kvstore_tx_per_s and the CPU figures are medians over the rounds (per_round has each), while tx_per_s, latency and the chain RSS figures are those of the r3mes round with the (lower) middle tx/s; ` +
      `*_cpu_us_per_tx = CPU (utime + stime from /proc/PID/stat) of the app process and of CometBFT from the first broadcast to a drained mempool ÷ committed txs; ratio_tx_per_s = r3mes ÷ kvstore; ratio_cpu_per_tx = (app + CometBFT) of r3mes ÷ that of kvstore. ` +
      `tx_per_s = code-0 commitments committed after the first block ÷ wall-clock time from the commit of the first block holding them to the commit of the last (NewBlockHeader events); submissions_per_block = mean over the blocks between those; ` +
      `latency = committing height − last committed height when the batch was sent (1 = next block); latency_p50_s/p99_s = wall time from the batch's send to the NewBlockHeader event of the block that committed the tx, and latency_p99_block_intervals that over the mean block interval. ` +
      `rss_mb_at_1m: the app process alone (spawned as r3mes node start spawns it: r3mes node app from its esbuild bundle with --max-semi-space-size=2 --single-threaded-gc, MALLOC_ARENA_MAX=1 and a fixed malloc mmap threshold, its own memory-reducing collections and malloc_trim between quiet blocks; SQLite durable store) driven over its ABCI socket by this bench acting as CometBFT (FinalizeBlock + Commit per block, every tx signed and verified), ` +
      `${RSS_MINERS} miners, each committing in every window (${RSS_PER_BLOCK} commitments per block) and revealing its submission in the window's ${r2?.revealBlocks}-block reveal period (the next window's first blocks; a submission is stored when its reveal lands, and the bench stops on any refused tx; miners bonded at twice the minimum stake, since nobody answers the availability samples and a slash must not deactivate one), ${r2?.windowBlocks}-block windows settling ${r2?.settle} blocks after closing (deadlines scaled down), until ${r2?.stored} submissions were stored; VmRSS of that process at 1/4, 1/2, 3/4 and all of them in rss_mb_at_quarters; ` +
      `rss_mb_app_idle is the same process before InitChain (Node 24 + the bundle of src/node and src/protocol), rss_mb_after_genesis after InitChain of the ${RSS_MINERS} miners; state_snapshot_mb_at_quarters is the size of the app's latest state snapshot (its whole live state, v8-serialized) at the same points. ` +
      `rss_mb_chain_app_after_flood / _3_blocks_later: the app process of the headline chain run (${MINERS} miners) once its mempool drained, and three empty blocks later. ` +
      `Every RSS figure but rss_peak_mb is sampled between blocks (after an Echo that follows the Commit, so after the app's post-Commit work); rss_mb_max_between_blocks is the most over every block after the first quarter. ` +
      `The app runs V8's memory-reducing full collection after InitChain, after a Commit that wrote a state snapshot (every 100 blocks, so at 1,000,000) and after a Commit without CheckTx traffic once its heap has grown half again plus 32 MB, or its resident set 8 MB, past what the last collection left, or a flood before it grew the heap so (under a flood only V8's own collections run: run.ts): ` +
      `RSS is live state plus Node's own code right after one, and up to a block or two of garbage more before the next; rss_app_cpu_us_per_submission is the app process's CPU (user + system) per stored submission.`,
  }),
);

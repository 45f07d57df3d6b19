/**
 * WAN bench: the 4-validator testnet's saturation throughput and commit
 * latency on a LAN and under a WAN latency matrix (default the qa-regions
 * preset, BENCH_WAN=preset|file), in one run.
 *
 *   npm run bench:testnet-wan   (BENCH_ACCOUNTS=600 BENCH_FLOOD_S=30 BENCH_BACKLOG=1500
 *                                BENCH_PRESIGN=8000 BENCH_CONNECTIONS=128)
 *
 * Per network: a fresh testnet (4 validators, no daemons, no Kubo) whose
 * genesis funds BENCH_ACCOUNTS load accounts. Then
 * - light: one MsgSend every 400 ms for BENCH_LIGHT_TXS txs: commit latency
 *   p50/p95, broadcast (broadcast_tx_sync) to the moment node 0's RPC
 *   serves the block that holds it;
 * - flood: BENCH_PRESIGN MsgSends (signed first, each account's in sequence order) kept
 *   BENCH_BACKLOG ahead of the commits, far more than a block takes, for
 *   BENCH_FLOOD_S: the committed txs/s (by the blocks' own times) is the
 *   saturation throughput; its latency is the queue's.
 *
 * How the matrix is applied: tc netem per destination in the netns network
 * (src/testnet/wan.ts) where the kernel has it; otherwise (e.g. VM kernels
 * without sch_netem) a user-space TCP relay per ordered pair of validators on
 * loopback that holds each chunk for half the pair's round trip each way
 * (jitter too; no loss: a TCP stream can not lose a packet). "wan_mode" says
 * which; both networks of a run use the same network kind.
 *
 * Prints one JSON line per network (lan, wan), then one with the ratios.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { sha256 } from "@noble/hashes/sha2.js";
import { StargateClient } from "@cosmjs/stargate";
import { defaultMinGasPrice } from "../src/node/home.ts";
import { signTx, txKeyOf, type TxKey } from "../src/node/sign.ts";
import { command } from "../src/protocol/commands.ts";
import { down } from "../src/testnet/down.ts";
import { createNetns } from "../src/testnet/netns.ts";
import { freePorts, sleep } from "../src/testnet/procs.ts";
import { rpcUrl, type TestnetState, writeState } from "../src/testnet/state.ts";
import { createTestnet, setPeers, startNodeProcs, waitForHeight } from "../src/testnet/up.ts";
import { applyWan, loadWan, probeWan, rttBetween, type Wan } from "../src/testnet/wan.ts";
import { probeNetns } from "../src/testnet/netns.ts";

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 600);
const FLOOD_S = Number(process.env.BENCH_FLOOD_S ?? 30);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 1500);
/** Concurrent broadcast_tx_sync calls: each waits for CheckTx, so this bounds what the client offers. */
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 128);
/** Txs signed before the flood (more than the flood can commit). */
const PRESIGN = Number(process.env.BENCH_PRESIGN ?? 8000);
const LIGHT_TXS = Number(process.env.BENCH_LIGHT_TXS ?? 40);
const BLOCK_MS = Number(process.env.BENCH_BLOCK_MS ?? 500);
const WAN_SPEC = process.env.BENCH_WAN ?? "qa-regions";
const say = (s: string) => process.stderr.write(`bench:testnet-wan: ${s}\n`);

const netemOk = probeNetns() === true ? probeWan() : probeNetns();
const wanMode = netemOk === true ? "netem" : "tcp-relay";
if (netemOk !== true) say(`no netem here (${netemOk}): the WAN run uses the TCP relay on loopback`);

// Load accounts: deterministic keys, funded at genesis.
const keys: TxKey[] = Array.from({ length: ACCOUNTS }, (_, i) =>
  txKeyOf(sha256(new TextEncoder().encode(`r3mes/bench/testnet-wan/${i}`))),
);

const RELAY = `
const { workerData, parentPort } = require("node:worker_threads");
const net = require("node:net");
const { performance } = require("node:perf_hooks");
let open = 0;
for (const p of workerData.pairs) {
  net.createServer((a) => {
    const b = net.connect(p.targetPort, "127.0.0.1");
    const pipe = (from, to) => {
      let last = 0;
      from.on("data", (chunk) => {
        const now = performance.now();
        const j = p.jitterMs ? (Math.random() * 2 - 1) * p.jitterMs : 0;
        // In order: never before the previous chunk.
        const at = Math.max(last, now + Math.max(0, p.oneWayMs + j));
        last = at;
        setTimeout(() => { if (!to.destroyed) to.write(chunk); }, at - now);
      });
      from.on("end", () => setTimeout(() => to.end(), Math.max(0, last - performance.now()) + 1));
      from.on("error", () => to.destroy());
    };
    pipe(a, b);
    pipe(b, a);
    a.on("close", () => b.destroy());
    b.on("close", () => a.destroy());
  }).listen(p.listenPort, "127.0.0.1", () => { if (++open === workerData.pairs.length) parentPort.postMessage("ready"); });
}`;

/** Relays for every ordered pair; rewrites each node's persistent peers to go through them. */
const startRelay = async (s: TestnetState, w: Wan): Promise<Worker> => {
  const n = s.nodes.length;
  const ports = await freePorts(n * (n - 1));
  const pairs: { listenPort: number; targetPort: number; oneWayMs: number; jitterMs: number }[] =
    [];
  s.nodes.forEach((a, i) => {
    const peers: string[] = [];
    s.nodes.forEach((b, j) => {
      if (i === j) return;
      const listenPort = ports[pairs.length]!;
      const oneWayMs = rttBetween(w, i, j) / 2;
      pairs.push({
        listenPort,
        targetPort: b.p2pPort,
        oneWayMs,
        jitterMs: Math.min(w.jitterMs ?? 0, oneWayMs),
      });
      peers.push(`${b.nodeId}@127.0.0.1:${listenPort}`);
    });
    setPeers(a.home, peers.join(","));
  });
  const worker = new Worker(RELAY, { eval: true, workerData: { pairs } });
  await new Promise<void>((ok, ko) => {
    worker.once("message", () => ok());
    worker.once("error", ko);
  });
  return worker;
};

const quantile = (xs: readonly number[], q: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

interface BlockSeen {
  readonly height: number;
  readonly timeMs: number;
  readonly txs: readonly string[];
}

/** Follows node 0's blocks as its RPC serves them; calls back with each block and the moment it was seen. */
const follow = (rpc: string, from: number, onBlock: (b: BlockSeen, seenAt: number) => void) => {
  let next = from;
  let stop = false;
  const done = (async () => {
    while (!stop) {
      try {
        const r = (await (
          await fetch(`${rpc}/block?height=${next}`, { signal: AbortSignal.timeout(5000) })
        ).json()) as {
          result?: { block: { header: { time: string }; data: { txs: string[] | null } } };
        };
        if (r.result) {
          const seenAt = performance.now();
          const t = r.result.block.header.time;
          // RFC 3339 with nanoseconds: keep ms.
          const timeMs = Date.parse(t.replace(/(\.\d{3})\d*Z$/, "$1Z"));
          onBlock(
            {
              height: next,
              timeMs,
              txs: (r.result.block.data.txs ?? []).map((x) =>
                createHash("sha256").update(Buffer.from(x, "base64")).digest("hex"),
              ),
            },
            seenAt,
          );
          next++;
          continue;
        }
      } catch {
        // not yet
      }
      await sleep(25);
    }
  })();
  return {
    stop: async () => {
      stop = true;
      await done;
    },
  };
};

const run = async (label: "lan" | "wan", wan: Wan | undefined) => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-bench-wan-")), "net");
  let relay: Worker | undefined;
  try {
    const s = await createTestnet({
      dir,
      validators: 4,
      miners: 0,
      proposers: 0,
      lazy: 0,
      blockTimeMs: BLOCK_MS,
      trainMs: 1500,
      kubo: false,
      network: wanMode === "netem" ? "netns" : "loopback",
      extraAccounts: keys.map((k) => k.address),
      say,
    });
    if (s.network?.kind === "netns")
      createNetns(
        s.network,
        s.nodes.map((n) => n.net!),
      );
    if (wan && wanMode === "netem")
      applyWan(
        wan,
        s.nodes.map((n) => n.net!),
      );
    if (wan && wanMode === "tcp-relay") relay = await startRelay(s, wan);
    await Promise.all(s.nodes.map((n) => startNodeProcs(s, n)));
    writeState(s);
    const rpcs = s.nodes.map(rpcUrl);
    await waitForHeight(rpcs, 2, 180_000);
    say(`${label}: 4 validators making blocks (${s.network?.kind}${wan ? `, ${wanMode}` : ""})`);

    const client = await StargateClient.connect(rpcs[0]!);
    const first = await client.getAccount(keys[0]!.address);
    const last = await client.getAccount(keys[ACCOUNTS - 1]!.address);
    client.disconnect();
    if (
      !first ||
      !last ||
      Number(last.accountNumber) - Number(first.accountNumber) !== ACCOUNTS - 1
    )
      throw new Error("load accounts are not numbered contiguously at genesis");
    const accountNumber = (i: number) => BigInt(first.accountNumber) + BigInt(i);
    const seq = new Array<bigint>(ACCOUNTS).fill(0n);
    const sign = (i: number) =>
      signTx(
        keys[i]!,
        [
          command("send", {
            fromAddress: keys[i]!.address,
            toAddress: keys[(i + 1) % ACCOUNTS]!.address,
            amount: 1n,
          }),
        ],
        {
          chainId: s.chainId,
          accountNumber: accountNumber(i),
          sequence: seq[i]!++,
          fee: defaultMinGasPrice,
        },
      );
    const hashOf = (tx: Uint8Array) => createHash("sha256").update(tx).digest("hex");

    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    let phase: "light" | "flood" = "light";
    const floodLat: number[] = [];
    const floodBlocks: BlockSeen[] = [];
    let committed = 0;
    const h0 = Number(
      (
        (await (await fetch(`${rpcs[0]}/status`)).json()) as {
          result: { sync_info: { latest_block_height: string } };
        }
      ).result.sync_info.latest_block_height,
    );
    const follower = follow(rpcs[0]!, h0 + 1, (b, seenAt) => {
      let ours = 0;
      for (const h of b.txs) {
        const t = sentAt.get(h);
        if (t === undefined) continue;
        sentAt.delete(h);
        ours++;
        (phase === "light" ? latencies : floodLat).push(seenAt - t);
      }
      committed += ours;
      if (phase === "flood") floodBlocks.push({ ...b, txs: b.txs.slice(0, ours) });
    });
    const broadcast = async (node: number, tx: Uint8Array): Promise<boolean> => {
      const r = (await (
        await fetch(rpcs[node]!, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "broadcast_tx_sync",
            params: { tx: Buffer.from(tx).toString("base64") },
          }),
        })
      ).json()) as { result?: { code: number; log: string }; error?: unknown };
      return r.result?.code === 0;
    };

    // Light load: commit latency without a queue.
    for (let k = 0; k < LIGHT_TXS; k++) {
      const i = k % ACCOUNTS;
      const tx = sign(i);
      sentAt.set(hashOf(tx), performance.now());
      if (!(await broadcast(i % 4, tx))) throw new Error("a light-load tx was refused");
      await sleep(400);
    }
    await sleep(3000);
    const light = [...latencies];

    // Flood: every tx signed before timing starts (signing costs the client more CPU than sending);
    // each account's txs go in sequence order to one node, BACKLOG ahead of the commits.
    const rounds = Math.ceil(PRESIGN / ACCOUNTS);
    const presigned = Array.from({ length: ACCOUNTS }, (_, i) =>
      Array.from({ length: rounds }, () => sign(i)),
    );
    phase = "flood";
    const tFlood = performance.now();
    let sent = 0;
    let refused = 0;
    const until = tFlood + FLOOD_S * 1000;
    const dead = new Set<number>();
    const workers = Array.from({ length: CONNECTIONS }, async (_, w) => {
      for (let r = 0; r < rounds; r++)
        for (let i = w; i < ACCOUNTS; i += CONNECTIONS) {
          if (dead.has(i)) continue;
          while (sent - committed - refused > BACKLOG && performance.now() < until) await sleep(5);
          if (performance.now() >= until) return;
          const tx = presigned[i]![r]!;
          sentAt.set(hashOf(tx), performance.now());
          sent++;
          // A refused tx leaves a sequence gap: the account's later txs would fail, so it stops.
          if (!(await broadcast(i % 4, tx))) {
            refused++;
            dead.add(i);
          }
        }
    });
    await Promise.all(workers);
    if (performance.now() < until)
      say(`${label}: all ${sent} pre-signed txs sent before ${FLOOD_S} s: raise BENCH_PRESIGN`);
    const offeredPerS = sent / ((Math.min(performance.now(), until) - tFlood) / 1000);
    await sleep(2000);
    await follower.stop();
    // Throughput by the blocks' own times, over the blocks that held flood txs (the first one's interval excluded).
    const full = floodBlocks.filter((b) => b.txs.length > 0);
    const span = full.length > 1 ? (full[full.length - 1]!.timeMs - full[0]!.timeMs) / 1000 : NaN;
    const txsInSpan = full.slice(1).reduce((a, b) => a + b.txs.length, 0);
    const blocks = floodBlocks.length;
    const blockSpan =
      blocks > 1 ? (floodBlocks[blocks - 1]!.timeMs - floodBlocks[0]!.timeMs) / 1000 : NaN;
    return {
      bench: "testnet-wan",
      network: label,
      wan_mode: wan ? wanMode : "none",
      ...(wan ? { wan: WAN_SPEC } : {}),
      validators: 4,
      block_time_ms: BLOCK_MS,
      cores: os.cpus().length,
      load_accounts: ACCOUNTS,
      backlog: BACKLOG,
      saturation_tx_per_s: +(txsInSpan / span).toFixed(1),
      offered_tx_per_s: +offeredPerS.toFixed(1),
      connections: CONNECTIONS,
      flood_sent: sent,
      flood_committed: floodBlocks.reduce((a, b) => a + b.txs.length, 0),
      refused: refused,
      blocks_per_s: +((blocks - 1) / blockSpan).toFixed(2),
      txs_per_block_max: Math.max(0, ...full.map((b) => b.txs.length)),
      light_commit_latency_p50_ms: Math.round(quantile(light, 0.5)),
      light_commit_latency_p95_ms: Math.round(quantile(light, 0.95)),
      light_txs: light.length,
      saturated_commit_latency_p50_ms: Math.round(quantile(floodLat, 0.5)),
      saturated_commit_latency_p95_ms: Math.round(quantile(floodLat, 0.95)),
    };
  } finally {
    await relay?.terminate();
    await down(dir, { keep: false }).catch((e) => say(`down: ${(e as Error).message}`));
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  }
};

const wan = loadWan(WAN_SPEC);
const lan = await run("lan", undefined);
console.log(JSON.stringify(lan));
const w = await run("wan", wan);
console.log(JSON.stringify(w));
console.log(
  JSON.stringify({
    bench: "testnet-wan",
    ratio: "wan / lan",
    wan_mode: wanMode,
    saturation_tx_per_s: +(w.saturation_tx_per_s / lan.saturation_tx_per_s).toFixed(3),
    light_commit_latency_p50: +(
      w.light_commit_latency_p50_ms / lan.light_commit_latency_p50_ms
    ).toFixed(3),
    light_commit_latency_p95: +(
      w.light_commit_latency_p95_ms / lan.light_commit_latency_p95_ms
    ).toFixed(3),
    saturated_commit_latency_p50: +(
      w.saturated_commit_latency_p50_ms / lan.saturated_commit_latency_p50_ms
    ).toFixed(3),
    blocks_per_s: +(w.blocks_per_s / lan.blocks_per_s).toFixed(3),
  }),
);

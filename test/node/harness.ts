/**
 * Test harness for real processes: builds/finds CometBFT (the project's own
 * setup script, fast when Go's cache is warm), picks free loopback ports,
 * and runs `r3mes node start` (or the app and CometBFT as separate
 * processes) in a temporary home.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { Request, Response } from "cosmjs-types/tendermint/abci/types";
import { RemesApp } from "../../src/node/app.ts";
import { defaultInit, initHome, type InitOptions } from "../../src/node/home.ts";
import { fetchFinalizeRequest, parseRfc3339, type RpcBlock } from "../../src/node/replay.ts";
import { serveFrame } from "../../src/node/server.ts";
import { freePort } from "../../src/testnet/procs.ts";
export { freePort } from "../../src/testnet/procs.ts";

export const root = fileURLToPath(new URL("../../", import.meta.url));
export const TEST_MNEMONIC =
  "enlist hip relief stomach skate base shallow young switch frequent cry park";

export const ensureCometbft = (): string => {
  execFileSync("bash", [path.join(root, "scripts/setup-tools.sh")], { stdio: "pipe" });
  return path.join(root, ".tools/bin/cometbft");
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const exited = (p: ChildProcess) =>
  new Promise<void>((r) =>
    p.exitCode !== null || p.signalCode !== null ? r() : p.once("exit", () => r()),
  );

export class LocalChain {
  readonly rpc: string;
  private node: ChildProcess | undefined;
  private app: ChildProcess | undefined;
  private comet: ChildProcess | undefined;

  private constructor(
    readonly home: string,
    rpcPort: number,
  ) {
    this.rpc = `http://127.0.0.1:${rpcPort}`;
  }

  static async create(opts: Partial<InitOptions> = {}): Promise<LocalChain> {
    ensureCometbft();
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "r3mes-node-"));
    const rpcPort = await freePort();
    const p2pPort = await freePort();
    await initHome({
      ...defaultInit(home),
      chainId: "remes-test",
      rpcLaddr: `tcp://127.0.0.1:${rpcPort}`,
      p2pLaddr: `tcp://127.0.0.1:${p2pPort}`,
      proxyApp: `unix://${home}/abci.sock`,
      blockTime: "300ms",
      mnemonic: TEST_MNEMONIC,
      ...opts,
    });
    return new LocalChain(home, rpcPort);
  }

  private spawnR3mes(args: string[]): ChildProcess {
    const p = spawn(process.execPath, ["bin/r3mes.js", ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    p.stdout!.on("data", (d) => (out += d));
    p.stderr!.on("data", (d) => (out += d));
    p.once("exit", (code) => {
      if (code !== 0 && code !== 130 && code !== null)
        fs.appendFileSync(path.join(this.home, "r3mes-exit.log"), `exit ${code}: ${out}\n`);
    });
    return p;
  }

  /** `r3mes node start` (app + CometBFT in one command). */
  start(extra: readonly string[] = []): void {
    this.node = this.spawnR3mes([
      "node",
      "start",
      "--home",
      this.home,
      "--snapshot-interval",
      "5",
      ...extra,
    ]);
  }

  /** The app and CometBFT as two processes (crash tests kill one of them). */
  startApp(): void {
    this.app = this.spawnR3mes(["node", "app", "--home", this.home, "--snapshot-interval", "5"]);
  }

  async startComet(): Promise<void> {
    // CometBFT gives up if the app socket is not there yet.
    for (let i = 0; i < 100 && !fs.existsSync(path.join(this.home, "abci.sock")); i++)
      await sleep(100);
    const out = fs.openSync(path.join(this.home, "cometbft-test.log"), "a");
    this.comet = spawn(path.join(root, ".tools/bin/cometbft"), ["start", "--home", this.home], {
      stdio: ["ignore", out, out],
    });
    fs.closeSync(out);
  }

  async kill9(which: "app" | "comet" | "node"): Promise<void> {
    const p = which === "app" ? this.app : which === "comet" ? this.comet : this.node;
    if (!p) return;
    p.kill("SIGKILL");
    await exited(p);
  }

  async status(): Promise<{ height: number; appHash: string } | undefined> {
    try {
      const r = (await (await fetch(`${this.rpc}/status`)).json()) as {
        result: { sync_info: { latest_block_height: string; latest_app_hash: string } };
      };
      return {
        height: Number(r.result.sync_info.latest_block_height),
        appHash: r.result.sync_info.latest_app_hash,
      };
    } catch {
      return undefined;
    }
  }

  async waitForHeight(height: number, timeoutMs = 60_000): Promise<number> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const s = await this.status();
      if (s && s.height >= height) return s.height;
      await sleep(150);
    }
    throw new Error(
      `chain in ${this.home} did not reach height ${height} in ${timeoutMs} ms; logs: ${this.logTail()}`,
    );
  }

  /** App hash recorded in the header of block h+1 (= the app hash after block h). */
  async appHashAfter(height: number): Promise<string> {
    const r = (await (await fetch(`${this.rpc}/block?height=${height + 1}`)).json()) as {
      result: { block: { header: { app_hash: string } } };
    };
    return r.result.block.header.app_hash;
  }

  /** broadcast_tx_sync: CheckTx's code, codespace and log, and the tx hash (hex). */
  async broadcastSync(
    tx: Uint8Array,
  ): Promise<{ code: number; codespace: string; log: string; hash: string }> {
    const r = (await (
      await fetch(this.rpc, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "broadcast_tx_sync",
          params: { tx: Buffer.from(tx).toString("base64") },
        }),
      })
    ).json()) as {
      result?: { code: number; codespace: string; log: string; hash: string };
      error?: { message: string; data?: string };
    };
    if (!r.result)
      throw new Error(`broadcast_tx_sync failed: ${r.error?.message} ${r.error?.data ?? ""}`);
    return r.result;
  }

  /** The committed block at a height, as the RPC returns it. */
  async block(height: number): Promise<RpcBlock> {
    return (
      (await (await fetch(`${this.rpc}/block?height=${height}`)).json()) as { result: RpcBlock }
    ).result;
  }

  /**
   * Replays blocks 1..top (block top + 1 must exist: it holds the app hash after top) through a fresh in-process app (from this chain's
   * genesis) and returns the heights whose app hash differs from the one
   * CometBFT recorded, plus the txs replayed with their codes.
   */
  async replayThroughFreshApp(
    top: number,
  ): Promise<{ mismatches: string[]; txs: { hash: string; code: number }[] }> {
    const genesis = JSON.parse(
      fs.readFileSync(path.join(this.home, "config/genesis.json"), "utf8"),
    ) as { chain_id: string; genesis_time: string; app_state: unknown };
    const app = new RemesApp({ dbPath: ":memory:" });
    const call = async (req: Request) =>
      Response.decode(
        await serveFrame(Request.encode(Request.fromPartial(req)).finish(), app.handle),
      );
    try {
      await call({
        initChain: {
          time: parseRfc3339(genesis.genesis_time),
          chainId: genesis.chain_id,
          validators: [],
          appStateBytes: new TextEncoder().encode(JSON.stringify(genesis.app_state)),
          initialHeight: 1n,
        },
      });
      const mismatches: string[] = [];
      const txs: { hash: string; code: number }[] = [];
      for (let height = 1; height <= top; height++) {
        const { request: req } = await fetchFinalizeRequest(this.rpc, height);
        const res = await call({ finalizeBlock: req });
        if (!res.finalizeBlock)
          throw new Error(`replayed FinalizeBlock ${height} failed: ${res.exception?.error}`);
        res.finalizeBlock.txResults.forEach((t, i) =>
          txs.push({ hash: bytesToHex(sha256(req.txs[i]!)).toUpperCase(), code: t.code }),
        );
        const mine = bytesToHex(res.finalizeBlock.appHash).toUpperCase();
        const theirs = await this.appHashAfter(height);
        if (mine !== theirs)
          mismatches.push(`height ${height}: replay ${mine}, CometBFT ${theirs}`);
        await call({ commit: {} });
      }
      return { mismatches, txs };
    } finally {
      app.close();
    }
  }

  logTail(): string {
    const read = (f: string) =>
      fs.existsSync(f) ? fs.readFileSync(f, "utf8").split("\n").slice(-15).join("\n") : "";
    return [
      read(path.join(this.home, "logs/app.log")),
      read(path.join(this.home, "logs/cometbft.log")),
      read(path.join(this.home, "cometbft-test.log")),
      read(path.join(this.home, "r3mes-exit.log")),
    ].join("\n---\n");
  }

  /** SIGTERM everything still running and wait for it to exit. */
  async stop(): Promise<void> {
    for (const p of [this.node, this.comet, this.app]) {
      if (p && p.exitCode === null && p.signalCode === null) {
        p.kill("SIGTERM");
        await exited(p);
      }
    }
    this.node = this.comet = this.app = undefined;
  }

  remove(): void {
    fs.rmSync(this.home, { recursive: true, force: true });
  }
}

/**
 * Follows a chain over CometBFT RPC the way a full node would, without
 * trusting it: the genesis (from `/genesis`) initialises an in-process
 * R3MES app, and every committed block (from `/block`) is replayed through
 * it; the app hash must equal the next header's. Given a database file, the
 * app keeps what it replayed there (the node's own persistence: snapshots
 * and event log), and a later follower resumes from it instead of genesis. The daemons' actors then
 * see exactly what the simulator's see — the committed `State` and each
 * block's protocol events — from a chain they checked themselves. Polling
 * (not a websocket) keeps it simple to survive a node restart: a failed call
 * is retried until the node answers again.
 */
import { bytesToHex } from "@noble/hashes/utils.js";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { RemesApp, decodeEventLog } from "../../node/app.ts";
import { fetchFinalizeRequest } from "../../node/replay.ts";
import type { ProtocolEvent } from "../../protocol/events.ts";
import type { State } from "../../protocol/state.ts";

export interface FollowedBlock {
  readonly height: number;
  readonly timeMs: number;
  readonly events: readonly ProtocolEvent[];
  /** Whether the block was replayed while catching up (older than the tip seen at start). */
  readonly catchingUp: boolean;
}

type Comet = Awaited<ReturnType<typeof Comet38Client.connect>>;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface FollowerOptions {
  /** SQLite file to keep the replayed chain in and resume from (default: in memory, from genesis every time). */
  readonly dbPath?: string;
}

export class ChainFollower {
  readonly app: RemesApp;
  /** Height of the local checkpoint this follower resumed from (0: it started from genesis). */
  resumedFrom = 0;
  #comet: Comet | undefined;
  #inited = false;
  #stopped = false;
  #tipAtStart = -1;
  chainId = "";
  /** Time of the last applied block (ms since epoch). */
  timeMs = 0;

  constructor(
    readonly rpc: string,
    readonly log: (line: string) => void,
    readonly options: FollowerOptions = {},
  ) {
    this.app = new RemesApp(
      options.dbPath
        ? { dbPath: options.dbPath, snapshotInterval: 100 }
        : { dbPath: ":memory:", snapshotInterval: 1_000_000 },
    );
  }

  get state(): Readonly<State> {
    return this.app.state!;
  }

  get height(): number {
    return this.app.height;
  }

  /** The RPC client, reconnecting after a failure. */
  async comet(): Promise<Comet> {
    for (let attempt = 0; ; attempt++) {
      if (this.#stopped) throw new Error("follower stopped");
      try {
        this.#comet ??= await Comet38Client.connect(this.rpc);
        return this.#comet;
      } catch (e) {
        if (attempt % 20 === 0)
          this.log(
            `rpc ${this.rpc} unreachable (${e instanceof Error ? e.message : String(e)}); retrying`,
          );
        await sleep(500);
      }
    }
  }

  /** Runs `f` against the node, retrying (with a fresh client) until it answers. */
  async call<T>(f: (c: Comet) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const c = await this.comet();
      try {
        return await f(c);
      } catch (e) {
        if (this.#stopped) throw e;
        this.#comet?.disconnect();
        this.#comet = undefined;
        if (attempt % 20 === 0)
          this.log(
            `rpc ${this.rpc} call failed (${e instanceof Error ? e.message : String(e)}); retrying`,
          );
        await sleep(500);
      }
    }
  }

  /** Resumes from the local database or initialises the app from the genesis (run() calls it if nobody did). */
  async init(): Promise<void> {
    if (this.#inited) return;
    const status = await this.call((c) => c.status());
    this.#tipAtStart = status.syncInfo.latestBlockHeight;
    if (this.app.state) {
      if (this.app.chainId !== status.nodeInfo.network) {
        throw new Error(
          `the local checkpoint ${this.options.dbPath} follows chain ${this.app.chainId}, but the node at ${this.rpc} runs ${status.nodeInfo.network}; delete it (or use another state folder)`,
        );
      }
      this.chainId = this.app.chainId;
      this.resumedFrom = this.app.height;
      this.log(
        `following ${this.chainId} at ${this.rpc}: resuming from the local checkpoint at height ${this.app.height}, replaying ${Math.max(0, this.#tipAtStart - this.app.height)} blocks`,
      );
    } else {
      const genesis = await this.call((c) => c.genesis());
      this.chainId = genesis.chainId;
      const appState = new TextEncoder().encode(JSON.stringify(genesis.appState ?? {}));
      this.app.initChain({
        chainId: genesis.chainId,
        appStateBytes: appState,
        initialHeight: 1n,
        validators: [],
        time: undefined,
        consensusParams: undefined,
      } as never);
      this.log(
        `following ${genesis.chainId} at ${this.rpc}: replaying ${this.#tipAtStart} blocks from genesis`,
      );
    }
    this.#inited = true;
  }

  /** Replays blocks as they are committed and calls `onBlock` after each (awaited, in order). */
  async run(onBlock: (b: FollowedBlock) => Promise<void>): Promise<void> {
    await this.init();
    while (!this.#stopped) {
      const tip = (await this.call((c) => c.status())).syncInfo.latestBlockHeight;
      if (tip <= this.app.height) {
        await sleep(100);
        continue;
      }
      for (let h = this.app.height + 1; h <= tip && !this.#stopped; h++) {
        const { block: b, request } = await this.call(() => fetchFinalizeRequest(this.rpc, h));
        const expected = b.block.header.app_hash.toLowerCase();
        const have = bytesToHex(this.app.appHash);
        if (expected !== have) {
          throw new Error(
            `the node at ${this.rpc} says the app hash after height ${h - 1} is ${expected.toUpperCase()}, the local replay got ${have.toUpperCase()}: the chain diverged from the protocol; stop and report this`,
          );
        }
        this.app.finalizeBlock(request);
        this.app.commit();
        const row = this.app.store.blockAt(h);
        const events = row ? decodeEventLog(row.events) : [];
        this.timeMs = Date.parse(b.block.header.time);
        await onBlock({ height: h, timeMs: this.timeMs, events, catchingUp: h < this.#tipAtStart });
      }
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#comet?.disconnect();
    this.app.close();
  }
}

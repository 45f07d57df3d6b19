/**
 * Follows a chain over CometBFT RPC the way a full node would, without
 * trusting it: the genesis (from `/genesis`) initialises an in-process
 * R3MES app, and every committed block (from `/block`) is replayed through
 * it; the app hash must equal the next header's. The daemons' actors then
 * see exactly what the simulator's see — the committed `State` and each
 * block's protocol events — from a chain they checked themselves. Polling
 * (not a websocket) keeps it simple to survive a node restart: a failed call
 * is retried until the node answers again.
 */
import { bytesToHex } from "@noble/hashes/utils.js";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import type { RequestFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import type { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { RemesApp, decodeEventLog } from "../../node/app.ts";
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
type Block = Awaited<ReturnType<Comet["block"]>>;

/**
 * The request CometBFT sent the app for this block. The RPC block omits the
 * address of a validator whose vote is absent from the last commit, but the
 * app is told it (liveness counts it), so those are filled in from the
 * validator set of the previous height, whose order the commit follows.
 */
const finalizeRequest = (b: Block, lastValidators: readonly Uint8Array[]): RequestFinalizeBlock => {
  const ms = b.block.header.time.getTime();
  const nanos = (ms % 1000) * 1_000_000 + (b.block.header.time.nanoseconds ?? 0);
  return {
    txs: [...b.block.txs],
    decidedLastCommit: {
      round: 0,
      votes: (b.block.lastCommit?.signatures ?? []).map((s, i) => ({
        validator: { address: s.validatorAddress && s.validatorAddress.length > 0 ? s.validatorAddress : (lastValidators[i] ?? new Uint8Array(0)), power: 0n },
        blockIdFlag: s.blockIdFlag as unknown as BlockIDFlag,
      })),
    },
    misbehavior: [],
    hash: b.blockId.hash,
    height: BigInt(b.block.header.height),
    time: { seconds: BigInt(Math.floor(ms / 1000)), nanos },
    nextValidatorsHash: new Uint8Array(0),
    proposerAddress: b.block.header.proposerAddress,
  };
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ChainFollower {
  readonly app = new RemesApp({ dbPath: ":memory:", snapshotInterval: 1_000_000 });
  #comet: Comet | undefined;
  #stopped = false;
  #tipAtStart = -1;
  chainId = "";
  /** Time of the last applied block (ms since epoch). */
  timeMs = 0;

  constructor(readonly rpc: string, readonly log: (line: string) => void) {}

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
        if (attempt % 20 === 0) this.log(`rpc ${this.rpc} unreachable (${e instanceof Error ? e.message : String(e)}); retrying`);
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
        if (attempt % 20 === 0) this.log(`rpc ${this.rpc} call failed (${e instanceof Error ? e.message : String(e)}); retrying`);
        await sleep(500);
      }
    }
  }

  /** Reads the genesis and initialises the local app (run() calls it if nobody did). */
  async init(): Promise<void> {
    if (this.app.state) return;
    const genesis = await this.call((c) => c.genesis());
    this.chainId = genesis.chainId;
    const appState = new TextEncoder().encode(JSON.stringify(genesis.appState ?? {}));
    this.app.initChain({ chainId: genesis.chainId, appStateBytes: appState, initialHeight: 1n, validators: [], time: undefined, consensusParams: undefined } as never);
    this.#tipAtStart = (await this.call((c) => c.status())).syncInfo.latestBlockHeight;
    this.log(`following ${genesis.chainId} at ${this.rpc}: replaying ${this.#tipAtStart} blocks`);
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
        const b = await this.call((c) => c.block(h));
        const expected = bytesToHex(b.block.header.appHash);
        const have = bytesToHex(this.app.appHash);
        if (expected !== have) {
          throw new Error(`the node at ${this.rpc} says the app hash after height ${h - 1} is ${expected.toUpperCase()}, the local replay got ${have.toUpperCase()}: the chain diverged from the protocol; stop and report this`);
        }
        const sigs = b.block.lastCommit?.signatures ?? [];
        const lastValidators = h > 1 && sigs.some((x) => !x.validatorAddress || x.validatorAddress.length === 0)
          ? (await this.call((c) => c.validatorsAll(h - 1))).validators.map((v) => v.address)
          : [];
        this.app.finalizeBlock(finalizeRequest(b, lastValidators));
        this.app.commit();
        const row = this.app.store.blockAt(h);
        const events = row ? decodeEventLog(row.events) : [];
        this.timeMs = b.block.header.time.getTime();
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

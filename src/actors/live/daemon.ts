/**
 * A role daemon: one actor of the simulator (Miner, Validator, Proposer —
 * the same classes, unchanged) driven by a real chain. The chain view comes
 * from a ChainFollower (a checked replay of the chain over CometBFT RPC),
 * transactions go out through a Broadcaster (cosmjs), timers are real
 * timers, and the world's content store is a real BlobStore. Blocks replayed
 * while catching up after a (re)start only evolve the shared world; the
 * actor acts on blocks from the tip on.
 *
 * Restarts resume from a local checkpoint in the state folder instead of
 * replaying the chain from genesis: the follower keeps its replayed chain in
 * chain.db (the node's own persistence), and the world's task feed (trap
 * plans, served vault tasks) is written to world.ckpt after every block. If
 * the two do not fit together (a crash between the two writes across a
 * window opening, a missing file), the daemon replays from genesis as
 * before. The duty journal is separate and never reset: no duty is sent
 * twice either way.
 */
import * as fs from "node:fs";
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import * as v8 from "node:v8";
import { AggregationMethod, GpuArch } from "../../gen/remes/v1/types_pb.ts";
import type { ProtocolCommand } from "../../protocol/commands.ts";
import { deriveSeed, hashParts, Prng } from "../../protocol/randomness.ts";
import type { ActorKind } from "../kinds.ts";
import type { BlobStore } from "../../store/blob-store.ts";
import type { Actor, ActorIO, ChainView } from "../actor.ts";
import { SimulatedBackend, type TrainingBackend } from "../backend.ts";
import type { Params } from "../../gen/remes/v1/params_pb.ts";
import { KernelBackend } from "../../kernels/backend.ts";
import * as miners from "../miners.ts";
import { Proposer } from "../proposers.ts";
import { Queries } from "../queries.ts";
import { WorkLedger } from "../work.ts";
import { addressees } from "../routing.ts";
import { Validator } from "../validators.ts";
import { TaskFeed, type TaskFeedCheckpoint, type World } from "../world.ts";
import { decodeEventLog } from "../../node/app.ts";
import { Broadcaster } from "./broadcaster.ts";
import { RevealJournal } from "./reveal-journal.ts";
import { ChainFollower } from "./follower.ts";
import type { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { LiveContentStore, observeBlock, PublishingBackend } from "./world.ts";

export type DaemonRole = "miner" | "validator" | "proposer";

export interface DaemonOptions {
  readonly role: DaemonRole;
  readonly rpc: string;
  /** The unlocked key it signs with (`--from NAME` of the encrypted keyring). */
  readonly signer: { readonly wallet: DirectSecp256k1HdWallet; readonly address: string };
  /** The key's name, for logs. */
  readonly from: string;
  readonly store: BlobStore;
  /** The testnet's shared world seed (hex): training data, task feed. */
  readonly worldSeed: string;
  /** Where the duty journal lives. */
  readonly stateDir: string;
  readonly blockTimeMs: number;
  /** Simulated training time per task (ms). */
  readonly trainMs: number;
  readonly gpuArch: GpuArch;
  /** Miner: share of tasks skipped and faked (bps); 0 = honest. */
  readonly lazySkipBps: number;
  /**
   * "simulated" (modelled updates) or "kernels" (real LoRA training with the
   * canonical kernels, src/kernels). Every daemon of a network must use the
   * same one: validators recompute what miners trained.
   */
  readonly backend?: "simulated" | "kernels";
  /** Validator: tier-2 losses by the canonical kernels or the ONNX graph on onnxruntime (kernels backend only). */
  readonly tier2Loss?: "canonical" | "onnx";
  readonly method: AggregationMethod;
  readonly log: (line: string) => void;
}

export interface RunningDaemon {
  readonly address: string;
  readonly broadcaster: Broadcaster;
  readonly follower: ChainFollower;
  /** Resolves when the daemon stops (rejects if the follower failed). */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

const seedOf = (hex: string): Uint8Array => {
  if (!/^[0-9a-f]{64}$/i.test(hex))
    throw new Error(
      "--world-seed must be 64 hex characters (the testnet's world seed, in its testnet.json)",
    );
  return Uint8Array.from(Buffer.from(hex, "hex"));
};

/**
 * The daemon's training backend, from the network's world seed and chain
 * params. With kernels, the genesis vault's entries (ids below
 * `genesisVaultEntries`, the count in the chain's genesis) are the backend's
 * own vault jobs: their answers must have been computed by it
 * (`testnet up --training kernels` does); a chain whose genesis vault holds
 * made-up answers must run with trap_rate_bps 0 when its miners train for
 * real, or honest miners would fail every trap.
 */
export const makeBackend = (
  o: Pick<DaemonOptions, "backend" | "trainMs"> & { genesisVaultEntries?: number },
  seed: Uint8Array,
  params: Pick<Params, "daChunkBytes" | "totalShards">,
): TrainingBackend => {
  const trainMs = Object.fromEntries(
    Object.keys(GpuArch)
      .filter((k) => Number.isNaN(Number(k)))
      .map((k) => [k, o.trainMs]),
  );
  if (o.backend === "kernels")
    return new KernelBackend({
      seed: deriveSeed(seed, "backend"),
      totalShards: params.totalShards,
      daChunkBytes: params.daChunkBytes,
      trainMs,
      genesisVaultEntries: o.genesisVaultEntries ?? 0,
    });
  return new SimulatedBackend({
    seed: deriveSeed(seed, "backend"),
    chunkBytes: params.daChunkBytes,
    sizeBytes: BigInt(params.daChunkBytes * 4),
    trainMs,
    genesisVaultEntries: o.genesisVaultEntries ?? 0,
  });
};

export const makeActor = (
  o: Pick<DaemonOptions, "role" | "gpuArch" | "lazySkipBps" | "method" | "tier2Loss">,
  address: string,
): Actor => {
  const kind: ActorKind =
    o.role === "miner"
      ? o.lazySkipBps > 0
        ? "lazy_miner"
        : "honest_miner"
      : o.role === "validator"
        ? "honest_validator"
        : "honest_proposer";
  const info = {
    address,
    kind,
    group: kind,
    gpuArch: o.role === "miner" ? GpuArch[o.gpuArch] : "",
  };
  if (o.role === "miner")
    return new miners.Miner(
      info,
      o.gpuArch,
      o.lazySkipBps > 0 ? miners.lazy(o.lazySkipBps, "random") : miners.honest,
    );
  if (o.role === "validator")
    return new Validator(info, {
      lazy: false,
      tier2SampleBps: 10_000,
      tier2Loss: o.tier2Loss ?? "canonical",
    });
  return new Proposer(info, o.method);
};

interface WorldCheckpoint {
  readonly v: 1;
  readonly height: number;
  readonly feed: TaskFeedCheckpoint;
}

const writeCheckpoint = (file: string, c: WorldCheckpoint): void => {
  fs.writeFileSync(`${file}.tmp`, v8.serialize(c));
  fs.renameSync(`${file}.tmp`, file);
};

/**
 * Takes up the world checkpoint if it fits the follower's height: the same
 * height, or an older one with no window opened in between (only window
 * openings change the feed). Otherwise says why not.
 */
const restoreFeed = (file: string, feed: TaskFeed, follower: ChainFollower): true | string => {
  if (!fs.existsSync(file)) return `no world checkpoint (${path.basename(file)})`;
  let c: WorldCheckpoint;
  try {
    c = v8.deserialize(fs.readFileSync(file)) as WorldCheckpoint;
  } catch (e) {
    return `unreadable world checkpoint (${e instanceof Error ? e.message : String(e)})`;
  }
  if (c.v !== 1 || c.height > follower.height)
    return `the world checkpoint (height ${c.height}) does not fit the chain checkpoint (height ${follower.height})`;
  for (let h = c.height + 1; h <= follower.height; h++) {
    const row = follower.app.store.blockAt(h);
    if (!row || decodeEventLog(row.events).some((e) => e.case === "windowOpened"))
      return `a window opened between the world checkpoint (height ${c.height}) and the chain checkpoint (height ${follower.height})`;
  }
  feed.restore(c.feed);
  return true;
};

/** The followed chain and the task feed: from the local checkpoint where it fits, else from genesis. */
const openFollowed = async (
  o: DaemonOptions,
  seed: Uint8Array,
): Promise<{ follower: ChainFollower; feed: TaskFeed; checkpoint: string }> => {
  const db = path.join(o.stateDir, "chain.db");
  const checkpoint = path.join(o.stateDir, "world.ckpt");
  const newFeed = () => new TaskFeed(new Prng(deriveSeed(seed, "tasks")));
  let follower = new ChainFollower(o.rpc, o.log, { dbPath: db });
  await follower.init();
  const feed = newFeed();
  if (follower.resumedFrom === 0) return { follower, feed, checkpoint };
  const ok = restoreFeed(checkpoint, feed, follower);
  if (ok === true) return { follower, feed, checkpoint };
  o.log(`checkpoint: ${ok}; replaying the chain from genesis instead`);
  follower.stop();
  for (const f of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
  follower = new ChainFollower(o.rpc, o.log, { dbPath: db });
  await follower.init();
  return { follower, feed: newFeed(), checkpoint };
};

/** The daemon's gradient-salt key: 32 random bytes in `<stateDir>/salt-<address>.key`, created once. */
const saltKeyOf = (stateDir: string, address: string): Uint8Array => {
  const file = path.join(stateDir, `salt-${address}.key`);
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(32), { mode: 0o600 });
  return new Uint8Array(fs.readFileSync(file));
};

export const startDaemon = async (o: DaemonOptions): Promise<RunningDaemon> => {
  const seed = seedOf(o.worldSeed);
  const { wallet, address } = o.signer;
  fs.mkdirSync(o.stateDir, { recursive: true });
  const { follower, feed, checkpoint } = await openFollowed(o, seed);
  const params = follower.state.params;
  if (o.tier2Loss === "onnx" && o.backend !== "kernels")
    throw new Error(
      "--tier2-loss onnx needs --backend kernels (the simulated backend has no model to export)",
    );
  // The follower holds the genesis state until it runs: its vault ids 0…n−1 are the genesis vault.
  const backend = new PublishingBackend(
    makeBackend({ ...o, genesisVaultEntries: follower.state.counters.nextVaultId }, seed, params),
  );
  const store = new LiveContentStore(o.store, o.log);
  const world: World = {
    seed: deriveSeed(seed, "world"),
    backend,
    queries: new Queries(),
    work: new WorkLedger(),
    aggregateChecks: new Map(),
    store,
    tasks: feed,
    coalition: new Map(),
    aggregates: [],
  };
  const actor = makeActor(o, address);
  // A miner's gradient salts hide its commitments from peers: derive them from a key only this daemon holds
  // (kept in its state folder, so a restart salts alike), not from the shared world seed.
  if (actor instanceof miners.Miner) actor.saltKey = saltKeyOf(o.stateDir, address);
  // Its pending reveals outlive the process (an unrevealed commitment is slashed): journaled before each
  // commitment goes out, loaded here, and resent from the tip on when due (reveal-journal.ts).
  const reveals =
    actor instanceof miners.Miner
      ? RevealJournal.open(path.join(o.stateDir, `reveals-${address}`), address, o.log)
      : undefined;
  if (actor instanceof miners.Miner && reveals)
    actor.revealKeeper = {
      keep: (reveal, gradient) => reveals.save({ reveal, ...(gradient ? { gradient } : {}) }),
    };
  const broadcaster = new Broadcaster(
    follower,
    wallet,
    address,
    path.join(o.stateDir, `duties-${address}.log`),
    () => store.flush(),
    o.log,
  );
  const t0 = Date.now();
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const chain: ChainView = {
    get height() {
      return follower.height;
    },
    get timeMs() {
      return follower.timeMs - t0;
    },
    get state() {
      return follower.state;
    },
  };
  const io: ActorIO = {
    get nowMs() {
      return Date.now() - t0;
    },
    chain,
    blockTimeMs: o.blockTimeMs,
    prng: new Prng(hashParts("live/actor", seed, address)),
    world,
    submit: (cmd: ProtocolCommand) => broadcaster.submit(cmd),
    wake: (delayMs, fn) => {
      if (stopped) return;
      const t = setTimeout(
        () => {
          timers.delete(t);
          if (stopped) return;
          try {
            fn();
          } catch (e) {
            o.log(`actor: timer failed: ${e instanceof Error ? e.stack : String(e)}`);
          }
        },
        Math.max(0, Math.floor(delayMs)),
      );
      timers.add(t);
    },
  };
  const wants = new Set<string>(actor.subscriptions);
  let caughtUp = false;
  const done = follower.run(async (b) => {
    observeBlock(world.tasks, follower.state, b.events, o.gpuArch);
    writeCheckpoint(checkpoint, { v: 1, height: b.height, feed: world.tasks.checkpoint() });
    if (b.catchingUp) return;
    if (!caughtUp) {
      caughtUp = true;
      // Submissions still live were made while this daemon was away (or before it resumed): fetch their blobs now.
      const live = [...follower.state.submissions.values()].map((x) => x.gradientCid);
      await Promise.all(live.map((cid) => store.fetch(cid)));
      o.log(
        `caught up at height ${b.height}${follower.resumedFrom > 0 ? ` (resumed from the local checkpoint at ${follower.resumedFrom})` : ""}; fetched ${live.length} live submissions' blobs; ${o.role} ${address} is acting`,
      );
    }
    for (const c of reveals?.commitmentsDue(follower.state, b.height) ?? []) {
      o.log(`reveal journal: committing window ${c.window} again (not on chain three blocks on)`);
      broadcaster.submit({ case: "commitGradient", value: c });
    }
    for (const r of reveals?.due(follower.state, b.height) ?? []) {
      o.log(`reveal journal: revealing window ${r.reveal.window} (committed before a restart)`);
      if (r.gradient) store.put(r.reveal.gradientCid, r.gradient);
      broadcaster.submit({ case: "submitGradient", value: r.reveal });
    }
    const fetches = b.events.flatMap((e) =>
      e.case === "gradientSubmitted"
        ? [store.fetch(e.value.gradientCid)]
        : e.case === "aggregationRevealed" && o.role === "validator"
          ? [store.fetchAggregate(e.value.aggregatedCid)]
          : [],
    );
    if (fetches.length > 0) await Promise.all(fetches);
    const mine = b.events.filter((e) => wants.has(e.case) || addressees(e).includes(address));
    if (mine.length === 0) return;
    try {
      actor.onEvents(mine, io);
    } catch (e) {
      o.log(`actor: failed on block ${b.height}: ${e instanceof Error ? e.stack : String(e)}`);
    }
  });
  return {
    address,
    broadcaster,
    follower,
    done,
    stop: async () => {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      follower.stop();
      await done.catch(() => {});
      await o.store.close();
    },
  };
};

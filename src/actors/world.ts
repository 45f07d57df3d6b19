/**
 * The off-chain world the actors share: the content store (an IPFS stand-in
 * holding published gradients by CID), the training backend, the task feed
 * (which blindly delivers trap tasks for the shards the trap committee
 * chose), coalitions' shared secrets, and a log of the aggregates proposers
 * computed (off-chain facts the reports compare with the true update).
 */
import type { AggregateRecord } from "../sim/sink.ts";
import { hashParts } from "../protocol/randomness.ts";
import { hex, type State } from "../protocol/state.ts";
import { commitmentDigest, trapCommitment } from "../protocol/traps.ts";
import type { Prng } from "../protocol/randomness.ts";
import { cidOf, type Task, type TrainingBackend, type TrainResult, type VaultTask } from "./backend.ts";
import type { Queries } from "./queries.ts";
import type { WorkLedger } from "./work.ts";
import type { GpuArch } from "../gen/remes/v1/types_pb.ts";

export interface StoredGradient {
  readonly window: number;
  readonly gradientHash: Uint8Array;
  readonly sizeBytes: bigint;
  readonly update?: Int32Array;
}

/** The simulator's content id of an aggregate vector. */
export const aggregateCid = (v: Int32Array): string => cidOf(hashParts("sim/aggregate", new Uint8Array(v.buffer, v.byteOffset, v.byteLength)));

/**
 * Published gradients by CID; windows older than the retention are dropped.
 * Aggregates: proposers publish them here under `aggregateCidOf` and
 * verifiers check `hasAggregate`; the simulator keeps recent aggregate
 * vectors by CID (verifiers recompute the vector and compare CIDs; the
 * global model takes up finalized ones), so a proposer that withholds its
 * blob is seen not to have published it (src/actors/attacks/withholder.ts);
 * a live daemon's store publishes and fetches real blobs (live/world.ts).
 */
export class ContentStore {
  readonly #byCid = new Map<string, StoredGradient>();
  readonly #byWindow = new Map<number, string[]>();

  constructor(readonly retentionWindows = 6) {}

  put(cid: string, g: StoredGradient): void {
    const held = this.#byCid.get(cid);
    if (held && held.window >= g.window) return;
    // Published again in a later window (a stale update resubmitted): it is kept as long as that window's.
    if (held) {
      const list = this.#byWindow.get(held.window);
      const at = list?.indexOf(cid) ?? -1;
      if (at >= 0) list!.splice(at, 1);
    }
    this.#byCid.set(cid, g);
    let list = this.#byWindow.get(g.window);
    if (!list) {
      list = [];
      this.#byWindow.set(g.window, list);
      for (const [w, cids] of this.#byWindow) {
        if (w >= g.window - this.retentionWindows) continue;
        for (const c of cids) this.#byCid.delete(c);
        this.#byWindow.delete(w);
      }
    }
    list.push(cid);
  }

  get(cid: string): StoredGradient | undefined {
    return this.#byCid.get(cid);
  }

  /** The CID an aggregate vector is published under. */
  aggregateCidOf(v: Int32Array): string {
    return aggregateCid(v);
  }

  readonly #aggregates = new Map<string, Int32Array>();

  /** Publishes an aggregate. Verifiers look within a few blocks of the reveal, the global model at finalization: the latest few hundred are plenty. */
  putAggregate(cid: string, v: Int32Array): void {
    this.#aggregates.set(cid, v);
    if (this.#aggregates.size > 512) this.#aggregates.delete(this.#aggregates.keys().next().value!);
  }

  /** An aggregate published under `cid`, if this store holds it. */
  aggregate(cid: string): Int32Array | undefined {
    return this.#aggregates.get(cid);
  }

  /** Whether the aggregate under `cid` was published (and, as its CID says, is `expected`'s). */
  hasAggregate(cid: string, _expected: Int32Array): boolean {
    return this.#aggregates.has(cid);
  }
}

export interface TrapPlan {
  readonly window: number;
  /** Trap shard → vault entry and salt. */
  readonly traps: ReadonlyMap<number, { readonly entryId: number; readonly salt: Uint8Array }>;
  readonly commitments: readonly Uint8Array[];
  readonly digestHex: string;
}

/**
 * The task feed: what data each miner trains on. The trap committee plans a
 * window's traps here before it opens (the plan is their shared secret);
 * once the chain has accepted the plan's commitments, miners of a trap shard
 * are handed the vault task instead of the shard's data, and can not tell.
 */
export class TaskFeed {
  readonly #plans = new Map<number, TrapPlan>();

  constructor(readonly prng: Prng) {}

  /** The plan of a window, drawn once (every committee member gets the same one). */
  planFor(window: number, state: Readonly<State>): TrapPlan {
    const existing = this.#plans.get(window);
    if (existing) return existing;
    const p = state.params;
    const rng = this.prng.fork("traps", window);
    const reserved = new Set<number>();
    for (const plan of this.#plans.values()) for (const t of plan.traps.values()) reserved.add(t.entryId);
    const entries = [...state.vault.keys()].filter((id) => !reserved.has(id)).sort((a, b) => a - b);
    const traps = new Map<number, { entryId: number; salt: Uint8Array }>();
    for (let shard = 0; shard < p.totalShards && traps.size < p.trapCommitmentSlots && entries.length > 0; shard++) {
      if (!rng.chance(p.trapRateBps, 10_000)) continue;
      const entryId = entries[traps.size % entries.length]!;
      traps.set(shard, { entryId, salt: rng.fork("salt", shard).seed });
    }
    const commitments = [...traps].map(([shard, t]) => trapCommitment(window, shard, t.entryId, t.salt));
    for (let i = commitments.length; i < p.trapCommitmentSlots; i++) commitments.push(rng.fork("dummy", i).seed);
    commitments.sort((a, b) => Buffer.compare(a, b));
    const plan: TrapPlan = { window, traps, commitments, digestHex: hex(commitmentDigest(commitments)) };
    this.#plans.set(window, plan);
    for (const w of this.#plans.keys()) if (w < window - 4) this.#plans.delete(w);
    return plan;
  }

  plan(window: number): TrapPlan | undefined {
    return this.#plans.get(window);
  }

  /** The task a miner of `shard` receives in `window`, judged from the committed state. */
  task(window: number, shard: number, gpuArch: GpuArch, state: Readonly<State>): Task {
    const key = `${window}/${shard}`;
    const served = this.#served.get(key);
    if (served) return { window, shard, gpuArch, vault: served };
    const plan = this.#plans.get(window);
    const accepted = state.traps.get(window)?.accepted;
    const trap = plan && accepted && hex(accepted.digest) === plan.digestHex ? plan.traps.get(shard) : undefined;
    const entry = trap && state.vault.get(trap.entryId);
    if (!entry) return { window, shard, gpuArch };
    const vault: VaultTask = { entryId: entry.id, gradientHash: entry.gradientHash, window: entry.window, shard: entry.shard };
    this.#served.set(key, vault);
    this.#servedOrder.push(key);
    if (this.#servedOrder.length > 100_000) for (const k of this.#servedOrder.splice(0, 50_000)) this.#served.delete(k);
    return { window, shard, gpuArch, vault };
  }

  /**
   * The task behind a submission, for verifiers: the same data the feed
   * served for that shard (verifiers download the shard like miners do).
   */
  taskForCheck(window: number, shard: number, gpuArch: GpuArch): Task {
    const served = this.#served.get(`${window}/${shard}`);
    return served ? { window, shard, gpuArch, vault: served } : { window, shard, gpuArch };
  }

  readonly #served = new Map<string, VaultTask>();
  readonly #servedOrder: string[] = [];

  /** What the feed has drawn and served (plain data: Maps, byte arrays), for a daemon's checkpoint. */
  checkpoint(): TaskFeedCheckpoint {
    return { plans: [...this.#plans.values()], served: [...this.#served], servedOrder: [...this.#servedOrder] };
  }

  /** Takes up a checkpoint's plans and served tasks (the same seed must have drawn them). */
  restore(c: TaskFeedCheckpoint): void {
    this.#plans.clear();
    for (const p of c.plans) this.#plans.set(p.window, p);
    this.#served.clear();
    for (const [k, v] of c.served) this.#served.set(k, v);
    this.#servedOrder.splice(0, this.#servedOrder.length, ...c.servedOrder);
  }
}

export interface TaskFeedCheckpoint {
  readonly plans: readonly TrapPlan[];
  readonly served: readonly (readonly [string, VaultTask])[];
  readonly servedOrder: readonly string[];
}

export interface World {
  /** The run's secret seed for coalitions' shared secrets (not the chain's randomness). */
  readonly seed: Uint8Array;
  readonly backend: TrainingBackend;
  readonly queries: Queries;
  /** Memo of verifiers' aggregate checks by aggregation id (every honest verifier gets the same answer). */
  readonly aggregateChecks: Map<number, boolean>;
  readonly store: ContentStore;
  readonly tasks: TaskFeed;
  /** Shared results of coalitions (sybil clusters, colluders) by `${group}/${window}/${shard}/${arch}`. */
  readonly coalition: Map<string, TrainResult>;
  readonly aggregates: AggregateRecord[];
  /** Off-chain work each actor paid for (priced by the scenario's cost model). */
  readonly work: WorkLedger;
  /** The true update of a window, where the backend models one. */
  readonly trueUpdate?: (window: number) => Int32Array;
}

/**
 * The off-chain world the actors share: the content store (an IPFS stand-in
 * holding published gradients by CID), the training backend, the task feed
 * (every miner gets its shard's data on the current model, trap shard or
 * not; the committee's plan of which shards it audits stays its secret), coalitions' shared secrets, and a log of the aggregates proposers
 * computed (off-chain facts the reports compare with the true update).
 */
import type { AggregateRecord } from "./aggregate.ts";
import { hashParts } from "../protocol/randomness.ts";
import { hex, type State } from "../protocol/state.ts";
import { commitmentDigest, trapCommitment } from "../protocol/traps.ts";
import type { Prng } from "../protocol/randomness.ts";
import {
  cidOf,
  type Task,
  type TrainingBackend,
  type TrainResult,
  type VaultTask,
} from "./backend.ts";
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
export const aggregateCid = (v: Int32Array): string =>
  cidOf(hashParts("sim/aggregate", new Uint8Array(v.buffer, v.byteOffset, v.byteLength)));

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
  /** Trap shard → the commitment's opaque tag and salt. */
  readonly traps: ReadonlyMap<number, { readonly entryId: number; readonly salt: Uint8Array }>;
  readonly commitments: readonly Uint8Array[];
  readonly digestHex: string;
}

/**
 * The task feed: what data each miner trains on. The trap committee plans a
 * window's traps here before it opens (the plan is their shared secret): a
 * trap is an audit of a real shard of that window, so the feed hands every
 * miner the same kind of task, its shard's data on the current model, and
 * nothing about the plan (protocol/traps.ts states why that is
 * indistinguishable).
 */
export class TaskFeed {
  readonly #plans = new Map<number, TrapPlan>();

  constructor(readonly prng: Prng) {}

  /** The plan of a window, drawn once (every committee member gets the same one): each shard a trap at trap_rate. */
  planFor(window: number, state: Readonly<State>): TrapPlan {
    const existing = this.#plans.get(window);
    if (existing) return existing;
    const p = state.params;
    const rng = this.prng.fork("traps", window);
    const traps = new Map<number, { entryId: number; salt: Uint8Array }>();
    for (let shard = 0; shard < p.totalShards && traps.size < p.trapCommitmentSlots; shard++) {
      if (!rng.chance(p.trapRateBps, 10_000)) continue;
      traps.set(shard, { entryId: 0, salt: rng.fork("salt", shard).seed });
    }
    const commitments = [...traps].map(([shard, t]) =>
      trapCommitment(window, shard, t.entryId, t.salt),
    );
    for (let i = commitments.length; i < p.trapCommitmentSlots; i++)
      commitments.push(rng.fork("dummy", i).seed);
    commitments.sort((a, b) => Buffer.compare(a, b));
    const plan: TrapPlan = {
      window,
      traps,
      commitments,
      digestHex: hex(commitmentDigest(commitments)),
    };
    this.#plans.set(window, plan);
    for (const w of this.#plans.keys()) if (w < window - 4) this.#plans.delete(w);
    return plan;
  }

  plan(window: number): TrapPlan | undefined {
    return this.#plans.get(window);
  }

  /** The task a miner of `shard` receives in `window`: its shard's data on the current model, trap or not. */
  task(window: number, shard: number, gpuArch: GpuArch, _state: Readonly<State>): Task {
    return { window, shard, gpuArch };
  }

  /** The task behind a submission, for verifiers: the same one its miner got. */
  taskForCheck(window: number, shard: number, gpuArch: GpuArch): Task {
    return { window, shard, gpuArch };
  }

  /** What the feed has drawn (plain data: Maps, byte arrays), for a daemon's checkpoint. */
  checkpoint(): TaskFeedCheckpoint {
    return { plans: [...this.#plans.values()], served: [], servedOrder: [] };
  }

  /** Takes up a checkpoint's plans (the same seed must have drawn them). */
  restore(c: TaskFeedCheckpoint): void {
    this.#plans.clear();
    for (const p of c.plans) this.#plans.set(p.window, p);
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

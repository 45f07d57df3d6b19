/**
 * The simulator's off-chain world, for daemons: the same `World` the actors
 * use, with the content store backed by a real BlobStore (Kubo or Helia).
 *
 * - Gradients become blobs: `PublishingBackend` wraps a TrainingBackend so a
 *   result's CID is the CID of its blob (window, gradient hash, size and the
 *   update vector), which `LiveContentStore.put` publishes; the broadcaster
 *   waits for publishing to finish before a submission goes out.
 * - Aggregates become blobs too: a proposer publishes the aggregate vector
 *   and commits to the blob's CID; validators fetch the blob of every
 *   revealed aggregate (verified against its CID) and find the aggregate
 *   right only if it is there and equals their own recomputation.
 * - Reads stay synchronous for the actors: the daemon prefetches the blobs
 *   of each block's new submissions and revealed aggregates (verified
 *   against their CIDs) before handing the block's events to its actor; a
 *   blob that can not be fetched is simply not there, as in the simulator.
 * - The task feed is the testnet's data service: every daemon derives it from
 *   the testnet's shared world seed and replays the whole chain, so they all
 *   draw the same trap plans at the same blocks (see `observeBlock`).
 */
import type { GpuArch } from "../../gen/remes/v1/types_pb.ts";
import type { ProtocolEvent } from "../../protocol/events.ts";
import type { State } from "../../protocol/state.ts";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { BlobError, type BlobStore, rawCidOf } from "../../store/blob-store.ts";
import type { Task, TrainingBackend, TrainResult } from "../backend.ts";
import { ContentStore, type StoredGradient, type TaskFeed } from "../world.ts";

interface GradientBlob {
  readonly v: 1;
  readonly window: number;
  readonly gradientHash: string;
  readonly sizeBytes: string;
  readonly update: number[];
}

export const encodeGradientBlob = (g: StoredGradient): Uint8Array =>
  new TextEncoder().encode(
    JSON.stringify({
      v: 1,
      window: g.window,
      gradientHash: bytesToHex(g.gradientHash),
      sizeBytes: g.sizeBytes.toString(),
      update: [...(g.update ?? [])],
    } satisfies GradientBlob),
  );

export const decodeGradientBlob = (bytes: Uint8Array): StoredGradient => {
  const b = JSON.parse(new TextDecoder().decode(bytes)) as GradientBlob;
  if (
    b.v !== 1 ||
    !Number.isInteger(b.window) ||
    !/^[0-9a-f]{64}$/.test(b.gradientHash) ||
    !Array.isArray(b.update)
  )
    throw new Error("not an r3mes gradient blob (v1)");
  return {
    window: b.window,
    gradientHash: hexToBytes(b.gradientHash),
    sizeBytes: BigInt(b.sizeBytes),
    update: Int32Array.from(b.update),
  };
};

interface AggregateBlob {
  readonly v: 1;
  readonly kind: "aggregate";
  readonly update: number[];
}

export const encodeAggregateBlob = (v: Int32Array): Uint8Array =>
  new TextEncoder().encode(
    JSON.stringify({ v: 1, kind: "aggregate", update: [...v] } satisfies AggregateBlob),
  );

export const decodeAggregateBlob = (bytes: Uint8Array): Int32Array => {
  const b = JSON.parse(new TextDecoder().decode(bytes)) as AggregateBlob;
  if (
    b.v !== 1 ||
    b.kind !== "aggregate" ||
    !Array.isArray(b.update) ||
    !b.update.every((x) => Number.isInteger(x))
  )
    throw new Error("not an r3mes aggregate blob (v1)");
  return Int32Array.from(b.update);
};

const sameVector = (a: Int32Array, b: Int32Array) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** A TrainingBackend whose results carry the CID of their blob. */
export class PublishingBackend implements TrainingBackend {
  constructor(readonly inner: TrainingBackend) {}
  get name() {
    return this.inner.name;
  }
  get kernelVersion() {
    return this.inner.kernelVersion;
  }
  costMs(task: Task) {
    return this.inner.costMs(task);
  }
  lossOn(task: Task, batch: number) {
    return this.inner.lossOn(task, batch);
  }
  get fastLossOn() {
    return this.inner.fastLossOn?.bind(this.inner);
  }
  verify(task: Task, hash: Uint8Array) {
    return this.inner.verify(task, hash);
  }
  vaultHash(entryId: number) {
    return this.inner.vaultHash(entryId);
  }
  daOpening(hash: Uint8Array, sizeBytes: bigint, chunkBytes: number, index: number) {
    return this.inner.daOpening(hash, sizeBytes, chunkBytes, index);
  }
  train(task: Task, effortBps?: number): TrainResult {
    return this.#withBlob(task, this.inner.train(task, effortBps));
  }
  publish(task: Task, update: Int32Array): TrainResult {
    return this.#withBlob(task, this.inner.publish(task, update));
  }
  #withBlob(task: Task, r: TrainResult): TrainResult {
    if (!r.update) return r;
    return {
      ...r,
      cid: rawCidOf(
        encodeGradientBlob({
          window: task.window,
          gradientHash: r.gradientHash,
          sizeBytes: r.sizeBytes,
          update: r.update,
        }),
      ),
    };
  }
}

export class LiveContentStore extends ContentStore {
  #publishing = new Set<Promise<void>>();
  /** Aggregates published here or fetched (verified), by CID; the newest 64. */
  readonly #aggregates = new Map<string, Int32Array>();

  constructor(
    readonly blobs: BlobStore,
    readonly log: (line: string) => void,
  ) {
    super();
  }

  override put(cid: string, g: StoredGradient): void {
    super.put(cid, g);
    if (!g.update) return;
    const blob = encodeGradientBlob(g);
    if (rawCidOf(blob) !== cid) return; // not one of ours (a copied CID): nothing to publish
    this.#publish(cid, blob);
  }

  override aggregateCidOf(v: Int32Array): string {
    return rawCidOf(encodeAggregateBlob(v));
  }

  override putAggregate(cid: string, v: Int32Array): void {
    this.#remember(cid, v);
    this.#publish(cid, encodeAggregateBlob(v));
  }

  override hasAggregate(cid: string, expected: Int32Array): boolean {
    const have = this.#aggregates.get(cid);
    return have !== undefined && sameVector(have, expected);
  }

  /** Fetches (verified against its CID) and caches a revealed aggregate; false when it can not be had. */
  async fetchAggregate(cid: string): Promise<boolean> {
    if (this.#aggregates.has(cid)) return true;
    try {
      this.#remember(cid, decodeAggregateBlob(await this.blobs.get(cid)));
      return true;
    } catch (e) {
      this.log(
        `store: aggregate ${cid} not fetched (${e instanceof BlobError ? `${e.kind}: ${e.message}` : e instanceof Error ? e.message : String(e)})`,
      );
      return false;
    }
  }

  #remember(cid: string, v: Int32Array): void {
    this.#aggregates.set(cid, v);
    if (this.#aggregates.size > 64) this.#aggregates.delete(this.#aggregates.keys().next().value!);
  }

  #publish(cid: string, blob: Uint8Array): void {
    const p = this.blobs
      .put(blob)
      .then(
        (stored) => {
          if (stored !== cid)
            this.log(`store: ${this.blobs.name} gave ${stored} for a blob whose CID is ${cid}`);
        },
        (e: unknown) =>
          this.log(
            `store: publishing ${cid} failed: ${e instanceof Error ? e.message : String(e)}`,
          ),
      )
      .finally(() => this.#publishing.delete(p));
    this.#publishing.add(p);
  }

  /** Resolves once everything put so far is in the blob store. */
  async flush(): Promise<void> {
    await Promise.all([...this.#publishing]);
  }

  /** Fetches and caches a blob (verified); false when it can not be had. */
  async fetch(cid: string): Promise<boolean> {
    if (this.get(cid)) return true;
    try {
      super.put(cid, decodeGradientBlob(await this.blobs.get(cid)));
      return true;
    } catch (e) {
      const why =
        e instanceof BlobError
          ? `${e.kind}: ${e.message}`
          : e instanceof Error
            ? e.message
            : String(e);
      this.log(`store: ${cid} not fetched (${why})`);
      return false;
    }
  }
}

/**
 * What every daemon does with every committed block, whatever its role, so
 * the shared task feed evolves identically everywhere: plan the traps of the
 * next window when one opens (as its trap committee does) and serve the
 * opened window's tasks (so verifiers know which shards got vault tasks).
 */
export const observeBlock = (
  tasks: TaskFeed,
  state: Readonly<State>,
  events: readonly ProtocolEvent[],
  anyArch: GpuArch,
): void => {
  for (const e of events) {
    if (e.case !== "windowOpened") continue;
    tasks.planFor(Number(e.value.window) + 1, state);
    for (let shard = 0; shard < state.params.totalShards; shard++)
      tasks.task(Number(e.value.window), shard, anyArch, state);
  }
};

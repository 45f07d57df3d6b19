/**
 * Follows the committed chain for the simulated backend's global model
 * (src/actors/model.ts): a window opening fixes the model it trains from;
 * an `aggregationFinalized` adds the window's aggregate (fetched from the
 * content store by its on-chain CID) to the global model. It sees each
 * block before the actors do (the engine calls sinks first), so a window's
 * miners train from the model as of the block that opened it. Events are
 * taken in block order: windows open in the begin block and aggregations
 * finalize in the end block, so an aggregate finalized in the block that
 * opens a window reaches the window after it.
 * One ModelRecord per window, for the `model` table. The kernels backend's
 * global adapters (src/kernels/global-adapters.ts) are followed the same
 * way; their loss is the held-out cross-entropy in micro-nats.
 */
import type { ContentStore } from "../actors/world.ts";
import type { ProtocolEvent } from "../protocol/events.ts";
import type { State } from "../protocol/state.ts";
import type { ModelRecord } from "./sink.ts";

/** A global model the tracker follows: the simulated θ or the kernels' adapters. */
export interface TrackedModel {
  open(window: number): void;
  apply(aggregate: ArrayLike<number>): void;
  loss(): bigint;
  readonly initialLoss: bigint;
}

interface Open {
  readonly window: number;
  readonly openHeight: number;
  readonly baseLoss: bigint;
  readonly initialLoss: bigint;
}

export class ModelTracker {
  readonly #open = new Map<number, Open>();
  readonly #records: ModelRecord[] = [];

  constructor(
    readonly model: TrackedModel,
    readonly store: ContentStore,
  ) {}

  observe(height: number, events: readonly ProtocolEvent[], state: Readonly<State>): void {
    for (const e of events) {
      if (e.case === "windowOpened") {
        this.model.open(Number(e.value.window));
        this.#open.set(Number(e.value.window), {
          window: Number(e.value.window),
          openHeight: height,
          baseLoss: this.model.loss(),
          initialLoss: this.model.initialLoss,
        });
      } else if (e.case === "aggregationFinalized") {
        const revealed = state.windows.get(Number(e.value.window))?.aggregation?.revealed;
        const v = revealed && this.store.aggregate(revealed.aggregatedCid);
        if (v) this.model.apply(v);
        this.#settle(Number(e.value.window), height, state, true);
      } else if (e.case === "aggregationFaulted") {
        this.#settle(Number(e.value.window), height, state, false);
      }
    }
  }

  #settle(
    window: number,
    height: number | undefined,
    state: Readonly<State>,
    finalized: boolean,
  ): void {
    const o = this.#open.get(window);
    if (!o) return;
    this.#open.delete(window);
    const revealed = state.windows.get(window)?.aggregation?.revealed;
    this.#records.push({
      ...o,
      ...(revealed ? { method: revealed.method, included: revealed.submissionIds.length } : {}),
      finalized,
      faulted: !finalized && height !== undefined,
      ...(height !== undefined ? { settledHeight: height } : {}),
      loss: this.model.loss(),
      mintedUremes: state.supply.minted,
    });
  }

  /** The records, windows still unsettled at the end included (as the model stands), in window order. */
  records(state: Readonly<State>): ModelRecord[] {
    for (const w of [...this.#open.keys()].sort((a, b) => a - b))
      this.#settle(w, undefined, state, false);
    return this.#records.sort((a, b) => a.window - b.window);
  }
}

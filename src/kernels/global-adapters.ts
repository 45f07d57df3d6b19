/**
 * The kernels backend's global model (the counterpart of src/actors/model.ts
 * for real training): LoRA adapters on the frozen backbone. They start as
 * the seed's base adapters of window 0; each finalized aggregate (the
 * proposers' fixed-point deltas, ÷ 2²⁰ with `fromFixedPoint`) is added
 * element-wise in canonical float32 (`applyDelta`), scaled by the global
 * step (GLOBAL_STEP_BPS, truncated in fixed point), so every follower of the
 * chain holds the same bits. Window w trains from the adapters as they stood
 * when w opened (the same lag as the simulated model); the state is kept per
 * window so a trap that re-serves a window's job replays its base.
 *
 * Why a global step of one quarter: an aggregation finalizes while the
 * next window trains, so window w trains from the adapters without w−1's
 * aggregate, and both deltas — AdamW steps of about `lr` per element
 * whatever the gradient — land one after the other. Added whole they
 * overshoot and diverge (scenarios/real_training.json, seed 1: held-out
 * loss 5.65 → 4.05, 5.63, 7.41, 4.19, 5.14, 60, 535, then 7·10⁶ nats after
 * window 7); halved, they reach 3.6 nats by window 2 and then wander and
 * blow up after window 10; a quarter descends smoothly to 3.5 nats by
 * window 8 (docs/model.md, which also records its later spikes).
 */
import { corpus } from "./corpus.ts";
import { fr } from "./f32.ts";
import type { Adapters, Backbone } from "./model.ts";
import { applyDelta, evalLoss } from "./train.ts";

/** Held-out chunks evaluated per state: one 2,048-token chunk costs a fraction of a second. */
export const HELDOUT_EVAL_CHUNKS = 1;
/** Share of a finalized aggregate added to the global adapters (bps). */
export const GLOBAL_STEP_BPS = 2_500;
/** Window bases kept (a trap may re-serve an old window's job); about 14 kB each for the tiny model. */
export const MAX_BASES = 4096;

/** Held-out loss in micro-nats: round(mean cross-entropy × 10⁶). */
export const heldoutLossMicro = (
  bb: Backbone,
  ad: Adapters,
  chunks: readonly Uint8Array[] = corpus().heldout.slice(0, HELDOUT_EVAL_CHUNKS),
): bigint => {
  let sum = 0;
  for (const c of chunks) sum += evalLoss(bb, ad, c);
  return BigInt(Math.round(fr(sum / chunks.length) * 1e6));
};

export class GlobalAdapters {
  #current: Adapters;
  #currentLoss: bigint | undefined;
  readonly #bases = new Map<number, Adapters>();
  readonly #heldout: readonly Uint8Array[];
  readonly initialLoss: bigint;

  constructor(
    readonly backbone: Backbone,
    readonly initial: Adapters,
    /** Decodes an aggregate vector into adapter deltas (the backend's `fromFixedPoint`). */
    readonly decode: (aggregate: Int32Array) => Float32Array[],
    readonly stepBps: number = GLOBAL_STEP_BPS,
  ) {
    if (!(Number.isInteger(stepBps) && stepBps >= 1 && stepBps <= 10_000))
      throw new RangeError(
        `GlobalAdapters: stepBps must be an integer in [1, 10000], got ${stepBps}`,
      );
    this.#current = initial;
    this.#heldout = corpus().heldout.slice(0, HELDOUT_EVAL_CHUNKS);
    this.initialLoss = heldoutLossMicro(backbone, initial, this.#heldout);
    this.#currentLoss = this.initialLoss;
  }

  get current(): Adapters {
    return this.#current;
  }

  /** A window opened: it trains from the current adapters. */
  open(window: number): void {
    if (this.#bases.has(window)) return;
    this.#bases.set(window, this.#current);
    if (this.#bases.size > MAX_BASES) this.#bases.delete(this.#bases.keys().next().value!);
  }

  /** The adapters window `window` trained from; undefined if it was never seen opening (or was dropped). */
  baseOf(window: number): Adapters | undefined {
    return this.#bases.get(window);
  }

  /** A finalized aggregate joins the global adapters. */
  apply(aggregate: ArrayLike<number>): void {
    // |v| < 2³¹ and stepBps ≤ 10⁴: the product is an exact integer.
    this.#current = applyDelta(
      this.#current,
      this.decode(Int32Array.from(aggregate, (v) => Math.trunc((v * this.stepBps) / 10_000))),
    );
    this.#currentLoss = undefined;
  }

  /** Held-out loss of the current adapters (micro-nats). */
  loss(): bigint {
    this.#currentLoss ??= heldoutLossMicro(this.backbone, this.#current, this.#heldout);
    return this.#currentLoss;
  }
}

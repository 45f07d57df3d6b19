/**
 * The global model the simulated backend trains (what the work is for). A
 * point θ in UPDATE_DIM integer coordinates and a known optimum θ*, both
 * drawn from the backend seed; θ starts at θ₀, away from θ*. A window's
 * honest update is a step from the model that window trained from toward θ*
 * (`stepOf`: STEP_BPS of the way, truncated), plus the per-shard noise of
 * the backend. When a window's aggregate is finalized on chain
 * (`aggregationFinalized`), it is added to the global model — the model
 * later windows train from.
 *
 * The lag: windows are back to back and an aggregation finalizes a few
 * blocks into the next window (commit, reveal and challenge periods), so
 * window w trains from the model as it stood when w opened, which holds the
 * aggregates finalized by then — in practice every window up to w−2. The
 * update of w−1 lands while w is training and is added on top; the model
 * is therefore stale-by-one asynchronous gradient descent, which converges
 * for STEP_BPS = 5,000 (x' = x − x_prev/2: |root| = √½ per window).
 *
 * The loss of a model is its squared Euclidean distance to θ* in model
 * units (an integer, exact as a bigint). Everything here is integer: the
 * updates feed gradient hashes, which go on chain. Coordinates saturate at
 * ±MODEL_CLAMP so a model dragged away for thousands of windows can not
 * overflow an Int32Array.
 */
import { deriveSeed, Prng } from "../protocol/randomness.ts";

export const MODEL_DIM = 8;
/** θ* and θ₀ coordinates are drawn from [−MODEL_RANGE, MODEL_RANGE]. */
export const MODEL_RANGE = 10_000;
/** Share of the distance to θ* an honest window's update covers (bps). */
export const STEP_BPS = 5_000;
export const MODEL_CLAMP = 1 << 30;

const clamp = (x: number): number => Math.max(-MODEL_CLAMP, Math.min(MODEL_CLAMP, x));

/** ‖a − b‖² exactly. */
export const squaredDistance = (a: ArrayLike<number>, b: ArrayLike<number>): bigint => {
  let s = 0n;
  for (let i = 0; i < a.length; i++) {
    const d = BigInt(a[i]! - (b[i] ?? 0));
    s += d * d;
  }
  return s;
};

/** The honest step from `from` toward `optimum` (no noise). */
export const stepOf = (from: Int32Array, optimum: Int32Array): Int32Array =>
  Int32Array.from(optimum, (t, i) => Math.trunc(((t - from[i]!) * STEP_BPS) / 10_000));

export class GlobalModel {
  readonly optimum: Int32Array;
  readonly initial: Int32Array;
  #current: Int32Array;
  /** The model each window trained from (set when the window opened). */
  readonly #bases = new Map<number, Int32Array>();
  #lastBase = -1;

  constructor(seed: Uint8Array) {
    const draw = (label: string) => {
      const prng = new Prng(deriveSeed(seed, label));
      return Int32Array.from(
        { length: MODEL_DIM },
        () => prng.below(2 * MODEL_RANGE + 1) - MODEL_RANGE,
      );
    };
    this.optimum = draw("sim/model-optimum");
    this.initial = draw("sim/model-initial");
    this.#current = this.initial;
  }

  get current(): Int32Array {
    return this.#current;
  }

  /** A window opened: it trains from the current model. */
  open(window: number): void {
    if (this.#bases.has(window)) return;
    this.#bases.set(window, this.#current);
    this.#lastBase = Math.max(this.#lastBase, window);
  }

  /**
   * The model window `window` trained from. A window never seen opening (a
   * live daemon that does not follow aggregates) trains from the latest
   * model seen at an earlier opening, else θ₀: every such daemon agrees.
   */
  baseOf(window: number): Int32Array {
    const b = this.#bases.get(window);
    if (b) return b;
    for (let w = Math.min(window, this.#lastBase); w >= 0; w--) {
      const e = this.#bases.get(w);
      if (e) return e;
    }
    return this.initial;
  }

  /** A finalized aggregate joins the global model. */
  apply(aggregate: ArrayLike<number>): void {
    this.#current = Int32Array.from(this.#current, (x, i) => clamp(x + (aggregate[i] ?? 0)));
  }

  get initialLoss(): bigint {
    return this.loss(this.initial);
  }

  loss(v: ArrayLike<number> = this.#current): bigint {
    return squaredDistance(v, this.optimum);
  }
}

/**
 * The simulator's event queue: a binary min-heap ordered by (time, sequence).
 * The sequence number is assigned at insertion, so two entries due at the
 * same virtual millisecond come out in the order they were scheduled — the
 * tie order is part of the run's definition. It is written here (≈ 60 lines)
 * rather than taken from npm because the well-known heap packages either
 * leave equal-key order unspecified or compare with a user function we would
 * have to make total anyway; this one is exactly what determinism needs.
 */

export interface Scheduled<T> {
  readonly timeMs: number;
  readonly seq: number;
  readonly item: T;
}

const before = <T>(a: Scheduled<T>, b: Scheduled<T>): boolean =>
  a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.seq < b.seq);

export class EventQueue<T> {
  readonly #heap: Scheduled<T>[] = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  /** Schedules `item` at `timeMs` (an integer number of virtual milliseconds). */
  push(timeMs: number, item: T): void {
    if (!Number.isSafeInteger(timeMs) || timeMs < 0)
      throw new RangeError(
        `EventQueue.push: time must be a non-negative integer of ms, got ${timeMs}`,
      );
    const h = this.#heap;
    const entry: Scheduled<T> = { timeMs, seq: this.#seq++, item };
    let i = h.length;
    h.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, h[parent]!)) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = entry;
  }

  peek(): Scheduled<T> | undefined {
    return this.#heap[0];
  }

  /** Removes and returns the earliest entry (ties: the first scheduled). */
  pop(): Scheduled<T> | undefined {
    const h = this.#heap;
    const top = h[0];
    if (top === undefined) return undefined;
    const last = h.pop()!;
    const n = h.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(h[r]!, h[l]!) ? r : l;
      if (!before(h[c]!, last)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
    return top;
  }
}

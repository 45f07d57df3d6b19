/**
 * The simulator's event queue: a binary min-heap ordered by (time, sequence).
 * The sequence number is assigned at insertion, so two entries due at the
 * same virtual millisecond come out in the order they were scheduled — the
 * tie order is part of the run's definition. It is written here (≈ 100 lines)
 * rather than taken from npm because the well-known heap packages either
 * leave equal-key order unspecified or compare with a user function we would
 * have to make total anyway; this one is exactly what determinism needs.
 *
 * Laid out as parallel arrays (times and sequence numbers in typed arrays,
 * items in a plain one) rather than one `{ timeMs, seq, item }` object per
 * entry: a large run schedules tens of millions of entries, and an entry
 * object each was a share of the simulator's garbage; the comparisons read
 * typed arrays too.
 */

export interface Scheduled<T> {
  readonly timeMs: number;
  readonly seq: number;
  readonly item: T;
}

export class EventQueue<T> {
  #time = new Float64Array(1024);
  #seq = new Float64Array(1024);
  #items: (T | undefined)[] = [];
  #size = 0;
  #nextSeq = 0;
  /** Time of the entry `next` returned last. */
  timeMs = 0;

  get size(): number {
    return this.#size;
  }

  /** Schedules `item` at `timeMs` (an integer number of virtual milliseconds). */
  push(timeMs: number, item: T): void {
    if (!Number.isSafeInteger(timeMs) || timeMs < 0)
      throw new RangeError(
        `EventQueue.push: time must be a non-negative integer of ms, got ${timeMs}`,
      );
    if (this.#size === this.#time.length) this.#grow();
    const time = this.#time;
    const seqs = this.#seq;
    const items = this.#items;
    const seq = this.#nextSeq++;
    let i = this.#size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = time[parent]!;
      if (pt < timeMs || (pt === timeMs && seqs[parent]! < seq)) break;
      time[i] = pt;
      seqs[i] = seqs[parent]!;
      items[i] = items[parent];
      i = parent;
    }
    time[i] = timeMs;
    seqs[i] = seq;
    items[i] = item;
  }

  #grow(): void {
    const time = new Float64Array(this.#time.length * 2);
    time.set(this.#time);
    this.#time = time;
    const seq = new Float64Array(this.#seq.length * 2);
    seq.set(this.#seq);
    this.#seq = seq;
  }

  peek(): Scheduled<T> | undefined {
    return this.#size === 0
      ? undefined
      : { timeMs: this.#time[0]!, seq: this.#seq[0]!, item: this.#items[0]! };
  }

  /** Removes the earliest entry (ties: the first scheduled) and returns its item; its time is then `timeMs`. */
  next(): T | undefined {
    const n = this.#size;
    if (n === 0) return undefined;
    const time = this.#time;
    const seqs = this.#seq;
    const items = this.#items;
    const top = items[0]!;
    this.timeMs = time[0]!;
    const last = n - 1;
    this.#size = last;
    const lt = time[last]!;
    const ls = seqs[last]!;
    const li = items[last];
    items[last] = undefined;
    if (last > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= last) break;
        const r = l + 1;
        let c = l;
        if (r < last) {
          const rt = time[r]!;
          const ct = time[l]!;
          if (rt < ct || (rt === ct && seqs[r]! < seqs[l]!)) c = r;
        }
        const ct = time[c]!;
        if (lt < ct || (lt === ct && ls < seqs[c]!)) break;
        time[i] = ct;
        seqs[i] = seqs[c]!;
        items[i] = items[c];
        i = c;
      }
      time[i] = lt;
      seqs[i] = ls;
      items[i] = li;
    }
    return top;
  }

  /** Removes and returns the earliest entry (ties: the first scheduled). */
  pop(): Scheduled<T> | undefined {
    if (this.#size === 0) return undefined;
    const seq = this.#seq[0]!;
    const item = this.next()!;
    return { timeMs: this.timeMs, seq, item };
  }
}

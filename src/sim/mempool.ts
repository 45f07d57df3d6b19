/**
 * The mempool of the simulated chain: transactions in arrival order (FIFO,
 * the order CometBFT's clist mempool reaps in), bounded, with a cache of
 * recently seen tx ids so a duplicated delivery is dropped like CometBFT's
 * mempool cache does (a duplicate that outlives the cache reaches a block and
 * is rejected by the protocol instead). A block takes txs from the head up
 * to its gas and count limits; the rest wait for the next block.
 */
import type { ProtocolCommand } from "../protocol/commands.ts";

export interface SimTx {
  /** Unique per submission (duplicates share it). */
  readonly id: number;
  readonly cmd: ProtocolCommand;
  readonly from: string;
}

/** Gas of a message: a flat cost per kind plus its variable part (deterministic, no encoding). */
export const gasOf = (cmd: ProtocolCommand): number => {
  switch (cmd.case) {
    case "submitAggregation":
      return 10_000 + 20 * cmd.value.submissionIds.length;
    case "commitTrapJobs":
      return 5_000 + 50 * cmd.value.commitments.length;
    case "revealTrapJobs":
      return 5_000 + 200 * cmd.value.reveals.length;
    case "proveAvailability":
      return 2_000 + cmd.value.chunk.length;
    default:
      return 1_000;
  }
};

const CACHE_SIZE = 65_536;

export class Mempool {
  #queue: SimTx[] = [];
  #head = 0;
  readonly #cache = new Set<number>();
  readonly #ring = new Int32Array(CACHE_SIZE).fill(-1);
  #ringPos = 0;
  dropped = 0;
  duplicates = 0;

  constructor(readonly maxTxs: number) {}

  get size(): number {
    return this.#queue.length - this.#head;
  }

  add(tx: SimTx): void {
    if (this.#cache.has(tx.id)) {
      this.duplicates++;
      return;
    }
    if (this.size >= this.maxTxs) {
      this.dropped++;
      return;
    }
    const old = this.#ring[this.#ringPos]!;
    if (old >= 0) this.#cache.delete(old);
    this.#ring[this.#ringPos] = tx.id;
    this.#ringPos = (this.#ringPos + 1) % CACHE_SIZE;
    this.#cache.add(tx.id);
    this.#queue.push(tx);
  }

  /** Puts reaped txs back at the head, in their order (txs a censoring proposer left out). */
  putBack(txs: readonly SimTx[]): void {
    if (txs.length > 0) this.#queue.splice(this.#head, 0, ...txs);
  }

  /** Removes and returns the txs of the next block, oldest first. */
  reap(maxGas: number, maxTxs: number): SimTx[] {
    const out: SimTx[] = [];
    let gas = 0;
    while (this.#head < this.#queue.length && out.length < maxTxs) {
      const tx = this.#queue[this.#head]!;
      const g = gasOf(tx.cmd);
      if (gas + g > maxGas && out.length > 0) break;
      gas += g;
      out.push(tx);
      this.#head++;
    }
    if (this.#head > 4_096 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return out;
  }
}

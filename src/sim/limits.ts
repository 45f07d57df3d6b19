/**
 * How big a run may be. The scenario schema bounds each number a file can
 * give (scenario.ts uses these constants), and `checkRunFits` refuses,
 * before anything is built, a run whose estimated memory exceeds the V8
 * heap: a file asking for a billion actors gets a clear error instead of a
 * process that grows until it dies.
 *
 * The estimate is deliberately simple and on the safe side of what was
 * measured (baseline scenario, simulated backend, peak heap over the run):
 * ~23 KB per miner at 3,000 miners (actor, keys, role, window assignment,
 * submissions in flight), and live memory flat in the number of blocks
 * (windows are settled and pruned).
 */
import { getHeapStatistics } from "node:v8";
import type { Scenario } from "./scenario.ts";

/** Schema bounds. Heights and windows are uint32 in the protocol; these stay far below. */
export const MAX_BLOCKS = 100_000_000;
export const MAX_GROUP_COUNT = 1_000_000;
export const MAX_SEEDS = 100_000;
export const MAX_VAULT_ENTRIES = 1_000_000;

const BASE_BYTES = 64 * 2 ** 20;
const BYTES_PER_ACTOR = 32 * 1024;
/** A margin for what the run keeps per block (progress, tallies); measured flat. */
const BYTES_PER_BLOCK = 16;
const BYTES_PER_VAULT_ENTRY = 256;
/** The share of the heap a run may plan to use (the rest: garbage between collections, sinks). */
const HEAP_SHARE = 0.8;

export const actorCount = (s: Scenario): number => s.actors.reduce((n, g) => n + g.count, 0);

/** Estimated peak heap of one run of `blocks` blocks (bytes). */
export const estimateRunBytes = (s: Scenario, blocks: number): number =>
  BASE_BYTES +
  actorCount(s) * BYTES_PER_ACTOR +
  blocks * BYTES_PER_BLOCK +
  (s.vaultEntries ?? 0) * BYTES_PER_VAULT_ENTRY;

/** Why the run would not fit in this process's heap, or undefined. */
export const runTooBig = (
  s: Scenario,
  blocks: number,
  heapBytes = getHeapStatistics().heap_size_limit,
): string | undefined => {
  const need = estimateRunBytes(s, blocks);
  if (need <= heapBytes * HEAP_SHARE) return undefined;
  const gib = (b: number) => (b / 2 ** 30).toFixed(b < 10 * 2 ** 30 ? 1 : 0);
  return `${actorCount(s)} actors over ${blocks} blocks needs about ${gib(need)} GiB of heap, more than ${Math.round(HEAP_SHARE * 100)}% of this process's ${gib(heapBytes)} GiB heap; use fewer actors or blocks, or raise the heap (node --max-old-space-size=MiB, e.g. NODE_OPTIONS=--max-old-space-size=${Math.ceil(need / HEAP_SHARE / 2 ** 20)})`;
};

/**
 * Shard assignment for a training window. The seed's formula
 * `H(address ‖ blockHash ‖ roundId) mod totalShards` alone can leave a shard
 * with one miner (nobody to compare hashes with) or none. So miners are
 * ranked by that same hash and dealt round-robin onto
 * `min(totalShards, ⌊n / minMinersPerShard⌋)` shards: every active shard gets
 * at least min_miners_per_shard miners, and nobody can predict or choose a
 * shard before the window's block hash exists. The data shard ids rotate
 * every window by an offset drawn from the same seed.
 */
import type { Params } from "../gen/remes/v1/params_pb.ts";
import { rawOf } from "./journal.ts";
import { hashMod, hashParts } from "./randomness.ts";

export interface ShardAssignment {
  readonly activeShards: number;
  readonly assignment: Map<string, number>;
}

export const assignShards = (
  miners: readonly string[],
  seed: Uint8Array,
  window: number,
  params: Pick<Params, "totalShards" | "minMinersPerShard">,
): ShardAssignment => {
  const n = miners.length;
  const assignment = new Map<string, number>();
  if (n === 0) return { activeShards: 0, assignment };
  const groups = Math.max(
    1,
    Math.min(params.totalShards, (n - (n % params.minMinersPerShard)) / params.minMinersPerShard),
  );
  // Rank by the hash's top 53 bits (an exact integer; string keys cost the
  // fold most of its time at 10,000 miners), ties broken by address.
  const ranked = miners
    .map((address) => {
      const h = hashParts("remes/shard", address, seed, window);
      const hi = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
      const lo = ((h[4]! << 24) | (h[5]! << 16) | (h[6]! << 8) | h[7]!) >>> 0;
      return { address, key: hi * 2_097_152 + (lo >>> 11) };
    })
    .sort((a, b) => a.key - b.key || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  const offset = hashMod("remes/shard-offset", [seed, window], params.totalShards);
  for (let rank = 0; rank < n; rank++) {
    assignment.set(ranked[rank]!.address, ((rank % groups) + offset) % params.totalShards);
  }
  return { activeShards: groups, assignment };
};

const byShardIndex = new WeakMap<ReadonlyMap<string, number>, ReadonlyMap<number, string[]>>();

/**
 * A window's miners by shard, each list in address order: an index over its
 * assignment, built on first use. An assignment never changes once its
 * window opened, so the index never goes stale (keyed by the map object, so a
 * copied state gets its own). It is not state: never encoded, never hashed.
 * Callers must not change the lists.
 */
export const minersByShard = (
  assignment: ReadonlyMap<string, number>,
): ReadonlyMap<number, readonly string[]> => {
  const raw = rawOf(assignment);
  let ix = byShardIndex.get(raw);
  if (ix === undefined) {
    const built = new Map<number, string[]>();
    for (const [miner, shard] of raw) {
      const list = built.get(shard);
      if (list) list.push(miner);
      else built.set(shard, [miner]);
    }
    // Each shard's few miners sorted, rather than the whole assignment (addresses are distinct).
    for (const list of built.values()) list.sort((a, b) => (a < b ? -1 : 1));
    byShardIndex.set(raw, (ix = built));
  }
  return ix;
};

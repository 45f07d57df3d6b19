/**
 * The vault poisoning coalition. Proof of reuse (protocol/rewards.ts) turns
 * a verified real job into a future trap: at settlement, a few shards whose
 * submissions were all VERIFIED or OPTIMISTIC (none mismatched or rejected)
 * become vault entries, the answer being the shard's first VERIFIED hash.
 * Tier 1 only compares miners of one (shard, GPU architecture) group, so a
 * coalition that holds every seat of its architecture on a shard (two or
 * more) agrees on any answer it likes and gets it VERIFIED; if it submits
 * before the shard's honest miners, its fake is the one promoted.
 *
 * Each member, on a shard where the coalition holds all of its
 * architecture's seats (the assignment and the miners' architectures are
 * public), submits the coalition's shared fake for the job quickly (a
 * do-nothing update, stored so availability checks pass) and remembers it;
 * elsewhere it trains honestly. Later, when a remembered job is served
 * again as a trap (its data comes back) and the public vault holds the fake
 * for it, members answer with the fake and pass, while honest miners compute the job correctly, disagree with the
 * poisoned vault, and are slashed for lazy mining.
 *
 * Closed (protocol/traps.ts, rewards.ts): a job enters the vault only after a
 * tier-3 panel recomputed it in a trap audit, and traps no longer replay
 * vault jobs (the `task.vault` branch below is never taken). The coalition's
 * fakes on an audited shard are rejected and slashed; nothing it agrees on
 * reaches the vault (scenarios/attacks/vault_poisoning.json).
 */
import { Role } from "../../gen/remes/v1/types_pb.ts";
import { hashParts } from "../../protocol/randomness.ts";
import { bytesEqual, roleKey } from "../../protocol/state.ts";
import type { ActorIO } from "../actor.ts";
import { cidOf, daRootOf, type Task, type TrainResult, UPDATE_DIM } from "../backend.ts";
import { honestWork, type MinerBehaviour, type Miner } from "../miners.ts";

const jobKey = (group: string, window: number, shard: number) =>
  `${group}/vault-job/${window}/${shard}`;

/** Whether the coalition holds every seat of the miner's architecture on its shard, with at least two members. */
const ownsShard = (self: Miner, task: Task, io: ActorIO, members: ReadonlySet<string>): boolean => {
  const state = io.chain.state;
  let ours = 0;
  for (const peer of io.world.queries.shardPeers(state, task.window, task.shard)) {
    if (state.roles.get(roleKey(Role.MINER, peer))?.gpuArch !== self.gpuArch) continue;
    if (!members.has(peer)) return false;
    ours++;
  }
  return ours >= 2;
};

const fakeFor = (task: Task, io: ActorIO, group: string): TrainResult => {
  const key = jobKey(group, task.window, task.shard);
  let r = io.world.coalition.get(key);
  if (!r) {
    const gradientHash = hashParts(
      "sim/vault-poison",
      io.world.seed,
      group,
      task.window,
      task.shard,
      task.gpuArch,
    );
    const chunk = io.chain.state.params.daChunkBytes;
    const sizeBytes = BigInt(chunk * 4);
    r = {
      gradientHash,
      daRoot: daRootOf(gradientHash, sizeBytes, chunk),
      sizeBytes,
      claimedLossMicro: io.world.backend.train(task).claimedLossMicro,
      cid: cidOf(gradientHash),
      update: new Int32Array(UPDATE_DIM),
    };
    io.world.coalition.set(key, r);
  }
  return r;
};

export const vaultPoisoner = (group: string, members: ReadonlySet<string>): MinerBehaviour => ({
  kind: "vault_poisoner_miner",
  answersAvailability: true,
  work: (self, task, io) => {
    const v = task.vault;
    if (v) {
      // The data of a job the coalition faked, and the public vault holds its fake for that job (vault entries are
      // on chain: vaultEntryAdded names the job and the hash): answer the fake. If an honest answer was promoted
      // instead (honest miners of another architecture verified first), the job is computed honestly.
      const fake = io.world.coalition.get(jobKey(group, v.window, v.shard));
      if (fake && bytesEqual(fake.gradientHash, v.gradientHash))
        return {
          result: fake,
          delayMs: Math.floor(io.world.backend.costMs(task) / 20) + io.prng.below(io.blockTimeMs),
          stored: true,
        };
      return honestWork(task, io);
    }
    if (!ownsShard(self, task, io, members)) return honestWork(task, io);
    // First on the shard: the first VERIFIED hash is the one proof of reuse keeps.
    return {
      result: fakeFor(task, io, group),
      delayMs: Math.floor(io.world.backend.costMs(task) / 20) + io.prng.below(io.blockTimeMs),
      stored: true,
    };
  },
});

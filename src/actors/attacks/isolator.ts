/**
 * Group isolator. Tier 1 compares hashes only within a (shard, GPU
 * architecture, kernel version) group, and a lone submission is accepted
 * OPTIMISTIC (verification/tier1.ts); the architecture and kernel version are
 * whatever the miner declares in its submission (submissions.ts checks only
 * that they are well formed). So this miner trains nothing, publishes a
 * random update (stored and served, so availability checks pass) and
 * declares a kernel version no one else uses ("kernel": the backend's,
 * tagged with its address) or an architecture no shard peer registered or
 * declared ("arch", falling back to "kernel" when every one is taken). It
 * submits three blocks before the deadline with a shard peer's claimed loss
 * (or a made-up one), which only matters if someone challenges it.
 * Nobody compares it, nobody disputes it, it is paid the optimistic reward.
 * Traps still compare it with the vault's answer unless `spotTraps`.
 */
import { Role } from "../../gen/remes/v1/types_pb.ts";
import { roleKey } from "../../protocol/state.ts";
import type { ActorIO } from "../actor.ts";
import type { Task } from "../backend.ts";
import { type Miner, type MinerBehaviour, trained, type Work } from "../miners.ts";
import {
  DECLARABLE_ARCHS,
  madeUpLoss,
  noiseResult,
  paidHonestWork,
  peerSubmission,
  spotsTrap,
  uniqueKernelVersion,
} from "./observe.ts";

export type Isolation = "kernel" | "arch";

export interface IsolatorOptions {
  readonly isolate: Isolation;
  readonly spotTraps: boolean;
}

/** An architecture no other miner of the shard registered or has declared this window, if any. */
const freeArch = (m: Miner, task: Task, io: ActorIO) => {
  const state = io.chain.state;
  const w = state.windows.get(task.window);
  const taken = new Set<number>();
  for (const peer of io.world.queries.shardPeers(state, task.window, task.shard)) {
    if (peer === m.info.address) continue;
    const role = state.roles.get(roleKey(Role.MINER, peer));
    if (role) taken.add(role.gpuArch);
    const id = w?.submittedBy.get(peer);
    const s = id === undefined ? undefined : state.submissions.get(id);
    if (s) taken.add(s.gpuArch);
  }
  // Indexed by its own architecture, so isolators of one shard that registered different ones pick different ones.
  const free = DECLARABLE_ARCHS.filter((a) => !taken.has(a) && a !== m.gpuArch);
  return free.length > 0 ? free[m.gpuArch % free.length] : undefined;
};

export const isolator = (o: IsolatorOptions): MinerBehaviour => ({
  kind: "isolated_miner",
  answersAvailability: true,
  work: (m, task, io) =>
    o.spotTraps && spotsTrap(m, task, io) ? paidHonestWork(m, task, io) : "later",
  late: (m, task, io): Work => {
    trained(m, task, io, 0);
    const r = noiseResult(task, io);
    const claimedLossMicro = peerSubmission(m, task, io)?.claimedLossMicro ?? madeUpLoss(io);
    const arch = o.isolate === "arch" ? freeArch(m, task, io) : undefined;
    const declared =
      arch !== undefined ? { gpuArch: arch } : { kernelVersion: uniqueKernelVersion(m, io) };
    return { result: { ...r, claimedLossMicro }, delayMs: 0, stored: true, ...declared };
  },
});

/**
 * What an attacking miner can see and the cheap results it makes up: the
 * pieces the strategies of this folder share. Everything here reads only
 * what a real miner has: the committed chain state (its assignment, its
 * shard peers' public submissions, the vault's public index), its own task
 * as handed to it, and its own random stream. Off-chain work is recorded in
 * the world's WorkLedger, 0 ms for work skipped.
 */
import { SubmissionStatus } from "../../gen/remes/v1/events_pb.ts";
import { GpuArch } from "../../gen/remes/v1/types_pb.ts";
import { hashParts } from "../../protocol/randomness.ts";
import type { Submission } from "../../protocol/state.ts";
import type { ActorIO } from "../actor.ts";
import { type Task, type TrainResult, UPDATE_DIM } from "../backend.ts";
import { honestWork, type Miner, trained, type Work } from "../miners.ts";

/** Honest training, recorded as paid work. */
export const paidHonestWork = (m: Miner, task: Task, io: ActorIO): Work => {
  trained(m, task, io);
  return honestWork(task, io);
};

/**
 * The job a task hands its miner: the (window, shard) whose base model and
 * data it carries. A miner sees this when it downloads the task (the base
 * adapters and the data chunk; see src/kernels/backend.ts `#job`). A trap is
 * an audit of a real job of the window (protocol/traps.ts), so this is always
 * the miner's own assignment; a task carrying a replayed job (`task.vault`,
 * the old design) would show it.
 */
export const handedJob = (task: Task): { readonly window: number; readonly shard: number } =>
  task.vault
    ? { window: task.vault.window, shard: task.vault.shard }
    : { window: task.window, shard: task.shard };

/**
 * Whether the task is a trap, judged as a miner can: the job it was handed
 * is not the job its committed assignment implies (this window's base model
 * on its shard's data). Under the replay design every trap was recognised
 * this way; with traps as pre-committed audits of real jobs it never fires
 * (test/sim/trap-indistinguishability.test.ts measures it and other public
 * classifiers against the base rate).
 */
export const spotsTrap = (m: Miner, task: Task, io: ActorIO): boolean => {
  const shard = io.chain.state.windows.get(task.window)?.assignment.get(m.info.address);
  const job = handedJob(task);
  return shard !== undefined && (job.window !== task.window || job.shard !== shard);
};

/**
 * A public claim to copy: among the shard peers' committed, live
 * submissions of this window, one whose claimed loss most peers share (honest
 * peers agree on the loss; a liar's made-up one stands alone), ties to the
 * first in address order.
 */
export const peerSubmission = (m: Miner, task: Task, io: ActorIO) => {
  const state = io.chain.state;
  const w = state.windows.get(task.window);
  if (!w) return undefined;
  const claims: Submission[] = [];
  for (const peer of io.world.queries.shardPeers(state, task.window, task.shard)) {
    const id = peer === m.info.address ? undefined : w.submittedBy.get(peer);
    const s = id === undefined ? undefined : state.submissions.get(id);
    if (s && s.status !== SubmissionStatus.REJECTED) claims.push(s);
  }
  let best: Submission | undefined;
  let bestCount = 0;
  for (const s of claims) {
    const count = claims.filter((c) => c.claimedLossMicro === s.claimedLossMicro).length;
    if (count > bestCount) {
      best = s;
      bestCount = count;
    }
  }
  return best;
};

/**
 * A made-up update that costs nothing to compute: random noise, published
 * (stored and served, so availability checks pass) under a hash of its own.
 * Its claimed loss is replaced by the caller; the backend's is not used.
 */
export const noiseResult = (task: Task, io: ActorIO): TrainResult => {
  const update = Int32Array.from({ length: UPDATE_DIM }, () => io.prng.below(2_001) - 1_000);
  return io.world.backend.publish(task, update);
};

/** A loss a miner might claim with nothing to copy: plausible, made up. */
export const madeUpLoss = (io: ActorIO): bigint => 1_000_000n + BigInt(io.prng.below(1_000_000));

/** Architectures a miner may declare (every known one but UNSPECIFIED), in enum order. */
export const DECLARABLE_ARCHS: readonly GpuArch[] = [
  GpuArch.CPU,
  GpuArch.PASCAL,
  GpuArch.AMPERE,
  GpuArch.ADA,
  GpuArch.HOPPER,
  GpuArch.BLACKWELL,
];

/** A kernel version no one else declares: the backend's, tagged with the miner's address. */
export const uniqueKernelVersion = (m: Miner, io: ActorIO): string =>
  `${io.world.backend.kernelVersion}+${Buffer.from(hashParts("attack/isolate", m.info.address)).toString("hex").slice(0, 8)}`;

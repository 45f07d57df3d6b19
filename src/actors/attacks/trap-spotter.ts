/**
 * Trap spotter. A trap replays an older job — a verified one whose window
 * and shard the vault publishes in state, or a genesis job — so the base
 * model and data a trap task hands its miner are not the ones its committed
 * assignment implies (observe.ts `spotsTrap`; nothing secret is read: not
 * the vault entry, not the answer, not the committee's plan). This miner
 * trains honestly exactly on the tasks it recognises as traps and skips all
 * the others with a lazy miner's fake ("random": a made-up hash with no
 * bytes and a made-up loss; "stale": its last real update and that loss;
 * "partial": `effortBps` of the training, its true loss).
 *
 * What a reader should see: no trap ever catches it, while a lazy miner
 * with the same fakes is caught at the trap rate; its fakes are still caught
 * where tier 1 compares them and tier 2/3 check the claimed loss. The
 * loss copier and the isolator take the same option (`spotTraps`), which
 * makes their fakes trap-proof too.
 */
import { type LazyFake, type MinerBehaviour, randomFake, trainDelay, trained } from "../miners.ts";
import { paidHonestWork, spotsTrap } from "./observe.ts";

export const trapSpotter = (fake: LazyFake, effortBps = 2_500): MinerBehaviour => ({
  kind: "trap_spotting_miner",
  answersAvailability: true,
  work: (m, task, io) => {
    if (spotsTrap(m, task, io)) {
      const w = paidHonestWork(m, task, io);
      m.lastReal = w.result;
      return w;
    }
    const delayMs = Math.floor(io.world.backend.costMs(task) / 20);
    if (fake === "partial") {
      trained(m, task, io, effortBps);
      return { result: io.world.backend.train(task, effortBps), delayMs: Math.floor((trainDelay(task, io) * effortBps) / 10_000), stored: true };
    }
    trained(m, task, io, 0);
    if (fake === "stale" && m.lastReal) return { result: m.lastReal, delayMs, stored: true };
    return { result: randomFake(io), delayMs, stored: false };
  },
});

/**
 * Trap spotter. Under the old design a trap replayed an older job, so the
 * base model and data a trap task handed its miner were not the ones its
 * committed assignment implies, and this miner trained honestly exactly on
 * the tasks it recognised that way (observe.ts `spotsTrap`), skipping all the
 * others with a lazy miner's fake ("random": a made-up hash with no bytes and
 * a made-up loss; "stale": its last real update and that loss; "partial":
 * `effortBps` of the training, its true loss).
 *
 * Now a trap is a pre-committed audit of a real job of the window
 * (protocol/traps.ts): every task is its own assignment's, `spotsTrap`
 * never fires, and this miner is a lazy miner caught at the trap rate by
 * tier-3 recomputation of the audited shards
 * (test/sim/trap-indistinguishability.test.ts, test/sim/attacks/miners.test.ts).
 * The loss copier and the isolator take the same option (`spotTraps`).
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
      return {
        result: io.world.backend.train(task, effortBps),
        delayMs: Math.floor((trainDelay(task, io) * effortBps) / 10_000),
        stored: true,
      };
    }
    trained(m, task, io, 0);
    if (fake === "stale" && m.lastReal) return { result: m.lastReal, delayMs, stored: true };
    return { result: randomFake(io), delayMs, stored: false };
  },
});
